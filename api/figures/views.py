"""The figures API: a station's 三率 over a period, by month and branch, and as CSV.

Scope is the caller's: a station outside it answers 404 like one that does not
exist. Definitions of the rates: `api.figures.rates`; of the trends and the
branches: `api.figures.trends`.
"""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.auth.dependencies import StaffDep, visible_station
from api.clock import NowDep
from api.csv_files import csv_response
from api.dependencies import SessionDep
from api.figures.rates import station_figures
from api.figures.schemas import (
    DayCount,
    FiguresOut,
    MonthStart,
    PeriodFigures,
    SeriesOut,
    TrendsOut,
)
from api.figures.trends import MAX_MONTHS, Series, Trends, months_between, station_trends
from api.tickets.staff.params import Day
from api.tickets.staff.responses import NOT_LOGGED_IN, Responses, unprocessable

router = APIRouter(prefix="/api/staff")
FIGURES_TAG = "工作人员 · 统计"
MAX_FIGURES_DAYS = 366

ANSWERS: Responses = {
    **NOT_LOGGED_IN,
    404: {"description": "没有这个站点，或不在您的可见范围内"},
    422: {"description": "日期或月份有误"},
}
StationPath = Annotated[str, Path(pattern=r"^\d{6,15}$", examples=["500107001011"])]
FromMonth = Annotated[
    MonthStart | None, Query(alias="from", description="起始月份（含），YYYY-MM，默认 11 个月前")
]
ToMonth = Annotated[MonthStart | None, Query(alias="to", description="截止月份（含），默认本月")]
Table = Literal["months", "days", "hours"]


@router.get(
    "/stations/{code}/figures",
    response_model=FiguresOut,
    tags=[FIGURES_TAG],
    summary="站点三率：响应率、办结率、满意率，及按时办结率",
    description=(
        "按处理记录计算站点在起止日期内接到的工单的响应率（按时签收）、办结率、按时办结率"
        "和满意率（4 星及以上），并给出分子分母。定义见 README。"
    ),
    responses=ANSWERS,
)
def figures(
    code: StationPath,
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    from_date: Annotated[
        Day | None, Query(alias="from", description="起始日期（含），默认本月 1 日")
    ] = None,
    to_date: Annotated[
        Day | None, Query(alias="to", description="截止日期（含），默认今天")
    ] = None,
) -> FiguresOut:
    """Handovers to this station (not those below it) in [from, to]."""
    station = visible_station(session, principal, code)
    last = to_date or now.date()
    first = from_date or last.replace(day=1)
    if first > last:
        raise unprocessable("起始日期不能晚于截止日期")
    if (last - first).days >= MAX_FIGURES_DAYS:
        raise unprocessable(f"统计区间最长 {MAX_FIGURES_DAYS} 天")
    result = station_figures(session, code, first, last, now=now)
    return FiguresOut(
        station_code=station.code,
        station_name=station.display_name,
        from_date=first,
        to_date=last,
        computed_at=now,
        **PeriodFigures.of(result).model_dump(),
    )


def _months(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The months asked for, by their first days; 12 months up to this one by default."""
    last = last or today.replace(day=1)
    first = first or _months_back(last, 11)
    if first > last:
        raise unprocessable("起始月份不能晚于截止月份")
    if len(months_between(first, last)) > MAX_MONTHS:
        raise unprocessable(f"最多统计 {MAX_MONTHS} 个月")
    return first, last


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _series(series: Series) -> SeriesOut:
    return SeriesOut(
        station_code=series.station_code,
        station_name=series.station_name,
        own_only=series.own_only,
        total=PeriodFigures.of(series.total),
        months=[PeriodFigures.of(month) for month in series.months],
    )


def _trends(
    session: SessionDep,
    principal: StaffDep,
    now: NowDep,
    code: str,
    first: date | None,
    last: date | None,
) -> Trends:
    station = visible_station(session, principal, code)
    first, last = _months(first, last, now.date())
    return station_trends(session, station, first, last, now=now)


@router.get(
    "/stations/{code}/trends",
    response_model=TrendsOut,
    tags=[FIGURES_TAG],
    summary="三率走势：逐月、下级站点对比、每日和每小时工单量",
    description=(
        "本站及全部下级站点逐月的响应率、办结率、按时办结率、满意率；每个直属下级站点"
        "（含其下级）和本站自己承办部分的同样数字，供对比；每天和每个时段收到的工单次数。"
        "没有工单的月份比率为 null（图上是空缺，不是 0）。"
    ),
    responses=ANSWERS,
)
def trends(
    code: StationPath,
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    from_month: FromMonth = None,
    to_month: ToMonth = None,
) -> TrendsOut:
    """Months from `from` to `to` (at most MAX_MONTHS), computed from the event log."""
    result = _trends(session, principal, now, code, from_month, to_month)
    return TrendsOut(
        station_code=result.station.station_code,
        station_name=result.station.station_name,
        from_month=result.months[0].label,
        to_month=result.months[-1].label,
        computed_at=now,
        months=[month.label for month in result.months],
        station=_series(result.station),
        branches=[_series(branch) for branch in result.branches],
        days=[DayCount(day=day, received=count) for day, count in result.days.items()],
        hours=result.hours,
    )


RATE_COLUMNS = ("响应率", "办结率", "按时办结率", "满意率")
MONTH_HEADER = ["站点代码", "站点", "范围", "月份", "受理量"] + [
    f"{name}{part}" for name in RATE_COLUMNS for part in ("", "分子", "分母")
]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _month_rows(result: Trends) -> list[list[object]]:
    rows: list[list[object]] = []
    for series in [result.station, *result.branches]:
        scope = "本站承办" if series.own_only else "含下级"
        labelled = [("合计", series.total)] + [
            (month.label, figures)
            for month, figures in zip(result.months, series.months, strict=True)
        ]
        for label, figures in labelled:
            ratios = (figures.response, figures.resolution, figures.on_time, figures.satisfaction)
            rows.append(
                [series.station_code, series.station_name, scope, label, figures.received]
                + [
                    value
                    for ratio in ratios
                    for value in (_percent(ratio.rate), ratio.numerator, ratio.denominator)
                ]
            )
    return rows


@router.get(
    "/stations/{code}/trends.csv",
    tags=[FIGURES_TAG],
    summary="三率走势导出（CSV，Excel 可直接打开）",
    description=(
        "与「三率走势」相同的数字。table=months（默认）：每个站点每月一行，另有合计行；"
        "table=days：每天的工单次数；table=hours：每个时段的工单次数。UTF-8 带 BOM。"
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"example": "站点代码,站点,范围,月份,受理量,...\r\n"}}},
        **ANSWERS,
    },
)
def trends_csv(
    code: StationPath,
    principal: StaffDep,
    session: SessionDep,
    now: NowDep,
    from_month: FromMonth = None,
    to_month: ToMonth = None,
    table: Annotated[Table, Query(description="months、days 或 hours")] = "months",
) -> Response:
    """The trends' figures as a table Excel opens; rates as percentages beside their parts."""
    result = _trends(session, principal, now, code, from_month, to_month)
    span = f"{result.months[0].label}-{result.months[-1].label}"
    name = f"figures-{code}-{span}-{table}.csv"
    if table == "days":
        return csv_response(["日期", "受理量"], result.days.items(), name)
    if table == "hours":
        return csv_response(
            ["时段", "受理量"],
            ((f"{hour:02d}:00-{hour:02d}:59", count) for hour, count in enumerate(result.hours)),
            name,
        )
    return csv_response(MONTH_HEADER, _month_rows(result), name)

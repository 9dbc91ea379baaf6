"""What the figures API takes and returns: rates with their parts, months, trends."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from api.figures.rates import Ratio, StationFigures
from api.tickets.staff.params import FIRST_YEAR, LAST_YEAR


def _parse_month(value: Any) -> date:
    """'2026-11' -> 2026-11-01; a reason staff can read otherwise."""
    text = str(value).strip()
    try:
        month = date.fromisoformat(f"{text}-01") if len(text) == 7 else None
    except ValueError:
        month = None
    if month is None:
        raise PydanticCustomError("month_parsing", "月份格式应为 YYYY-MM，例如 2026-11")
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise PydanticCustomError("month_range", f"月份应在 {FIRST_YEAR} 到 {LAST_YEAR} 年之间")
    return month


MonthStart = Annotated[date, BeforeValidator(_parse_month)]


class Rate(BaseModel):
    """A ratio with its parts, so nobody has to trust a bare percentage."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"numerator": 9, "denominator": 10, "rate": 0.9}]}
    )

    numerator: int
    denominator: int
    rate: float | None = Field(description="numerator ÷ denominator；分母为 0 时为 null")

    @classmethod
    def of(cls, ratio: Ratio) -> "Rate":
        return cls(numerator=ratio.numerator, denominator=ratio.denominator, rate=ratio.rate)


class PeriodFigures(BaseModel):
    """The 三率 and 按时办结率 of one station (or branch) over one period."""

    received: int = Field(description="期间内交到站点的工单次数（派单、重派、转入）")
    response_rate: Rate = Field(description="响应率（按时签收率）")
    resolution_rate: Rate = Field(description="办结率")
    on_time_rate: Rate = Field(description="按时办结率")
    satisfaction_rate: Rate = Field(description="满意率（4 星及以上）")

    @classmethod
    def of(cls, figures: StationFigures) -> "PeriodFigures":
        return cls(
            received=figures.received,
            response_rate=Rate.of(figures.response),
            resolution_rate=Rate.of(figures.resolution),
            on_time_rate=Rate.of(figures.on_time),
            satisfaction_rate=Rate.of(figures.satisfaction),
        )


class FiguresOut(PeriodFigures):
    """A station's 三率 (and 按时办结率) over a date range, from the event log."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "station_code": "500107001011",
                    "station_name": "天宝路社区老杨群工室",
                    "from_date": "2026-11-01",
                    "to_date": "2026-11-30",
                    "computed_at": "2026-12-01T09:00:00+08:00",
                    "received": 12,
                    "response_rate": {"numerator": 9, "denominator": 10, "rate": 0.9},
                    "resolution_rate": {"numerator": 8, "denominator": 11, "rate": 0.7273},
                    "on_time_rate": {"numerator": 6, "denominator": 9, "rate": 0.6667},
                    "satisfaction_rate": {"numerator": 5, "denominator": 6, "rate": 0.8333},
                }
            ]
        }
    )

    station_code: str
    station_name: str
    from_date: date
    to_date: date
    computed_at: datetime


class SeriesOut(BaseModel):
    """One station or branch: the whole period and each month (same order as `months`)."""

    station_code: str
    station_name: str
    own_only: bool = Field(description="true：只算本站自己承办的工单；false：本站及其全部下级站点")
    total: PeriodFigures
    months: list[PeriodFigures]


class DayCount(BaseModel):
    day: date
    received: int


def _example_month(received: int, signed: int, resolved: int, stars: int) -> dict[str, Any]:
    return {
        "received": received,
        "response_rate": {"numerator": signed, "denominator": received, "rate": 1.0},
        "resolution_rate": {"numerator": resolved, "denominator": received, "rate": 1.0},
        "on_time_rate": {"numerator": resolved, "denominator": received, "rate": 1.0},
        "satisfaction_rate": {"numerator": stars, "denominator": stars, "rate": 1.0},
    }


_EMPTY_MONTH: dict[str, Any] = {
    "received": 0,
    **{
        name: {"numerator": 0, "denominator": 0, "rate": None}
        for name in ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")
    },
}
_EXAMPLE_SERIES: dict[str, Any] = {
    "station_code": "500107002",
    "station_name": "黄桷坪街道老杨群工站",
    "own_only": False,
    "total": _example_month(2, 2, 2, 1),
    "months": [_example_month(2, 2, 2, 1), _EMPTY_MONTH],
}

_EXAMPLE_HOURS: list[Any] = [0] * 9 + [1, 1] + [0] * 13


class TrendsOut(BaseModel):
    """Monthly 三率 of a station and of each branch below it, and when tickets arrive."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "station_code": "500107002",
                    "station_name": "黄桷坪街道老杨群工站",
                    "from_month": "2026-10",
                    "to_month": "2026-11",
                    "computed_at": "2026-11-20T09:00:00+08:00",
                    "months": ["2026-10", "2026-11"],
                    "station": _EXAMPLE_SERIES,
                    "branches": [
                        _EXAMPLE_SERIES
                        | {"station_code": "500107002003", "station_name": "唐家湾社区老杨群工室"}
                    ],
                    "days": [{"day": "2026-10-12", "received": 2}],
                    "hours": _EXAMPLE_HOURS,
                }
            ]
        }
    )

    station_code: str
    station_name: str
    from_month: str = Field(examples=["2026-01"])
    to_month: str = Field(examples=["2026-12"])
    computed_at: datetime
    months: list[str] = Field(description="各月，YYYY-MM；各序列的 months 与之一一对应")
    station: SeriesOut = Field(description="本站及全部下级站点")
    branches: list[SeriesOut] = Field(
        description="对比：本站自己承办的，以及每个直属下级站点（含其下级）；没有下级时为空"
    )
    days: list[DayCount] = Field(description="每天收到的工单次数（只列有工单的日子）")
    hours: list[int] = Field(
        description="0–23 时各时段收到的工单次数", min_length=24, max_length=24
    )

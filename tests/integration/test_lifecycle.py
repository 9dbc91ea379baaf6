"""The staff lifecycle: every transition and refusal, 退单 chains, 转派, 改类, ratings, 重办."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.tickets.deadlines import contact_deadline
from api.tickets.handover import (
    RETURN_REASON_NAMES,
    ReturnReason,
    recategorise,
    return_ticket,
    transfer,
)
from api.tickets.lifecycle import add_note, rate, reopen, resolve, sign, start
from api.tickets.models import Ticket, TicketEvent
from api.tickets.service import record_rating
from api.tickets.transitions import IllegalTransitionError
from tests.integration.lifecycle_support import (
    BING,
    CENTRE,
    DING,
    JI,
    JIA,
    JIA_POINT,
    TOWN,
    TZ,
    WU,
    YI,
    ensure_test_stations,
    fresh,
    place_ticket,
)

FILED = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)  # a Monday
STAFF = "staff:zhang"


@pytest.fixture(autouse=True)
def stations(session_factory: sessionmaker[Session], registry: Path) -> None:
    ensure_test_stations(session_factory)


def at(minutes: int) -> datetime:
    return FILED + timedelta(minutes=minutes)


Action = Callable[[Session, Ticket], TicketEvent]

ACTIONS: dict[str, Action] = {
    "sign": lambda s, t: sign(s, t, actor=STAFF, now=at(60)),
    "start": lambda s, t: start(s, t, actor=STAFF, now=at(60)),
    "note": lambda s, t: add_note(s, t, actor=STAFF, now=at(60), note="已电话联系居民"),
    "resolve": lambda s, t: resolve(s, t, actor=STAFF, now=at(60), resolution="已清运"),
    "return": lambda s, t: return_ticket(
        s, t, actor=STAFF, now=at(60), reason=ReturnReason.WRONG_AREA
    ),
    "transfer": lambda s, t: transfer(
        s, t, actor=STAFF, now=at(60), to_station_code=YI, note="乙社区的楼"
    ),
    "recategorise": lambda s, t: recategorise(
        s, t, actor=STAFF, now=at(60), service_code="water_supply", note="居民说的是停水"
    ),
    "rate": lambda s, t: rate(s, t, now=at(60), stars=5),
    "reopen_resident": lambda s, t: reopen(s, t, actor="resident", now=at(60), reason="还是脏"),
    "reopen_staff": lambda s, t: reopen(s, t, actor=STAFF, now=at(60), reason="回访不满意"),
}

# How to bring a fresh (dispatched) ticket into each state, at times before `at(60)`.
PATHS: dict[str, list[Action]] = {
    "dispatched": [],
    "signed": [lambda s, t: sign(s, t, actor=STAFF, now=at(10))],
    "in_progress": [
        lambda s, t: sign(s, t, actor=STAFF, now=at(10)),
        lambda s, t: start(s, t, actor=STAFF, now=at(20)),
    ],
    "resolved": [
        lambda s, t: sign(s, t, actor=STAFF, now=at(10)),
        lambda s, t: resolve(s, t, actor=STAFF, now=at(30), resolution="已清运"),
    ],
    "closed": [
        lambda s, t: sign(s, t, actor=STAFF, now=at(10)),
        lambda s, t: resolve(s, t, actor=STAFF, now=at(30), resolution="已清运"),
        lambda s, t: rate(s, t, now=at(40), stars=4),
    ],
    "reopened": [
        lambda s, t: sign(s, t, actor=STAFF, now=at(10)),
        lambda s, t: resolve(s, t, actor=STAFF, now=at(30), resolution="已清运"),
        lambda s, t: reopen(s, t, actor="resident", now=at(40), reason="还是脏"),
    ],
}

OPEN = ("dispatched", "signed", "in_progress", "reopened")
# (state, action) -> the state after it; every pair not listed must be refused.
LEGAL: dict[tuple[str, str], str] = {
    ("dispatched", "sign"): "signed",
    ("reopened", "sign"): "signed",
    ("signed", "start"): "in_progress",
    ("signed", "resolve"): "resolved",
    ("in_progress", "resolve"): "resolved",
    ("resolved", "rate"): "closed",
    ("resolved", "reopen_resident"): "reopened",
    ("resolved", "reopen_staff"): "reopened",
    ("closed", "reopen_staff"): "reopened",
    **{(state, "note"): state for state in (*OPEN, "resolved")},
    **{(state, "return"): "dispatched" for state in OPEN},
    **{(state, "transfer"): "dispatched" for state in OPEN},
    **{(state, "recategorise"): state for state in OPEN},
}
TABLE = [(state, action, LEGAL.get((state, action))) for state in PATHS for action in ACTIONS]


def ticket_in(session: Session, state: str) -> Ticket:
    ticket = place_ticket(session, JIA, FILED, lat=JIA_POINT[0], lon=JIA_POINT[1])
    for step in PATHS[state]:
        step(session, ticket)
    session.commit()
    assert ticket.status == state
    return ticket


@pytest.mark.parametrize(("state", "action", "after"), TABLE)
def test_state_machine(
    session: Session,
    session_factory: sessionmaker[Session],
    state: str,
    action: str,
    after: str | None,
) -> None:
    ticket = ticket_in(session, state)
    events_before = len(ticket.events)
    if after is None:
        with pytest.raises(IllegalTransitionError) as refused:
            ACTIONS[action](session, ticket)
        session.rollback()
        assert refused.value.reason.startswith("工单")
        assert "，" in refused.value.reason
        stored = fresh(session_factory, ticket)
        assert stored.status == state
        assert len(stored.events) == events_before
        return
    event = ACTIONS[action](session, ticket)
    session.commit()
    stored = fresh(session_factory, ticket)
    assert stored.status == after
    assert stored.updated_at == at(60)
    assert event.created_at == at(60)
    assert len(stored.events) > events_before


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    [
        ("resolved", "sign", "工单已办结，不能再签收"),
        ("signed", "sign", "工单已签收，不用重复签收"),
        ("dispatched", "start", "工单还没签收，请先签收再开始办理"),
        ("reopened", "resolve", "工单重办后还没重新签收，请先签收并办理后再办结"),
        ("closed", "rate", "工单已评价归档，已经评价过了"),
        ("in_progress", "rate", "工单正在办理，办结后才能评价"),
        ("closed", "reopen_resident", "工单已评价归档，如问题仍未解决，请联系工作站重新办理"),
        ("resolved", "return", "工单已办结，不能退单"),
        ("closed", "note", "工单已评价归档，不能再添加备注"),
        ("resolved", "recategorise", "工单已办结，不能改类"),
        ("closed", "recategorise", "工单已评价归档，不能改类"),
    ],
)
def test_refusals_tell_staff_why(session: Session, state: str, action: str, reason: str) -> None:
    ticket = ticket_in(session, state)
    with pytest.raises(IllegalTransitionError) as refused:
        ACTIONS[action](session, ticket)
    session.rollback()
    assert refused.value.reason == reason
    assert str(refused.value) == reason


def test_each_step_is_logged_with_who_when_and_why(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    sign(session, ticket, actor=STAFF, now=at(5), note="马上联系居民")
    start(session, ticket, actor="staff:li", now=at(15), note="已上门")
    add_note(session, ticket, actor="staff:li", now=at(25), note="垃圾量大，需叫清运车")
    resolve(session, ticket, actor="staff:li", now=at(90), resolution="已联系环卫清运完毕")
    session.commit()

    stored = fresh(session_factory, ticket)
    assert stored.resolution == "已联系环卫清运完毕"
    log = [(e.kind, e.status, e.actor, e.note, e.created_at) for e in stored.events[1:]]
    assert log == [
        ("signed", "signed", STAFF, "马上联系居民", at(5)),
        ("started", "in_progress", "staff:li", "已上门", at(15)),
        ("note", None, "staff:li", "垃圾量大，需叫清运车", at(25)),
        ("resolved", "resolved", "staff:li", "已联系环卫清运完毕", at(90)),
    ]
    assert all(e.data["station_code"] == JIA for e in stored.events[1:] if e.kind != "note")


@pytest.mark.parametrize("text", ["", "   "])
def test_resolving_needs_a_word_on_what_was_done(session: Session, text: str) -> None:
    ticket = ticket_in(session, "in_progress")
    with pytest.raises(IllegalTransitionError, match="办理结果"):
        resolve(session, ticket, actor=STAFF, now=at(60), resolution=text)
    session.rollback()


def test_two_staff_cannot_both_sign(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket_id = place_ticket(session, JIA, FILED).id
    outcomes: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(2)

    def staff(name: str) -> None:
        go.wait()
        with session_factory() as own:
            mine = own.get(Ticket, ticket_id)
            assert mine is not None
            try:
                sign(own, mine, actor=name, now=at(5))
                own.commit()
                result = "signed"
            except IllegalTransitionError as exc:
                own.rollback()
                result = exc.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=staff, args=(f"staff:{n}",)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["signed", "工单已签收，不用重复签收"]
    stored = fresh(session_factory, ticket_id)
    assert [e.kind for e in stored.events].count("signed") == 1


# -- 退单 ---------------------------------------------------------------------------------


def test_return_chain_next_nearest_then_parent_rules_then_centre(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED, lat=JIA_POINT[0], lon=JIA_POINT[1])

    # 1st: 甲 says it is not its area -> the nearest capable station that has
    # not returned it: 乙 (丁 is nearer but does not take this kind, 戊 is closed).
    return_ticket(
        session,
        ticket,
        actor="staff:jia",
        now=at(30),
        reason=ReturnReason.WRONG_AREA,
        note="不是本社区",
    )
    session.commit()
    first = fresh(session_factory, ticket)
    assert (first.station_code, first.status, first.return_count) == (YI, "dispatched", 1)
    returned, dispatched = first.events[-2:]
    assert (returned.kind, returned.actor, returned.note) == ("returned", "staff:jia", "不是本社区")
    assert returned.data["reason"] == "wrong_area"
    assert returned.data["reason_name"] == RETURN_REASON_NAMES["wrong_area"] == "属地不符"
    assert returned.data["station_code"] == JIA
    assert (dispatched.kind, dispatched.status) == ("dispatched", "dispatched")
    assert dispatched.data["station_code"] == YI
    assert dispatched.data["from_station_code"] == JIA
    assert "属地不符" in (dispatched.note or "")
    # The new station gets its own 2 working days from the re-dispatch.
    assert first.contact_due_at == datetime(2026, 1, 7, 9, 30, tzinfo=TZ)

    # 2nd: 乙 also returns it -> the parent station of the last holder rules.
    return_ticket(session, ticket, actor="staff:yi", now=at(60), reason=ReturnReason.NOT_OUR_DUTY)
    session.commit()
    second = fresh(session_factory, ticket)
    assert (second.station_code, second.return_count) == (TOWN, 2)
    assert second.dispatch_reason == "ruling"
    assert "两次退单，提交上级" in (second.events[-1].note or "")

    # 3rd: the town station bounces it -> the district centre.
    return_ticket(session, ticket, actor="staff:town", now=at(90), reason=ReturnReason.NOT_OUR_DUTY)
    session.commit()
    third = fresh(session_factory, ticket)
    assert third.station_code == CENTRE
    assert "已退单 3 次，提交上级测试区老杨群工服务中心裁定" in (third.events[-1].note or "")

    # The district centre never bounces it further: it must handle it.
    with pytest.raises(IllegalTransitionError, match="区中心是兜底单位"):
        return_ticket(
            session, ticket, actor="staff:centre", now=at(120), reason=ReturnReason.WRONG_AREA
        )
    session.rollback()
    last = fresh(session_factory, ticket)
    assert (last.station_code, last.return_count) == (CENTRE, 3)
    # ... and can take it on.
    sign(session, ticket, actor="staff:centre", now=at(130))
    session.commit()
    assert fresh(session_factory, ticket).status == "signed"


def test_a_ticket_without_coordinates_goes_up_to_the_parent(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, BING, FILED)
    return_ticket(
        session, ticket, actor="staff:bing", now=at(30), reason=ReturnReason.INSUFFICIENT_INFO
    )
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.station_code, stored.dispatch_reason) == (TOWN, "parent")
    assert "兜底" in stored.dispatch_note


def test_a_ruling_never_goes_back_to_a_station_that_returned_it(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    # The town station returns first; the nearest to the resident is 乙; when 乙
    # returns too, its parent (the town) already refused, so the centre rules.
    ticket = place_ticket(session, TOWN, FILED, lat=45.0, lon=125.012)
    return_ticket(session, ticket, actor="staff:town", now=at(30), reason=ReturnReason.WRONG_AREA)
    session.commit()
    assert fresh(session_factory, ticket).station_code == YI
    return_ticket(session, ticket, actor="staff:yi", now=at(60), reason=ReturnReason.WRONG_AREA)
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.station_code, stored.dispatch_reason) == (CENTRE, "ruling")


@pytest.mark.parametrize("reason", list(ReturnReason))
def test_every_return_reason_has_a_chinese_name(reason: ReturnReason) -> None:
    assert RETURN_REASON_NAMES[reason]
    assert all("\u4e00" <= ch <= "\u9fff" or ch in "，" for ch in RETURN_REASON_NAMES[reason])


# -- 转派 ---------------------------------------------------------------------------------


def test_transfer_moves_the_ticket_and_names_both_stations(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = ticket_in(session, "in_progress")
    event = transfer(
        session, ticket, actor=STAFF, now=at(60), to_station_code=JI, note="在二号街道"
    )
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.station_code, stored.status) == (JI, "dispatched")
    assert (event.kind, event.status, event.note) == ("transferred", "dispatched", "在二号街道")
    assert event.data["from_station_code"] == JIA
    assert event.data["to_station_code"] == JI
    assert stored.dispatch_reason == "transfer"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("990199", "找不到站点 990199"),
        (JIA, "工单已在甲社区老杨群工室，不用转派"),
        (DING, "丁社区老杨群工室不受理“环境卫生”类诉求，不能转派"),
        (WU, "戊社区老杨群工室不受理“环境卫生”类诉求，不能转派"),
    ],
)
def test_transfer_only_to_an_active_station_that_handles_the_kind(
    session: Session, target: str, reason: str
) -> None:
    ticket = ticket_in(session, "signed")
    with pytest.raises(IllegalTransitionError) as refused:
        transfer(session, ticket, actor=STAFF, now=at(60), to_station_code=target, note="转")
    session.rollback()
    assert refused.value.reason == reason


# -- 改类 ---------------------------------------------------------------------------------


def test_recategorising_names_both_categories_and_keeps_the_state(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = ticket_in(session, "in_progress")
    event = recategorise(
        session, ticket, actor=STAFF, now=at(60), service_code="dispute", note="其实是邻里纠纷"
    )
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.service_code, stored.status, stored.station_code) == (
        "dispute",
        "in_progress",
        JIA,
    )
    assert (event.kind, event.status, event.actor, event.note) == (
        "recategorised",
        None,
        STAFF,
        "其实是邻里纠纷",
    )
    assert event.data == {
        "from_code": "environment",
        "to_code": "dispute",
        "from_name": "环境卫生",
        "to_name": "矛盾纠纷",
    }
    assert stored.events[-1].kind == "recategorised"  # the holder handles it: no re-dispatch


def test_a_utility_gets_its_24_hours_from_filing_and_back(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED)
    routine = (datetime(2026, 1, 7, 9, 0, tzinfo=TZ), datetime(2026, 1, 12, 9, 0, tzinfo=TZ))
    assert (ticket.contact_due_at, ticket.resolve_due_at) == routine
    recategorise(session, ticket, actor=STAFF, now=at(60), service_code="water_leak", note="漏水")
    session.commit()
    stored = fresh(session_factory, ticket)
    assert stored.contact_due_at == stored.resolve_due_at == FILED + timedelta(hours=24)
    # Corrected back, it gets the routine clock from filing again, not from now.
    recategorise(session, ticket, actor=STAFF, now=at(90), service_code="environment", note="误改")
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.contact_due_at, stored.resolve_due_at) == routine


def test_an_emergency_stays_an_emergency_with_its_two_hours(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED, service_code="gas", emergency=True)
    recategorise(session, ticket, actor=STAFF, now=at(30), service_code="power_outage", note="漏电")
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.service_code, stored.emergency) == ("power_outage", True)
    assert stored.contact_due_at == stored.resolve_due_at == FILED + timedelta(hours=2)


def test_a_reopened_ticket_keeps_the_clock_its_reopen_started(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(session, JIA, FILED, service_code="water_leak")
    sign(session, ticket, actor=STAFF, now=at(10))
    resolve(session, ticket, actor=STAFF, now=at(30), resolution="已关总阀")
    reopened_at = datetime(2026, 1, 30, 16, 0, tzinfo=TZ)  # a Friday
    reopen(session, ticket, actor="resident", now=reopened_at, reason="墙还是湿的")
    recategorise(
        session,
        ticket,
        actor=STAFF,
        now=reopened_at + timedelta(hours=1),
        service_code="housing_repair",
        note="水早停了，是墙体受潮要修",
    )
    session.commit()
    stored = fresh(session_factory, ticket)
    assert stored.status == "reopened"
    # The routine clocks of the new category, from the reopen rather than from filing.
    assert stored.contact_due_at == datetime(2026, 2, 3, 16, 0, tzinfo=TZ)  # Tuesday
    assert stored.resolve_due_at == datetime(2026, 2, 6, 16, 0, tzinfo=TZ)


def test_a_holder_that_does_not_handle_the_new_category_passes_it_on_at_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(
        session, DING, FILED, service_code="dispute", lat=JIA_POINT[0], lon=JIA_POINT[1]
    )
    sign(session, ticket, actor="staff:ding", now=at(10))
    event = recategorise(
        session, ticket, actor="staff:ding", now=at(60), service_code="environment", note="是垃圾"
    )
    session.commit()
    stored = fresh(session_factory, ticket)
    # 丁 takes disputes only; the nearest station to the resident that takes this is 甲.
    assert (stored.service_code, stored.station_code, stored.status) == (
        "environment",
        JIA,
        "dispatched",
    )
    assert (stored.dispatch_reason, stored.return_count) == ("nearest", 0)
    recategorised, dispatched = stored.events[-2:]
    assert recategorised.id == event.id and recategorised.kind == "recategorised"
    assert (dispatched.kind, dispatched.status, dispatched.actor) == (
        "dispatched",
        "dispatched",
        "system",
    )
    assert dispatched.data["station_code"] == JIA
    assert dispatched.data["from_station_code"] == DING
    assert (dispatched.note or "").startswith("改类为“环境卫生”，丁社区老杨群工室不受理此类诉求。")
    # 甲 gets its own contact deadline from now; the promise from filing stays.
    assert stored.contact_due_at == contact_deadline(at(60), "environment", False, TZ)
    assert stored.resolve_due_at == datetime(2026, 1, 12, 9, 0, tzinfo=TZ)


def test_passing_on_after_recategorising_skips_stations_that_returned_it(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = place_ticket(
        session, JIA, FILED, service_code="dispute", lat=JIA_POINT[0], lon=JIA_POINT[1]
    )
    return_ticket(session, ticket, actor="staff:jia", now=at(10), reason=ReturnReason.WRONG_AREA)
    session.commit()
    assert fresh(session_factory, ticket).station_code == DING  # the nearest that takes disputes
    recategorise(
        session, ticket, actor="staff:ding", now=at(60), service_code="environment", note="是垃圾"
    )
    session.commit()
    # 甲 is nearer but said it is not its area; 乙 is next.
    assert fresh(session_factory, ticket).station_code == YI


@pytest.mark.parametrize(
    ("code", "note", "reason"),
    [
        ("ufo", "外星人", "服务目录里没有“ufo”这个诉求类别"),
        ("environment", "还是环境", "工单已是“环境卫生”类，不用改类"),
        ("dispute", "", "改类请说明原因"),
        ("dispute", "   ", "改类请说明原因"),
    ],
)
def test_recategorising_is_refused_with_a_reason_and_changes_nothing(
    session: Session, session_factory: sessionmaker[Session], code: str, note: str, reason: str
) -> None:
    ticket = ticket_in(session, "signed")
    before = fresh(session_factory, ticket)
    with pytest.raises(IllegalTransitionError) as refused:
        recategorise(session, ticket, actor=STAFF, now=at(60), service_code=code, note=note)
    session.rollback()
    assert refused.value.reason == reason
    stored = fresh(session_factory, ticket)
    assert (stored.service_code, stored.contact_due_at, stored.resolve_due_at) == (
        "environment",
        before.contact_due_at,
        before.resolve_due_at,
    )
    assert len(stored.events) == len(before.events)


# -- 评价 and 重办 --------------------------------------------------------------------------


def test_rating_a_resolved_ticket_closes_it(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = ticket_in(session, "resolved")
    rated = rate(session, ticket, now=at(60), stars=2, comment="来得太慢")
    session.commit()
    stored = fresh(session_factory, ticket)
    assert stored.status == "closed"
    assert (rated.kind, rated.actor, rated.data, rated.note) == (
        "rated",
        "resident",
        {"stars": 2},
        "来得太慢",
    )
    assert [e.kind for e in stored.events[-2:]] == ["rated", "closed"]


@pytest.mark.parametrize("stars", [0, 6])
def test_stars_are_one_to_five(session: Session, stars: int) -> None:
    ticket = ticket_in(session, "resolved")
    with pytest.raises(ValueError, match="stars must be between 1 and 5"):
        rate(session, ticket, now=at(60), stars=stars)
    session.rollback()


def test_the_chat_rating_closes_a_resolved_ticket_and_only_records_an_open_one(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    resolved = ticket_in(session, "resolved")
    record_rating(session, resolved, 5, "谢谢老杨", at(60))
    session.commit()
    assert fresh(session_factory, resolved).status == "closed"

    waiting = ticket_in(session, "signed")
    record_rating(session, waiting, 3, "还没人来", at(60))
    session.commit()
    stored = fresh(session_factory, waiting)
    assert stored.status == "signed"
    assert (stored.events[-1].kind, stored.events[-1].data) == ("rated", {"stars": 3})


def test_a_reopened_ticket_starts_over_with_fresh_deadlines(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = ticket_in(session, "resolved")
    reopened_at = datetime(2026, 1, 30, 16, 0, tzinfo=TZ)  # a Friday
    event = reopen(session, ticket, actor="resident", now=reopened_at, reason="垃圾又堆起来了")
    session.commit()
    stored = fresh(session_factory, ticket)
    assert (stored.status, stored.station_code, stored.resolution) == ("reopened", JIA, None)
    assert event.note == "垃圾又堆起来了"
    assert event.data["previous_resolution"] == "已清运"
    assert stored.contact_due_at == datetime(2026, 2, 3, 16, 0, tzinfo=TZ)  # Tuesday
    assert stored.resolve_due_at == datetime(2026, 2, 6, 16, 0, tzinfo=TZ)
    # It must be signed, worked and resolved again.
    with pytest.raises(IllegalTransitionError, match="请先签收并办理后再办结"):
        resolve(session, ticket, actor=STAFF, now=reopened_at, resolution="再次清运")
    session.rollback()
    sign(session, ticket, actor=STAFF, now=reopened_at + timedelta(hours=1))
    resolve(
        session, ticket, actor=STAFF, now=reopened_at + timedelta(hours=3), resolution="再次清运"
    )
    session.commit()
    assert fresh(session_factory, ticket).status == "resolved"


def test_the_resident_cannot_reopen_a_ticket_they_already_rated_but_staff_can(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ticket = ticket_in(session, "closed")
    with pytest.raises(IllegalTransitionError, match="联系工作站"):
        reopen(session, ticket, actor="resident", now=at(60), reason="又坏了")
    session.rollback()
    reopen(session, ticket, actor=STAFF, now=at(60), reason="回访时居民说又坏了")
    session.commit()
    assert fresh(session_factory, ticket).status == "reopened"

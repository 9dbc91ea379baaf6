"""Residents talk the way they really do: they correct themselves, say everything at once,
type the wrong thing, and come back after the ticket was filed.

The real stack: the trained model, the action server, the database. Wordings
here differ from the examples in the training data and the issue reports.
"""

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.tickets.models import Ticket
from tests.e2e.conftest import Resident, staff_resolves

TIANBAOLU = "500107001011"
XIJIAO_ERCUN = "500107001001"
SHIQIAOPU = "500107005"
DISTRICT = "500107"


def tickets_of(session_factory: sessionmaker[Session], sender: str) -> list[Ticket]:
    with session_factory() as session:
        return list(session.scalars(select(Ticket).where(Ticket.sender_id == sender)))


def only_ticket(session_factory: sessionmaker[Session], resident: Resident) -> Ticket:
    tickets = tickets_of(session_factory, resident.sender)
    assert len(tickets) == 1, [t.number for t in tickets]
    return tickets[0]


def test_a_corrected_problem_replaces_the_first_one(resident: Resident, session_factory) -> None:
    resident.says("家里水龙头拧开没得水")
    assert "哪里" in resident.text
    resident.says("搞错了，不是没水，是卫生间的水管在往外冒水")
    assert "漏水渗水" in resident.text
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    assert "类别：漏水渗水" in resident.text
    assert "没得水" not in resident.text
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.service_code == "water_leak"
    assert "水管" in ticket.description and "没得水" not in ticket.description


def test_a_problem_corrected_at_the_read_back(resident: Resident, session_factory) -> None:
    resident.says("杨家坪街道天宝路社区，家里停电了，电话13812345678")
    assert "类别：停电断电" in resident.text
    resident.says("不对不对，是厨房天花板在滴水")
    assert "请核对" in resident.text and "类别：漏水渗水" in resident.text
    resident.taps("确认提交")
    assert only_ticket(session_factory, resident).service_code == "water_leak"


def test_the_place_corrected_while_the_phone_is_asked(resident: Resident, session_factory) -> None:
    resident.says("我们楼的电梯停了好几天")
    resident.says("杨家坪街道天宝路社区")
    assert "手机号" in resident.text
    resident.says("等哈，社区说错了，应该是西郊二村社区")
    assert "号码" not in resident.text or "手机号" in resident.text
    assert "好像不对" not in resident.text
    assert "西郊二村" in resident.text
    resident.says("15923456789")
    assert "地点：西郊二村社区" in resident.text
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == XIJIAO_ERCUN
    assert ticket.contact_phone == "15923456789"


def test_the_phone_corrected_in_words_at_the_read_back(resident: Resident, session_factory) -> None:
    resident.says("天宝路社区的路灯晚上不亮，电话13812345678")
    resident.says("电话号码打错了，是 139-2345-6789")
    assert "139****6789" in resident.text and "请核对" in resident.text
    resident.says("对的，提交吧")
    assert only_ticket(session_factory, resident).contact_phone == "13923456789"


def test_a_phone_typed_for_the_community_is_not_a_place(
    resident: Resident, session_factory
) -> None:
    resident.says("杨家坪街道这边垃圾好几天没人收了")
    assert "哪个社区" in resident.text
    resident.says("13812345678")
    assert "13812345678" not in resident.text
    assert "社区" in resident.text
    resident.says("天宝路社区")
    assert "地点：" in resident.text and "1381" not in resident.text.split("地点：")[1][:20]
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == TIANBAOLU and ticket.contact_phone == "13812345678"


def test_a_bare_yes_is_never_the_place(resident: Resident) -> None:
    resident.says("小区门口的井盖不见了")
    resident.says("对")
    assert "地点" in resident.text or "哪里" in resident.text
    assert "地点：对" not in resident.text
    resident.says("嗯")
    assert "地点：嗯" not in resident.text and "请核对" not in resident.text


def test_wrong_numbers_get_a_reason_and_one_more_ask(resident: Resident, session_factory) -> None:
    resident.says("楼道里的声控灯坏了")
    resident.says("杨家坪街道天宝路社区")
    resident.says("68451234")
    assert "座机" in resident.text
    resident.says("1381234567")
    assert "10 位" in resident.text
    resident.says("＋86 １３８ １２３４ ５６７８")
    assert "请核对" in resident.text and "138****5678" in resident.text
    resident.taps("确认提交")
    assert only_ticket(session_factory, resident).contact_phone == "13812345678"


def test_an_estate_unknown_to_the_registry_is_kept_at_town_level(
    resident: Resident, session_factory
) -> None:
    resident.says("石桥铺街道翠微苑7栋，下水道堵了污水冒出来，电话17712345678")
    assert "哪个社区" not in resident.text
    assert "翠微苑7栋" in resident.text and "请核对" in resident.text
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == SHIQIAOPU and ticket.dispatch_reason == "town"
    assert "翠微苑7栋" in (ticket.location_text or "")


def test_one_wrong_character_in_a_town_is_forgiven(resident: Resident) -> None:
    resident.says("我家里跳闸了，一直没电")
    resident.says("杨家平")
    assert "杨家坪街道的哪个社区" in resident.text


def test_a_resident_may_decline_to_say_where(resident: Resident, session_factory) -> None:
    resident.says("有人在我们楼下乱倒建筑垃圾")
    resident.says("这个不想说")
    assert "手机号" in resident.text
    resident.taps("不留电话")
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == DISTRICT


def test_a_landmark_is_taken_as_the_place(resident: Resident) -> None:
    resident.says("路边的树倒了，挡住了路")
    resident.says("动物园后门那条路上")
    assert "手机号" in resident.text and "帮不上忙" not in resident.text


def test_an_emergency_keeps_the_code_of_its_problem(resident: Resident, client) -> None:
    first = resident.says("楼下垃圾站烧起来了，火越来越大")
    assert "119" in (first[0].get("text") or "")
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    card = resident.ticket_card()
    assert card["emergency"] is True and card["category"] == "环境卫生"


def test_after_filing_the_resident_can_ask_about_that_ticket(resident: Resident) -> None:
    resident.says("天宝路社区楼下路面塌了个坑，电话13812345678")
    resident.taps("确认提交")
    number = resident.ticket_card()["number"]
    resident.says("麻烦再说一下我的单号")
    assert number in resident.text
    resident.says("那大概好久有人过来嘛")
    assert number in resident.text and "帮不上忙" not in resident.text
    assert "哪里" not in resident.text


def test_no_phone_means_no_promised_call(resident: Resident) -> None:
    resident.says("天宝路社区有只流浪狗老是追人咬人")
    resident.taps("不留电话")
    resident.taps("确认提交")
    assert "工单号" in resident.text
    assert "联系您" not in resident.text


def test_not_fixed_after_resolution_reopens_that_ticket(
    resident: Resident, client: httpx.Client, operator_token: str, session_factory
) -> None:
    resident.says("天宝路社区我家阳台在渗水，电话13812345678")
    resident.taps("确认提交")
    number = resident.ticket_card()["number"]
    staff_resolves(client, operator_token, number, "已更换阳台防水层")
    resident.says("阳台还是在渗水，师傅来了等于白修")
    assert number in resident.text and "重办" in resident.text
    assert "哪里" not in resident.text and "手机号" not in resident.text
    ticket = only_ticket(session_factory, resident)
    assert ticket.status == "reopened"


def test_fire_emoji_alone_asks_and_files_nothing(resident: Resident, session_factory) -> None:
    resident.says("🔥🔥🔥")
    assert "着火" in resident.text and "119" in resident.text
    assert tickets_of(session_factory, resident.sender) == []


def test_nobody_learns_about_another_residents_ticket(new_resident) -> None:
    filer = new_resident()
    filer.says("天宝路社区的公共厕所好几天没人打扫，电话13812345678")
    filer.taps("确认提交")
    number = filer.ticket_card()["number"]
    stranger = new_resident()
    stranger.says(f"帮我查一下 {number}")
    assert "没查到" in stranger.text and "公共设施" not in stranger.text
    filer.says(f"帮我查一下 {number}")
    assert "已派单" in filer.text

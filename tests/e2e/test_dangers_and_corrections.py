"""Dangers beyond fire and gas (water flooding in, someone missing, someone about to take their
life), the problem named first around a danger, and corrections worded the way people say them.

The real stack: the trained model, the action server, the database. Wordings differ from
the training data, the development sets and the issue reports.
"""

from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.conftest import Resident, staff_resolves
from tests.e2e.test_conversation_repair import only_ticket

TIANBAOLU = "500107001011"
XIJIAO_ERCUN = "500107001001"
SHIQIAOPU = "500107005"


def test_water_pouring_into_a_home_is_urgent_and_stays_a_leak(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    first = resident.says("楼上水管崩了，水哗哗往我屋头灌，客厅已经淹起了")
    assert "119" in (first[0].get("text") or "")
    assert "总水阀" in resident.text or "电闸" in resident.text
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    assert resident.ticket_card()["emergency"] is True
    ticket = only_ticket(session_factory, resident)
    assert ticket.emergency and ticket.service_code == "water_leak"
    assert ticket.station_code == TIANBAOLU


def test_a_missing_grandparent_gets_110_and_an_urgent_ticket(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    first = resident.says("我外婆有点糊涂，早上出门买菜到现在都没回来，到处找都找不到")
    assert "110" in (first[0].get("text") or "")
    resident.says("杨家坪街道西郊二村社区")
    resident.says("13912345678")
    ticket = only_ticket(session_factory, resident)
    assert ticket.emergency and ticket.service_code == "welfare"
    assert ticket.station_code == XIJIAO_ERCUN


def test_someone_about_to_jump_gets_110_first(resident: Resident) -> None:
    first = resident.says("对面那栋楼顶有个人坐在边边上，一直说不想活了")
    assert "110" in (first[0].get("text") or "")


def test_a_lost_cat_and_an_old_flood_are_not_emergencies(new_resident) -> None:
    for said in (
        "我屋头的猫走丢了三天了，好着急",
        "去年雨季地下室淹过一回，今年能不能先把排水沟掏一下",
    ):
        resident = new_resident()
        resident.says(said)
        assert "110" not in resident.text and "119" not in resident.text, said


def test_a_power_cut_named_first_is_the_code_around_a_trapped_lift(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("我们片区突然停电了，单元电梯里头关了两个人出不来")
    assert "119" in resident.text or "96333" in resident.text
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    assert only_ticket(session_factory, resident).service_code == "power_outage"


def test_a_correction_ending_on_the_old_problem_keeps_the_new_one(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("我想问问残疾人补贴咋个申请")
    resident.says("杨家坪街道天宝路社区")
    resident.says("说错了，我其实是想反映楼上天天半夜剁东西吵得很，不是补贴的事")
    assert "补贴" not in resident.text.split("请核对")[0] or "问题改成" in resident.text
    resident.says("13812345678")
    assert "类别：矛盾纠纷" in resident.text
    resident.taps("确认提交")
    assert only_ticket(session_factory, resident).service_code == "dispute"


def test_a_place_correction_with_an_explanation_after_it(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("我们那里的路灯坏了一排")
    resident.says("杨家坪街道天宝路社区")
    resident.says("弄错了，是杨家坪街道西郊二村社区，天宝路那个是我娘屋头")
    assert "西郊二村" in resident.text
    resident.says("15923456789")
    resident.says("对的，谢谢你们")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == XIJIAO_ERCUN


def test_a_corrected_town_without_a_community_is_kept_at_town_level(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("马路中间有个坑好大，车子过都要跳")
    resident.says("杨家坪街道天宝路社区")
    resident.says("不对，哪个社区我也说不清楚，反正是在石桥铺街道")
    assert "石桥铺" in resident.text
    resident.says("13812345678")
    assert "请核对" in resident.text and "石桥铺" in resident.text
    resident.says("好的，辛苦了")
    assert only_ticket(session_factory, resident).station_code == SHIQIAOPU


def test_an_emergency_in_a_town_is_filed_without_asking_the_community(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("楼道里有个小伙子坐在窗台外面，说活着没意思")
    assert "110" in resident.text
    resident.says("石桥铺街道")
    assert "哪个社区" not in resident.text
    resident.says("13812345678")
    ticket = only_ticket(session_factory, resident)
    assert ticket.emergency and ticket.station_code == SHIQIAOPU


def test_asking_when_staff_will_come_after_filing_is_not_a_handoff(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("杨家坪街道天宝路社区停气了，电话13812345678")
    resident.says("可以")
    number = only_ticket(session_factory, resident).number
    resident.says("那你们的工作人员大概好久来嘛")
    assert number in resident.text and "转人工" not in resident.text


def test_two_words_of_problem_beside_place_and_phone_go_straight_to_the_read_back(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("13912345678 黄桷坪街道新市场社区 停水")
    assert "请核对" in resident.text and "类别：供水问题" in resident.text
    resident.says("是的")
    assert only_ticket(session_factory, resident).service_code == "water_supply"


def test_saying_only_where_one_is_asks_for_the_problem(resident: Resident) -> None:
    resident.says("我住在杨家坪街道天宝路社区这边")
    assert "什么问题" in resident.text or "遇到了" in resident.text
    assert "请核对" not in resident.text


def test_nobody_came_after_resolution_reopens_the_ticket(
    resident: Resident, client, operator_token: str, session_factory: sessionmaker[Session]
) -> None:
    resident.says("天宝路社区楼道的灯不亮了，电话13812345678")
    resident.taps("确认提交")
    number = resident.ticket_card()["number"]
    staff_resolves(client, operator_token, number, "已更换灯泡")
    resident.says("灯还是黑的，你们那个师傅根本没来过")
    assert number in resident.text and "重办" in resident.text
    assert only_ticket(session_factory, resident).status == "reopened"

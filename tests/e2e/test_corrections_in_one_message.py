"""One message that corrects several things at once, the old value named first, and answers
worded the way people say them (a yes with an exclamation mark, a phone declined in passing).

The real stack: the trained model, the action server, the database. Wordings differ from
the training data, the development sets and the issue reports.
"""

from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.conftest import Resident
from tests.e2e.test_conversation_repair import only_ticket

TIANBAOLU = "500107001011"
XIJIAO_ERCUN = "500107001001"


def test_a_new_problem_and_the_phone_in_one_correction(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("屋头大门的锁坏了，关不上")
    resident.says("杨家坪街道天宝路社区")
    assert "手机号" in resident.text
    resident.says("哎搞错了，不是门锁，是家里停电一下午了。手机 139 1234 5678")
    assert "类别：停电断电" in resident.text
    assert "139****5678" in resident.text
    assert "门锁" not in resident.text.split("请核对")[-1]
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.service_code == "power_outage"
    assert ticket.contact_phone == "13912345678"
    assert ticket.station_code == TIANBAOLU


def test_a_new_problem_and_the_place_in_one_correction(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("小区门口的垃圾堆起老高了")
    assert "哪里" in resident.text
    resident.says("我说反了，其实是门口那盏路灯不亮，地方在杨家坪街道西郊二村社区")
    assert "手机号" in resident.text
    resident.says("13812345678")
    assert "类别：公共设施" in resident.text
    assert "西郊二村社区" in resident.text
    resident.taps("确认提交")
    ticket = only_ticket(session_factory, resident)
    assert ticket.service_code == "public_facility"
    assert ticket.station_code == XIJIAO_ERCUN


def test_the_old_problem_named_first_then_the_new_words(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("我家停水了")
    resident.says("不是停水，卫生间的水管一直在滴")
    assert "漏水渗水" in resident.text
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    assert "类别：漏水渗水" in resident.text
    resident.taps("确认提交")
    assert only_ticket(session_factory, resident).service_code == "water_leak"


def test_a_corrected_community_and_the_phone_in_one_message(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("楼道里的灯坏了好几天")
    resident.says("杨家坪街道西郊二村社区")
    resident.says("哦不对，是天宝路社区哈，我电话13812345678")
    assert "天宝路社区" in resident.text and "138****5678" in resident.text
    resident.says("对！赶紧派人来！")
    ticket = only_ticket(session_factory, resident)
    assert ticket.station_code == TIANBAOLU
    assert ticket.contact_phone == "13812345678"


def test_a_phone_declined_in_other_words_files_without_promising_a_call(
    resident: Resident, session_factory: sessionmaker[Session]
) -> None:
    resident.says("巷子口的井盖不见了，晚上过路好危险")
    resident.says("杨家坪街道天宝路社区")
    resident.says("号码就不给了哈")
    assert "电话：不留" in resident.text
    resident.taps("确认提交")
    assert "联系您" not in resident.text
    ticket = only_ticket(session_factory, resident)
    assert ticket.contact_phone is None

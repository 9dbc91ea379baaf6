"""Residents report problems in Chinese and tickets reach the right 老杨 station.

Everything runs for real: the trained Rasa model, the action server, the
database. The resident types text or taps the buttons the bot offers.
"""

from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.conversations.models import HandoffRequest
from api.tickets.models import Ticket
from tests import registry_by_hand
from tests.e2e.conftest import Resident

TIANBAOLU = "500107001011"
JINFENG = "500107104"
HUANGJUEPING = "500107002"
XINSHICHANG = "500107002002"
YINGXIONGWAN = "500107111204"


def ticket_of(http: httpx.Client, resident: Resident, number: str) -> dict:
    response = http.get(f"/api/tickets/{number}", headers={"X-Sender-Id": resident.sender})
    assert response.status_code == 200, response.text
    return response.json()


def tickets_of(session_factory: sessionmaker[Session], sender: str) -> list[Ticket]:
    with session_factory() as session:
        return list(session.scalars(select(Ticket).where(Ticket.sender_id == sender)))


def test_ceiling_leak_reaches_the_community_room(resident: Resident, client: httpx.Client) -> None:
    resident.says("我家天花板漏水了")
    assert "哪里" in resident.text
    resident.says("杨家坪街道天宝路社区")
    assert "手机号" in resident.text
    resident.says("13812345678")
    assert "天宝路" in resident.text and "138****5678" in resident.text
    assert "13812345678" not in resident.text
    resident.taps("确认提交")
    card = resident.ticket_card()
    assert card["category"] == "漏水渗水"
    assert "天宝路社区" in card["station"]
    assert card["number"] in resident.text

    ticket = ticket_of(client, resident, card["number"])
    assert ticket["service_code"] == "water_leak"
    assert ticket["station_code"] == TIANBAOLU
    assert ticket["status"] == "dispatched"
    assert [e["kind"] for e in ticket["timeline"]] == ["created", "dispatched"]
    assert ticket["description"] == "我家天花板漏水了"
    assert ticket["contact_phone_masked"] == "138****5678"

    # Anyone else asking for the number gets the answer an unknown number gets.
    stranger = client.get(f"/api/tickets/{card['number']}")
    assert stranger.status_code == 404
    assert "天花板" not in stranger.text


def test_power_outage_in_a_town_goes_to_the_town_station(resident: Resident, client) -> None:
    resident.says("金凤镇这边停电了，一直没来电")
    assert "金凤镇" in resident.text and "社区" in resident.text
    resident.says("不清楚")
    assert "手机号" in resident.text
    resident.taps("不留电话")
    assert "电话：不留" in resident.text
    resident.taps("确认提交")
    ticket = ticket_of(client, resident, resident.ticket_card()["number"])
    assert ticket["service_code"] == "power_outage"
    assert ticket["station_code"] == JINFENG
    assert "contact_phone_masked" not in ticket


def test_neighbour_dispute_in_huangjueping(resident: Resident, client) -> None:
    resident.says("楼上邻居天天半夜吵闹，沟通了好几次都没用")
    resident.says("黄桷坪街道")
    resident.says("不晓得是哪个社区")
    resident.says("我电话是139 1234 5678")
    assert "139****5678" in resident.text
    resident.taps("确认提交")
    ticket = ticket_of(client, resident, resident.ticket_card()["number"])
    assert ticket["service_code"] == "dispute"
    assert ticket["station_code"] == HUANGJUEPING


def test_place_and_phone_in_the_first_message_are_not_asked_again(resident: Resident) -> None:
    resident.says("杨家坪街道天宝路社区3栋楼上漏水到我家了，电话13812345678")
    assert "手机号" not in resident.text and "在哪里" not in resident.text
    assert "请核对" in resident.text
    resident.taps("确认提交")
    assert "天宝路社区" in resident.ticket_card()["station"]


def test_fire_gets_the_hotline_first_and_an_urgent_ticket(resident: Resident, client) -> None:
    first = resident.says("救命，楼下厨房着火了，好大的烟")
    assert "119" in (first[0].get("text") or "")
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    card = resident.ticket_card()
    assert card["emergency"] is True
    ticket = ticket_of(client, resident, card["number"])
    assert ticket["emergency"] is True
    assert ticket["station_code"] == TIANBAOLU


def test_gas_smell_names_the_gas_company(resident: Resident) -> None:
    resident.says("家里好大一股煤气味，是不是漏气了")
    assert "96777" in resident.text


def test_correcting_the_place_at_confirmation(resident: Resident, client) -> None:
    resident.says("我家厕所漏水，渗到楼下了")
    resident.says("杨家坪街道天宝路社区")
    resident.says("13812345678")
    resident.taps("改地点")
    assert "哪里" in resident.text
    resident.says("黄桷坪街道新市场社区")
    assert "新市场" in resident.text and "请核对" in resident.text
    resident.taps("确认提交")
    ticket = ticket_of(client, resident, resident.ticket_card()["number"])
    assert ticket["station_code"] == XINSHICHANG


def test_cancel_mid_report_files_nothing(resident: Resident, session_factory) -> None:
    resident.says("我们小区停水了")
    resident.says("算了，不报了")
    assert "不登记" in resident.text
    assert tickets_of(session_factory, resident.sender) == []


def test_status_query_by_ticket_number(new_resident, client) -> None:
    filer = new_resident()
    filer.says("杨家坪街道天宝路社区路灯坏了好几天了，电话13812345678")
    filer.taps("确认提交")
    number = filer.ticket_card()["number"]
    filer.says(f"帮我查下工单 {number} 到哪一步了")
    assert number in filer.text
    assert "已派单" in filer.text


def test_handoff_is_recorded(resident: Resident, session_factory) -> None:
    resident.says("我要找人工客服")
    assert "人工" in resident.text
    with session_factory() as session:
        found = session.scalars(
            select(HandoffRequest).where(HandoffRequest.sender_id == resident.sender)
        ).all()
    assert len(found) == 1


def test_shared_location_dispatches_to_the_nearest_station(
    resident: Resident, client: httpx.Client, registry: Path
) -> None:
    nearest = registry_by_hand.nearest(registry, 29.3190, 106.3580)
    assert nearest.code == YINGXIONGWAN  # about 50 m away; 铜罐驿镇 is the next, 1.3 km
    resident.says("我家停电了")
    resident.says("我的位置", location={"lat": 29.3190, "lon": 106.3580})
    assert "手机号" in resident.text
    resident.taps("不留电话")
    resident.taps("确认提交")
    ticket = ticket_of(client, resident, resident.ticket_card()["number"])
    assert ticket["station_code"] == nearest.code


def test_two_misunderstandings_offer_a_person(resident: Resident) -> None:
    resident.says("asdfgh")
    assert "没太明白" in resident.text
    resident.says("？？？")
    titles = [b["title"] for m in resident.last for b in m.get("buttons") or []]
    assert "转人工" in titles


def test_emergency_with_place_and_phone_is_filed_at_once(resident: Resident, client) -> None:
    resident.says("杨家坪街道天宝路社区有个老人摔倒起不来了，我电话13812345678")
    assert "120" in (resident.last[0].get("text") or "")
    card = resident.ticket_card()
    assert card["emergency"] is True
    ticket = ticket_of(client, resident, card["number"])
    assert ticket["station_code"] == TIANBAOLU
    assert ticket["service_code"] == "welfare"

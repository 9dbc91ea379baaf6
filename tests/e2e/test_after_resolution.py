"""After a ticket is marked 办结: "it is not fixed" reopens it in any words; a new problem
stays a new report.

The real stack: the trained model, the action server, the database. Wordings differ from
the training data, the development sets and the issue reports.
"""

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.conftest import Resident, staff_resolves
from tests.e2e.test_conversation_repair import only_ticket, tickets_of


def _filed_and_resolved(resident: Resident, client: httpx.Client, token: str, said: str) -> str:
    resident.says(said)
    resident.taps("确认提交")
    number = str(resident.ticket_card()["number"])
    staff_resolves(client, token, number, "已处理")
    return number


@pytest.mark.parametrize(
    ("report", "complaint"),
    [
        (
            "天宝路社区巷子里的路灯坏了，电话13812345678",
            "说是修好了嘛，今晚上又黑起了，跟修之前一模一样",
        ),
        ("天宝路社区我家门口下水道堵了，电话13812345678", "你们咋个就显示处理完了？水还是漫起的"),
    ],
)
def test_saying_it_is_not_fixed_reopens_the_ticket(
    report: str,
    complaint: str,
    resident: Resident,
    client: httpx.Client,
    operator_token: str,
    session_factory: sessionmaker[Session],
) -> None:
    number = _filed_and_resolved(resident, client, operator_token, report)
    resident.says(complaint)
    assert number in resident.text and "重办" in resident.text
    assert only_ticket(session_factory, resident).status == "reopened"


def test_another_problem_after_resolution_is_a_new_report(
    resident: Resident,
    client: httpx.Client,
    operator_token: str,
    session_factory: sessionmaker[Session],
) -> None:
    _filed_and_resolved(
        resident, client, operator_token, "天宝路社区楼上漏水到我家厨房，电话13812345678"
    )
    resident.says("家里又停电了，整栋楼都黑起")
    assert "重办" not in resident.text
    statuses = {ticket.status for ticket in tickets_of(session_factory, resident.sender)}
    assert "reopened" not in statuses

"""What every staff route answers with: its tag, the documented errors, the ticket-number path."""

from typing import Annotated, Any

from fastapi import HTTPException, Path, status

from api.tickets.numbers import TICKET_NUMBER_PATTERN

TICKETS_TAG = "工作人员 · 工单"


Responses = dict[int | str, dict[str, Any]]
NOT_LOGGED_IN: Responses = {401: {"description": "未登录，或令牌无效、过期、已注销"}}
NOT_FOUND: Responses = {404: {"description": "没有这张工单，或不在您的可见范围内"}}
MAY_NOT_ACT: Responses = {403: {"description": "可以查看，但只有承办站点人员或区级人员可以办理"}}
ILLEGAL: Responses = {409: {"description": "工单当前状态不允许这项操作（原因见 detail）"}}

Number = Annotated[
    str, Path(pattern=TICKET_NUMBER_PATTERN, description="工单号", examples=["LY-20261123-0007"])
]


def ticket_not_found(number: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到工单 {number.upper()}")


def unprocessable(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)

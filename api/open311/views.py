"""The GeoReport v2 endpoints under /open311/v2/, in JSON and XML.

Only POST requests needs an API key (the spec's rule): the key of a service
account (`Role.SERVICE`), i.e. an integration, never a person's login or a
person's key. Reads are public and publish only what `service.request_record`
allows. Every failure is answered in the spec's error format with status
400, 403 or 404 (429 when one key files too fast, 503 with Retry-After while the
database is down) — parameters are read by hand, so FastAPI's 422 never shows.

A database outage loses nothing: a POST whose key cannot be checked, or whose write
transaction cannot even begin, gets that 503 (a 400 would make the integration drop it)
and its retry with the same Idempotency-Key files once; a POST whose filing fails is
spooled and answered as the spec's deferred case, a token without a service_request_id yet.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import authenticate_token
from api.catalogue import SERVICE_NAMES
from api.dependencies import SessionDep, SessionFactoryDep, SettingsDep
from api.open311.intake import PreparedRequest, file_request, make_token, prepare_request
from api.open311.limits import FilingLimiter, throttled
from api.open311.openapi import CREATE_REQUEST, LIST_REQUESTS
from api.open311.params import (
    MAX_BODY_BYTES,
    Open311Error,
    bad_request,
    comma_list,
    date_range,
    parse_form,
)
from api.open311.publishing import (
    MAX_RESULTS,
    RequestQuery,
    find_by_token,
    find_requests,
    request_record,
    service_notice,
    stations_for,
)
from api.open311.render import Format, error_response, parse_format, respond, retry_later
from api.open311.schemas import CreatedRequest, Discovery, DiscoveryEndpoint, TokenLookup
from api.open311.services import service_definition, service_list
from api.settings import Settings
from api.tickets.numbers import ISSUED_NUMBER
from api.tickets.spool import spool_report

PREFIX: Final = "/open311/v2"
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
CHANGESET: Final = "2026-11-23T00:00:00+08:00"
UNAVAILABLE: Final = (
    "数据库暂时不可用，本次请求没有受理，请稍后重试（建单请带同一个 Idempotency-Key，不会重复建单）"
)
UNAVAILABLE_RETRY_SECONDS: Final = 60
NO_API_KEY: Final = "缺少 api_key，无法创建请求"
BAD_API_KEY: Final = "api_key 无效或已注销，无法创建请求"
NOT_AN_INTEGRATION: Final = "这个 api_key 不属于集成账号（service），无法创建请求"
QUEUED_NOTICE: Final = "已收到，正在排队建单；稍后用 tokens/{token} 查询工单编号。"

logger = logging.getLogger(__name__)
router = APIRouter(prefix=PREFIX, tags=["对接 · Open311"])
fallback_router = APIRouter(tags=["对接 · Open311"], include_in_schema=False)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Response])


def _get(path: str, summary: str, doc: Any = None) -> Callable[[Endpoint], Endpoint]:
    """A GET route that also answers HEAD (monitors probe with it), documented once."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], summary=summary, openapi_extra=doc)
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)
        return endpoint

    return register


def _format_or_404(fmt: str) -> Format:
    found = parse_format(fmt)
    if found is None:
        raise Open311Error(404, "只支持 .json 和 .xml")
    return found


def _guarded(fmt: str, build: Callable[[Format], Response]) -> Response:
    """Run an endpoint body; refusals and database trouble become Open311 errors."""
    chosen = parse_format(fmt) or Format.JSON
    try:
        return build(_format_or_404(fmt))
    except Open311Error as problem:
        return error_response(chosen, problem.status_code, problem.description)
    except SQLAlchemyError:
        logger.exception("open311: database error")
        return retry_later(chosen, 503, UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS)


def _tz(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


@_get("/discovery.{fmt}", "服务发现（Service discovery）")
def discovery(fmt: str, request: Request) -> Response:
    """Where the endpoint is and what it speaks, as the discovery spec asks."""

    def build(chosen: Format) -> Response:
        endpoint = DiscoveryEndpoint(
            specification=SPECIFICATION,
            url=str(request.base_url).rstrip("/") + PREFIX,
            changeset=CHANGESET,
            type="production",
            formats=["text/xml", "application/json"],
        )
        found = Discovery(
            changeset=CHANGESET,
            contact="九龙坡区老杨群工服务中心",
            key_service="API 密钥由区级运维为集成账号（service）签发：laoyang staff token",
            endpoints=[endpoint],
        )
        return respond(chosen, "discovery", found)

    return _guarded(fmt, build)


@_get("/services.{fmt}", "服务目录（GET Service List）")
def services(fmt: str) -> Response:
    """Every service code of the catalogue."""
    return _guarded(fmt, lambda chosen: respond(chosen, "services", service_list()))


@_get("/services/{service_code}.{fmt}", "服务定义（GET Service Definition）")
def service(service_code: str, fmt: str) -> Response:
    """The questions one service asks (one optional: is anyone in danger)."""

    def build(chosen: Format) -> Response:
        definition = service_definition(service_code)
        if definition is None:
            raise Open311Error(404, "没有这个 service_code")
        return respond(chosen, "service_definition", definition)

    return _guarded(fmt, build)


@router.post(
    "/requests.{fmt}", summary="提交诉求（POST Service Request）", openapi_extra=CREATE_REQUEST
)
async def create_request(
    fmt: str, request: Request, factory: SessionFactoryDep, settings: SettingsDep
) -> Response:
    """File a request for an integration; retries with the same Idempotency-Key file once.

    The body is read here; the database work runs in the thread pool with a session
    of its own, so nothing blocking ever runs on the event loop.
    """
    chosen = parse_format(fmt) or Format.JSON
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return error_response(chosen, 400, f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）")
    client_key = request.headers.get("idempotency-key")
    content_type = request.headers.get("content-type")
    limiter: FilingLimiter = request.app.state.open311_limiter
    reader: sessionmaker[Session] = request.app.state.read_session_factory

    def create(chosen: Format) -> Response:
        # Checking the key and the form only reads: on a snapshot, without SQLite's write
        # lock, so concurrent filings queue only for the filing itself.
        with reader() as reading:
            checked = _check(chosen, bytes(body), content_type, client_key, reading, limiter)
        if isinstance(checked, Response):
            return checked
        with factory() as session:
            # Begin first: a database that cannot even start the filing has taken
            # nothing, so that is a 503 to retry, not a report to spool.
            session.connection()
            return _file(chosen, checked, session, settings)

    return await run_in_threadpool(_guarded, fmt, create)


def _check(
    chosen: Format,
    body: bytes,
    content_type: str | None,
    client_key: str | None,
    session: Session,
    limiter: FilingLimiter,
) -> PreparedRequest | Response:
    """Authenticate, throttle and validate a POST (reads only); a refusal as a Response."""
    form = parse_form(body, content_type)
    api_key = form.get("api_key")
    if api_key is None:
        raise Open311Error(403, NO_API_KEY)
    account = authenticate_token(session, api_key, datetime.now(UTC), kind=TokenKind.API_KEY)
    if account is None:
        raise Open311Error(403, BAD_API_KEY)
    if account.role != Role.SERVICE:
        raise Open311Error(403, NOT_AN_INTEGRATION)
    if client_key is not None and not 1 <= len(client_key.strip()) <= 200:
        raise bad_request("Idempotency-Key 须为 1–200 个字符")
    token = make_token(account, client_key.strip() if client_key else None)
    # A retry of a request already filed is answered with its ticket and costs nothing.
    if client_key is None or find_by_token(session, token) is None:
        wait = limiter.take(api_key)
        if wait:
            return throttled(chosen, wait)
    return prepare_request(session, form, account, token)


def _file(
    chosen: Format, prepared: PreparedRequest, session: Session, settings: Settings
) -> Response:
    """File a checked request in one write transaction; spooled when the database fails."""
    token = prepared.token
    tz = _tz(settings)
    try:
        filed = file_request(
            session,
            prepared,
            tz=tz,
            default_district_code=settings.default_district_code,
            now=datetime.now(tz),
        )
    except SQLAlchemyError:
        # Keep the report: the spool files it when the database is back, under the same
        # key, so GET tokens/{token} will find it.
        session.rollback()
        logger.exception("open311: filing failed; report spooled")
        spool_report(settings.spool_dir, prepared.report)
        queued = CreatedRequest(
            service_request_id=None,
            token=token,
            service_notice=QUEUED_NOTICE.format(token=token),
            account_id=None,
        )
        return respond(chosen, "service_requests", [queued])
    created = CreatedRequest(
        service_request_id=filed.ticket.number,
        token=token,
        service_notice=service_notice(filed.ticket, filed.station, tz),
        account_id=None,
    )
    return respond(chosen, "service_requests", [created])


@_get("/requests.{fmt}", "查询诉求列表（GET Service Requests）", LIST_REQUESTS)
def requests(fmt: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Published tickets: by id, or filtered by code, status and a ≤ 90-day window."""

    def build(chosen: Format) -> Response:
        query = _request_query(request, settings)
        tickets = find_requests(session, query)
        stations = stations_for(session, tickets)
        tz = _tz(settings)
        records = [request_record(t, stations[t.station_code], tz) for t in tickets]
        return respond(chosen, "service_requests", records)

    return _guarded(fmt, build)


def _single(request: Request, name: str) -> str | None:
    values = [value for value in request.query_params.getlist(name) if value.strip()]
    if len(values) > 1:
        raise bad_request(f"参数 {name} 只能给一次")
    return values[0] if values else None


def _request_query(request: Request, settings: Settings) -> RequestQuery:
    params = request.query_params
    ids = [item.upper() for item in comma_list(params.getlist("service_request_id"))]
    if ids:
        if len(ids) > MAX_RESULTS or not all(ISSUED_NUMBER.match(item) for item in ids):
            raise bad_request("service_request_id 须为逗号分隔的工单编号，如 LY-20261123-0001")
        return RequestQuery(ids=ids)
    codes = comma_list(params.getlist("service_code"))
    if any(code not in SERVICE_NAMES for code in codes):
        raise bad_request("service_code 中有未知的代码")
    statuses = [item.lower() for item in comma_list(params.getlist("status"))]
    if any(item not in ("open", "closed") for item in statuses):
        raise bad_request("status 只能是 open 或 closed")
    tz = _tz(settings)
    start, end = date_range(
        _single(request, "start_date"), _single(request, "end_date"), datetime.now(tz), tz
    )
    return RequestQuery(service_codes=codes, statuses=statuses, start=start, end=end)


@_get("/requests/{service_request_id}.{fmt}", "查询单个诉求（GET Service Request）")
def one_request(
    service_request_id: str, fmt: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """One published ticket, still as a list of one."""

    def build(chosen: Format) -> Response:
        number = service_request_id.upper()
        tickets = (
            find_requests(session, RequestQuery(ids=[number]))
            if ISSUED_NUMBER.match(number)
            else []
        )
        if not tickets:
            raise Open311Error(404, "没有这个 service_request_id")
        stations = stations_for(session, tickets)
        record = request_record(tickets[0], stations[tickets[0].station_code], _tz(settings))
        return respond(chosen, "service_requests", [record])

    return _guarded(fmt, build)


@_get("/tokens/{token}.{fmt}", "用令牌换取诉求编号（GET service_request_id from a token）")
def token(token: str, fmt: str, session: SessionDep) -> Response:
    """The ticket number behind a POST's token (404 while it is still queued)."""

    def build(chosen: Format) -> Response:
        ticket = find_by_token(session, token) if len(token) <= 64 else None
        if ticket is None:
            raise Open311Error(404, "没有这个 token 对应的工单（或仍在排队）")
        found = TokenLookup(service_request_id=ticket.number, token=token)
        return respond(chosen, "service_requests", [found])

    return _guarded(fmt, build)


@fallback_router.api_route(
    "/open311/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
)
def unknown(rest: str, request: Request) -> Response:
    """Anything else under /open311 still answers in the Open311 error format."""
    chosen = Format.XML if rest.lower().endswith(".xml") else Format.JSON
    if request.method not in ("GET", "HEAD"):
        return error_response(chosen, 400, "这里不支持该请求方法")
    return error_response(chosen, 404, "没有这个 Open311 资源")

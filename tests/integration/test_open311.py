"""Open311 GeoReport v2: the spec's shapes in JSON and XML, filing, publishing and errors."""

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.auth.models import Role, TokenKind
from api.auth.service import create_account, issue_token
from api.catalogue import SERVICE_CODES
from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import file_report

TZ = ZoneInfo("Asia/Shanghai")
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
TONGGUAN = "500107111002"  # 铜罐社区, with coordinates in both registries
TONGGUAN_AT = (29.299830, 106.380263)
TIANBAOLU = "500107001011"
TONGGUANYI_TOWN = "500107111"
PHONE = "13912345678"
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture(scope="module")
def spool_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("open311-spool")


@pytest.fixture(scope="module")
def settings(database_url: str, spool_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_port=free_port(),
        app_port=free_port(),
        rasa_timeout_seconds=2.0,
        spool_dir=spool_dir,
        webhook_worker=False,
        open311_burst=10_000,  # one key posts all through this module; limits have their own
    )


@pytest.fixture(scope="module")
def client(settings: Settings, registry: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


def _account_key(factory: sessionmaker[Session], role: Role, kind: TokenKind) -> str:
    with factory() as session:
        account = create_account(
            session,
            username=f"o311-{uuid.uuid4().hex[:10]}",
            display_name="测试集成",
            role=role,
            station_code=TIANBAOLU if role is Role.STATION_STAFF else None,
            password=None if role is Role.SERVICE else "a-long-enough-password",
        )
        issued = issue_token(session, account, kind=kind, now=datetime.now(UTC))
        session.commit()
        return issued.token


@pytest.fixture(scope="module")
def api_key(session_factory: sessionmaker[Session], registry: Path) -> str:
    """A service account's API key, as `laoyang staff token` would hand it out."""
    return _account_key(session_factory, Role.SERVICE, TokenKind.API_KEY)


def post(
    client: TestClient, fmt: str = "json", headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    return client.post(
        f"{BASE}/requests.{fmt}",
        content=urlencode(fields).encode(),
        headers={**FORM, **(headers or {})},
    )


def unique_text() -> str:
    """A description no other test uses, so reports are not linked as duplicates by text."""
    tag = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    return f"井盖松动，过车就响（测试 {tag}）"


def xml_root(response: Any, root: str) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def assert_error(response: Any, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.text
    if fmt == "xml":
        root = xml_root(response, "errors")
        errors = root.findall("error")
        assert errors
        assert [child.tag for child in errors[0]] == ["code", "description"]
        assert errors[0].findtext("code") == str(status)
        return errors[0].findtext("description") or ""
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert isinstance(body, list) and body
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    assert body[0]["description"]
    return str(body[0]["description"])


# --- services -----------------------------------------------------------------------------


def test_service_list_has_every_catalogue_code_in_json(client: TestClient) -> None:
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    services = response.json()
    assert [item["service_code"] for item in services] == list(SERVICE_CODES)
    for item in services:
        assert list(item) == SERVICE_FIELDS
        assert item["metadata"] is True
        assert item["type"] == "realtime"
        assert item["keywords"] and item["group"] and item["description"]
    names = {item["service_code"]: item["service_name"] for item in services}
    assert names["water_leak"] == "漏水渗水"
    assert names["dispute"] == "矛盾纠纷"


def test_service_list_in_xml(client: TestClient) -> None:
    root = xml_root(client.get(f"{BASE}/services.xml"), "services")
    services = root.findall("service")
    assert len(services) == len(SERVICE_CODES)
    for element in services:
        assert [child.tag for child in element] == SERVICE_FIELDS
        assert element.findtext("metadata") == "true"
        assert element.findtext("type") == "realtime"
    assert services[0].findtext("service_name") == "漏水渗水"


def test_service_definition_in_json_is_one_object(client: TestClient) -> None:
    response = client.get(f"{BASE}/services/gas.json")
    assert response.status_code == 200
    definition = response.json()
    assert list(definition) == ["service_code", "attributes"]
    assert definition["service_code"] == "gas"
    attribute = definition["attributes"][0]
    assert list(attribute) == ATTRIBUTE_FIELDS
    assert attribute["variable"] is True
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["required"] is False
    assert attribute["order"] == 1
    keys = {value["key"] for value in attribute["values"]}
    assert {"fire", "gas_leak", "medical"} <= keys
    assert all(set(value) == {"key", "name"} for value in attribute["values"])


def test_service_definition_in_xml(client: TestClient) -> None:
    root = xml_root(client.get(f"{BASE}/services/water_leak.xml"), "service_definition")
    assert root.findtext("service_code") == "water_leak"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert [child.tag for child in attribute] == ATTRIBUTE_FIELDS
    assert attribute.findtext("required") == "false"
    values = attribute.findall("values/value")
    assert values and all([c.tag for c in v] == ["key", "name"] for v in values)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_format(client: TestClient, fmt: str) -> None:
    assert_error(client.get(f"{BASE}/services/flying_saucer.{fmt}"), 404, fmt)


def test_discovery_names_the_specification(client: TestClient) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    root = xml_root(client.get(f"{BASE}/discovery.xml"), "discovery")
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


# --- POST requests ------------------------------------------------------------------------


def test_a_request_near_a_community_goes_to_its_station_and_is_published(
    client: TestClient, api_key: str
) -> None:
    lat, lon = TONGGUAN_AT
    text = unique_text()
    response = post(
        client,
        api_key=api_key,
        service_code="public_facility",
        lat=f"{lat + 0.0003}",
        long=f"{lon}",
        description=f"{text} 联系我 139 1234 5678 或 someone@example.com",
        phone=PHONE,
        email="someone@example.com",
        first_name="小明",
        last_name="王",
        device_id="device-42",
        media_url="https://img.example.com/manhole.jpg",
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert isinstance(created, list) and len(created) == 1
    assert set(created[0]) == {"service_request_id", "token", "service_notice", "account_id"}
    number = created[0]["service_request_id"]
    assert number.startswith("LY-")
    assert created[0]["account_id"] is None
    assert "铜罐社区老杨群工室" in created[0]["service_notice"]

    found = client.get(f"{BASE}/requests/{number}.json")
    assert found.status_code == 200
    [record] = found.json()
    assert list(record) == REQUEST_FIELDS
    assert record["service_request_id"] == number
    assert record["status"] == "open"
    assert record["agency_responsible"] == "铜罐社区老杨群工室"
    assert record["service_name"] == "公共设施"
    assert record["lat"] == pytest.approx(lat + 0.0003)
    assert record["long"] == pytest.approx(lon)
    assert record["media_url"] == "https://img.example.com/manhole.jpg"
    assert text in record["description"]
    assert record["requested_datetime"].endswith("+08:00")
    assert record["expected_datetime"].endswith("+08:00")

    listed = client.get(f"{BASE}/requests.json", params={"service_request_id": number})
    xml = client.get(f"{BASE}/requests/{number}.xml")
    for output in (found.text, listed.text, xml.text, response.text):
        for secret in (PHONE, "139 1234 5678", "139****5678", "someone@example.com", "小明"):
            assert secret not in output
        assert "device-42" not in output


def test_an_address_string_is_resolved_to_its_community(client: TestClient, api_key: str) -> None:
    response = post(
        client,
        api_key=api_key,
        service_code="environment",
        address_string=f"天宝路社区 {uuid.uuid4().hex[:6]} 号门口",
        description=unique_text(),
    )
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    [record] = client.get(f"{BASE}/requests/{number}.json").json()
    assert record["address_id"] == TIANBAOLU
    assert record["agency_responsible"].startswith("天宝路社区")
    assert record["address"].startswith("天宝路社区")
    assert record["lat"] is None and record["long"] is None


def test_an_address_id_names_a_division(client: TestClient, api_key: str) -> None:
    response = post(
        client,
        "xml",
        api_key=api_key,
        service_code="welfare",
        address_id=TONGGUANYI_TOWN,
        description=unique_text(),
    )
    assert response.status_code == 200, response.text
    root = xml_root(response, "service_requests")
    request = root.find("request")
    assert request is not None
    assert [child.tag for child in request] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    number = request.findtext("service_request_id")
    [record] = client.get(f"{BASE}/requests/{number}.json").json()
    assert record["address_id"] == TONGGUANYI_TOWN
    assert record["agency_responsible"] == "铜罐驿镇老杨群工站"
    assert_error(
        post(client, api_key=api_key, service_code="welfare", address_id="999999999999"), 400
    )


def test_an_emergency_attribute_makes_an_urgent_ticket_with_the_hotline_first(
    client: TestClient, api_key: str, session_factory: sessionmaker[Session]
) -> None:
    fields = {
        "api_key": api_key,
        "service_code": "gas",
        "address_id": TONGGUAN,
        "description": unique_text(),
        "attribute[emergency]": "gas_leak",
    }
    response = post(client, **fields)
    assert response.status_code == 200, response.text
    notice = response.json()[0]["service_notice"]
    assert notice.startswith("现场如仍有危险，请立即拨打燃气抢修")
    with session_factory() as session:
        ticket = session.scalars(
            select(Ticket).where(Ticket.number == response.json()[0]["service_request_id"])
        ).one()
        assert ticket.emergency and ticket.emergency_kind == "gas_leak"
    assert_error(post(client, **{**fields, "attribute[emergency]": "meteor"}), 400)


def test_the_same_idempotency_key_files_once(client: TestClient, api_key: str) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    fields = {
        "api_key": api_key,
        "service_code": "other",
        "address_id": TONGGUAN,
        "description": unique_text(),
    }
    first = post(client, headers=key, **fields).json()[0]
    again = post(client, headers=key, **fields).json()[0]
    assert again["service_request_id"] == first["service_request_id"]
    assert again["token"] == first["token"]
    changed = post(client, headers=key, **{**fields, "description": unique_text()})
    assert_error(changed, 400)
    without_key = post(client, **fields).json()[0]
    assert without_key["service_request_id"] != first["service_request_id"]


def test_a_token_maps_back_to_its_request(client: TestClient, api_key: str) -> None:
    created = post(
        client, api_key=api_key, service_code="other", address_id=TONGGUAN, description="建议"
    ).json()[0]
    response = client.get(f"{BASE}/tokens/{created['token']}.json")
    assert response.status_code == 200
    assert response.json() == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]
    root = xml_root(client.get(f"{BASE}/tokens/{created['token']}.xml"), "service_requests")
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    assert_error(client.get(f"{BASE}/tokens/{uuid.uuid4().hex}.json"), 404)
    assert_error(client.get(f"{BASE}/tokens/{uuid.uuid4().hex}.xml"), 404, "xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_or_wrong_api_key_is_403(client: TestClient, fmt: str) -> None:
    fields = {"service_code": "other", "address_id": TONGGUAN, "description": "x"}
    assert_error(post(client, fmt, **fields), 403, fmt)
    assert_error(post(client, fmt, api_key="not-a-key", **fields), 403, fmt)


def test_only_an_integration_key_may_post(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    fields = {"service_code": "other", "address_id": TONGGUAN, "description": "x"}
    staff_key = _account_key(session_factory, Role.STATION_STAFF, TokenKind.API_KEY)
    operator_key = _account_key(session_factory, Role.DISTRICT_OPERATOR, TokenKind.API_KEY)
    for key in (staff_key, operator_key):
        assert_error(post(client, api_key=key, **fields), 403)
    # a login token is not an API key, whoever it belongs to
    login_token = _account_key(session_factory, Role.STATION_STAFF, TokenKind.BEARER)
    assert_error(post(client, api_key=login_token, **fields), 403)


MARKER = "ECHO-MARKER-<b>"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"address_id": TONGGUAN}, 400),  # no service_code
        ({"service_code": MARKER, "address_id": TONGGUAN}, 404),
        ({"service_code": "gas"}, 400),  # no location
        ({"service_code": "gas", "lat": "29.3"}, 400),
        ({"service_code": "gas", "lat": MARKER, "long": "106.38"}, 400),
        ({"service_code": "gas", "lat": "91", "long": "106.38"}, 400),
        ({"service_code": "gas", "lat": "nan", "long": "106.38"}, 400),
        ({"service_code": "gas", "lat": "0", "long": "0"}, 400),  # far outside the district
        ({"service_code": "gas", "address_id": MARKER}, 400),
        ({"service_code": "gas", "address_id": TONGGUAN, "phone": MARKER}, 400),
        ({"service_code": "gas", "address_id": TONGGUAN, "email": MARKER}, 400),
        ({"service_code": "gas", "address_id": TONGGUAN, "media_url": MARKER}, 400),
        ({"service_code": "gas", "address_id": TONGGUAN, "description": "漏" * 4001}, 400),
        ({"service_code": "gas", "address_string": MARKER * 100}, 400),
    ],
)
def test_bad_posts_are_refused_without_echoing_input(
    client: TestClient, api_key: str, fields: dict[str, str], status: int
) -> None:
    for fmt in ("json", "xml"):
        response = post(client, fmt, api_key=api_key, **fields)
        description = assert_error(response, status, fmt)
        assert "ECHO-MARKER" not in response.text and "漏漏" not in description


def ticket_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


EMPTY_DESCRIPTIONS = [
    None,  # not sent at all
    "",
    "   ",
    "\t\r\n \u3000",  # full-width space too
    "\x00\x01\x1f\x7f",  # controls only
    "\u200b\u2060\ufeff",  # invisible characters only
    "【Open311 报告人信息，仅工作人员可见】",  # only the private marker, which is removed
]


@pytest.mark.parametrize("description", EMPTY_DESCRIPTIONS)
def test_a_request_without_a_description_is_refused_and_files_nothing(
    client: TestClient,
    api_key: str,
    session_factory: sessionmaker[Session],
    description: str | None,
) -> None:
    fields: dict[str, Any] = {
        "api_key": api_key,
        "service_code": "public_facility",
        "address_id": TONGGUAN,
    }
    if description is not None:
        fields["description"] = description
    before = ticket_count(session_factory)
    for fmt in ("json", "xml"):
        reason = assert_error(post(client, fmt, **fields), 400, fmt)
        assert "description" in reason and "不能为空" in reason
    assert ticket_count(session_factory) == before


def test_absurd_descriptions_get_a_reason_never_a_500(
    client: TestClient, api_key: str, session_factory: sessionmaker[Session]
) -> None:
    fields: dict[str, Any] = {
        "api_key": api_key,
        "service_code": "public_facility",
        "address_id": TONGGUAN,
    }
    before = ticket_count(session_factory)
    for text in ("漏" * 5000, "x" * 40_000, "x" * 70_000):
        for fmt in ("json", "xml"):
            reason = assert_error(post(client, fmt, **fields, description=text), 400, fmt)
            assert "4000" in reason or "64 KB" in reason
    # a lone surrogate is not UTF-8
    body = urlencode(fields).encode() + b"&description=%ED%A0%80"
    assert_error(client.post(f"{BASE}/requests.json", content=body, headers=FORM), 400)
    assert ticket_count(session_factory) == before


def test_controls_inside_a_description_are_dropped_on_every_database(
    client: TestClient, api_key: str
) -> None:
    text = unique_text()
    response = post(
        client,
        api_key=api_key,
        service_code="public_facility",
        address_id=TONGGUAN,
        description=f"\x00{text}\x00\x1b[31m 第二行\n",
    )
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    [record] = client.get(f"{BASE}/requests/{number}.json").json()
    assert record["description"] == f"{text}[31m 第二行"


def test_a_post_must_be_form_encoded(client: TestClient, api_key: str) -> None:
    body = {"api_key": api_key, "service_code": "gas", "address_id": TONGGUAN}
    assert_error(client.post(f"{BASE}/requests.json", json=body), 400)
    multipart = client.post(f"{BASE}/requests.json", files={"api_key": (None, api_key)})
    assert_error(multipart, 400)
    broken = client.post(f"{BASE}/requests.json", content=b"api_key=%ff%fe", headers=FORM)
    assert_error(broken, 400)
    huge = client.post(f"{BASE}/requests.json", content=b"a=" + b"x" * 70_000, headers=FORM)
    assert_error(huge, 400)
    twice = post(
        client, api_key=api_key, service_code="gas", address_id=TONGGUAN, description="闻到怪味"
    )
    assert twice.status_code == 200  # sanity: the same fields, form-encoded, are fine


# --- GET requests -------------------------------------------------------------------------


def _chat_ticket(session_factory: sessionmaker[Session], now: datetime | None = None) -> str:
    with session_factory() as session:
        filed = file_report(
            session,
            NewReport(
                service_code="dispute",
                description=f"楼上邻居半夜装修 {uuid.uuid4().hex[:6]}，我电话 {PHONE}",
                community_code=TIANBAOLU,
                location_text=f"天宝路社区3栋{uuid.uuid4().hex[:4]}",
                lat=29.5101,
                lon=106.5102,
                contact_phone=PHONE,
                sender_id=f"web-{uuid.uuid4().hex[:10]}",
            ),
            tz=TZ,
            default_district_code="500107",
            now=now or datetime.now(TZ),
        )
        return filed.ticket.number


def test_a_chat_ticket_is_published_without_anything_the_resident_said(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    number = _chat_ticket(session_factory)
    response = client.get(f"{BASE}/requests/{number}.json")
    [record] = response.json()
    assert record["description"] == "居民反映的矛盾纠纷问题（详情不公开）"
    assert record["address"] is None and record["lat"] is None and record["long"] is None
    assert record["media_url"] is None
    assert record["address_id"] == TIANBAOLU
    assert "装修" not in response.text and "天宝路社区3栋" not in response.text
    xml = client.get(f"{BASE}/requests/{number}.xml").text
    for output in (response.text, xml):
        assert PHONE not in output and "web-" not in output


def test_requests_list_filters_and_maps_states(
    client: TestClient, api_key: str, session_factory: sessionmaker[Session]
) -> None:
    resolved = _chat_ticket(session_factory)
    still_open = _chat_ticket(session_factory)
    with session_factory() as session:
        session.execute(update(Ticket).where(Ticket.number == resolved).values(status="resolved"))
        session.commit()
    both = f"{resolved},{still_open}"
    listed = client.get(f"{BASE}/requests.json", params={"service_request_id": both}).json()
    assert {r["service_request_id"]: r["status"] for r in listed} == {
        resolved: "closed",
        still_open: "open",
    }
    closed = client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    numbers = {r["service_request_id"] for r in closed}
    assert resolved in numbers and still_open not in numbers
    assert all(r["status"] == "closed" for r in closed)
    disputes = client.get(f"{BASE}/requests.json", params={"service_code": "dispute"}).json()
    assert {resolved, still_open} <= {r["service_request_id"] for r in disputes}
    assert all(r["service_code"] == "dispute" for r in disputes)
    others = client.get(f"{BASE}/requests.json", params={"service_code": "gas,welfare"}).json()
    assert all(r["service_code"] in ("gas", "welfare") for r in others)
    today = datetime.now(TZ).date().isoformat()
    window = client.get(
        f"{BASE}/requests.json",
        params={"start_date": f"{today}T00:00:00+08:00", "end_date": f"{today}T23:59:59+08:00"},
    ).json()
    assert {resolved, still_open} <= {r["service_request_id"] for r in window}
    past = client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"},
    ).json()
    assert past == []


def test_requests_default_to_the_last_90_days(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    old = _chat_ticket(session_factory, now=datetime.now(TZ) - timedelta(days=100))
    recent = _chat_ticket(session_factory)
    numbers = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()}
    assert recent in numbers and old not in numbers
    by_id = client.get(f"{BASE}/requests.json", params={"service_request_id": old}).json()
    assert [r["service_request_id"] for r in by_id] == [old]  # ids override the window


def test_requests_list_in_xml(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    number = _chat_ticket(session_factory)
    response = client.get(f"{BASE}/requests.xml", params={"service_request_id": number})
    root = xml_root(response, "service_requests")
    [request] = root.findall("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == ""  # an empty element for a value we do not publish


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-11-23"},  # fine: a bare W3C date
        {"start_date": "2026-11-01T00:00:00 08:00"},  # fine: '+' sent unescaped
    ],
)
def test_w3c_dates_are_accepted(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.json?{urlencode(params)}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-11-23T09:00:00"},  # no time zone
        {"end_date": "2026-13-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"status": "pending"},
        {"service_code": "flying_saucer"},
        {"service_request_id": "12345"},
    ],
)
def test_bad_filters_are_400(client: TestClient, params: dict[str, str]) -> None:
    for fmt in ("json", "xml"):
        assert_error(client.get(f"{BASE}/requests.{fmt}", params=params), 400, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_404(client: TestClient, fmt: str) -> None:
    assert_error(client.get(f"{BASE}/requests/LY-20000101-9999.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/requests/not-a-number.{fmt}"), 404, fmt)


def test_anything_else_under_open311_answers_in_its_error_format(client: TestClient) -> None:
    assert_error(client.get(f"{BASE}/services.html"), 404)
    assert_error(client.get(f"{BASE}/nothing.json"), 404)
    assert_error(client.get(f"{BASE}/nothing.xml"), 404, "xml")
    assert_error(client.delete(f"{BASE}/requests.json"), 400)
    assert_error(client.post(f"{BASE}/services.json"), 400)


def test_other_routes_keep_their_own_error_format(client: TestClient) -> None:
    response = client.get("/api/tickets/NOT-A-NUMBER")
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_markup_and_control_characters_stay_well_formed_xml(
    client: TestClient, api_key: str
) -> None:
    text = f"{unique_text()} <b>&amp;</b> ]]> \x01\x1f"
    response = post(
        client, "xml", api_key=api_key, service_code="other", address_id=TONGGUAN, description=text
    )
    number = xml_root(response, "service_requests").findtext("request/service_request_id")
    root = xml_root(client.get(f"{BASE}/requests/{number}.xml"), "service_requests")
    description = root.findtext("request/description") or ""
    assert "<b>&amp;</b> ]]>" in description
    assert "\x01" not in description and "\x1f" not in description


def test_get_endpoints_answer_head_and_are_documented(client: TestClient) -> None:
    assert client.head(f"{BASE}/services.json").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths[f"{BASE}/requests.{{fmt}}"]
    assert set(paths[f"{BASE}/services.{{fmt}}"]) == {"get"}

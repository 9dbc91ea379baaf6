"""Open311 intake: a posted request checked, located and filed through `file_report`."""

import hashlib
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import StaffAccount
from api.catalogue import EMERGENCY_KINDS, SERVICE_NAMES
from api.dispatch.service import NoStationError, nearest_station
from api.open311.params import Open311Error, PostedForm, bad_request, description_text
from api.open311.records import (
    KEY_PREFIX,
    MEDIA_LABEL,
    PRIVATE_MARKER,
)
from api.open311.services import EMERGENCY_ATTRIBUTE
from api.stations.gazetteer import MatchStatus, registry_gazetteer
from api.stations.models import Station, StationLevel
from api.tickets.contact import is_mobile
from api.tickets.models import Ticket
from api.tickets.schemas import NewReport
from api.tickets.service import FiledTicket, file_report

MAX_DESCRIPTION: Final = 4000
MAX_ADDRESS: Final = 500
# A point farther than this from every station is not in the area we serve.
MAX_DISTANCE_KM: Final = 50.0
_EMAIL_FIELD = re.compile(r"^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$")
_MEDIA_URL = re.compile(r"^https?://[^\s]{1,2000}$", re.IGNORECASE)
_SINGLE_LINE_LIMITS: Final[dict[str, tuple[str, int]]] = {
    "first_name": ("名", 40),
    "last_name": ("姓", 40),
    "email": ("邮箱", 254),
    "device_id": ("设备", 128),
    "account_id": ("账号", 128),
}

# --- filing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a posted request is, as dispatch understands it."""

    community_code: str | None = None
    town_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    text: str | None = None


@dataclass(frozen=True)
class PreparedRequest:
    """A validated POST, ready to file (or to spool)."""

    report: NewReport
    token: str


def make_token(account: StaffAccount, client_key: str | None) -> str:
    """A fresh random token, or one derived from the client's Idempotency-Key.

    Derived tokens are scoped to the account, so two integrations using the
    same key never collide, and the key itself is never stored.
    """
    if client_key is None:
        return secrets.token_hex(16)
    return hashlib.sha256(f"{account.id}\n{client_key}".encode()).hexdigest()[:32]


def prepare_request(
    session: Session, form: PostedForm, account: StaffAccount, token: str
) -> PreparedRequest:
    """Validate a POST and turn it into a NewReport; raises Open311Error."""
    service_code = form.get("service_code")
    if service_code is None:
        raise bad_request("缺少 service_code")
    if service_code not in SERVICE_NAMES:
        raise Open311Error(404, "没有这个 service_code，可用的见 services.json")
    location = _location(session, form, service_code)
    emergency_kind = _emergency_kind(form)
    phone = form.get("phone")
    if phone is not None and not is_mobile(phone):
        raise bad_request("phone 须为中国大陆手机号")
    description = _description(form, account)
    try:
        report = NewReport(
            service_code=service_code,
            description=description,
            emergency=emergency_kind is not None,
            emergency_kind=emergency_kind,
            location_text=location.text,
            community_code=location.community_code,
            town_code=location.town_code,
            lat=location.lat,
            lon=location.lon,
            contact_phone=_digits(phone) if phone else None,
            idempotency_key=KEY_PREFIX + token,
        )
    except ValidationError as exc:
        fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        raise bad_request("参数无效：" + "、".join(fields)) from exc
    return PreparedRequest(report, token)


def file_request(
    session: Session,
    prepared: PreparedRequest,
    *,
    tz: ZoneInfo,
    default_district_code: str,
    now: datetime,
) -> FiledTicket:
    """File through the ticket service; a retried key with other content is refused."""
    key = prepared.report.idempotency_key
    existing = session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()
    if existing is not None and (
        existing.service_code != prepared.report.service_code
        or existing.description != prepared.report.description
    ):
        raise bad_request("Idempotency-Key 已用于另一个请求")
    try:
        return file_report(
            session, prepared.report, tz=tz, default_district_code=default_district_code, now=now
        )
    except NoStationError as exc:
        raise bad_request("没有可以受理的工作站") from exc


def _digits(phone: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())[-11:]


def _number(form: PostedForm, name: str, low: float, high: float) -> float:
    value = form.get(name)
    assert value is not None
    try:
        number = float(value)
    except ValueError as exc:
        raise bad_request(f"{name} 须为数字（WGS84 度）") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise bad_request(f"{name} 超出范围")
    return number


def _location(session: Session, form: PostedForm, service_code: str) -> Location:
    has_lat, has_long = form.get("lat") is not None, form.get("long") is not None
    address_string, address_id = form.get("address_string"), form.get("address_id")
    if has_lat != has_long:
        raise bad_request("lat 和 long 须同时提供")
    if not has_lat and address_string is None and address_id is None:
        raise bad_request("须提供位置：lat 和 long，或 address_string，或 address_id")
    lat = lon = None
    if has_lat:
        lat, lon = _number(form, "lat", -90, 90), _number(form, "long", -180, 180)
        nearest = nearest_station(session, lat, lon, service_code)
        if nearest is None or nearest[1] > MAX_DISTANCE_KM:
            raise bad_request("lat/long 不在本区服务范围内")
    if address_string is not None and len(address_string) > MAX_ADDRESS:
        raise bad_request(f"address_string 最长 {MAX_ADDRESS} 字")
    community, town, label = _address_id(session, address_id) if address_id else (None, None, None)
    if address_string is not None and community is None:
        found_community, found_town = _address_string(session, address_string)
        community = found_community
        town = town or found_town
    return Location(community, town, lat, lon, address_string or label)


def _address_id(session: Session, address_id: str) -> tuple[str | None, str | None, str]:
    """address_id is an official division code (村社 or 镇街), as in our registry."""
    station = session.get(Station, address_id) if address_id.isdigit() else None
    if station is None or not station.active:
        raise bad_request("address_id 不是本区的村社或镇街编码")
    if station.level in (StationLevel.VILLAGE, StationLevel.GRID):
        return station.code, None, station.name
    if station.level == StationLevel.TOWN:
        return None, station.code, station.name
    return None, None, station.name


def _address_string(session: Session, text: str) -> tuple[str | None, str | None]:
    """The community (or only the town) an address names, through the registry's gazetteer."""
    resolution = registry_gazetteer(session).resolve(text)
    place = resolution.place
    if resolution.status is MatchStatus.EXACT and place is not None:
        if place.level in (StationLevel.VILLAGE, StationLevel.GRID):
            return place.code, place.town_code
        return None, place.code if place.level == StationLevel.TOWN else None
    if resolution.status is MatchStatus.TOWN_ONLY and place is not None:
        return None, place.code
    if resolution.status is MatchStatus.AMBIGUOUS:
        towns = {candidate.town_code for candidate in resolution.candidates}
        if len(towns) == 1:
            return None, towns.pop()
    return None, None


def _emergency_kind(form: PostedForm) -> str | None:
    values = form.attributes.get(EMERGENCY_ATTRIBUTE)
    if not values:
        return None
    if len(values) != 1 or values[0] not in EMERGENCY_KINDS:
        raise bad_request(f"attribute[{EMERGENCY_ATTRIBUTE}] 须为 services 定义中的一个 key")
    return values[0]


def _description(form: PostedForm, account: StaffAccount) -> str:
    """The posted text, then the private block with the reporter's contact fields."""
    posted = description_text(form.get("description"), MAX_DESCRIPTION, drop=PRIVATE_MARKER)
    lines = [f"提交方：{account.display_name}（{account.username}）"]
    for name, (label, limit) in _SINGLE_LINE_LIMITS.items():
        value = form.get(name)
        if value is None:
            continue
        if len(value) > limit or "\n" in value or "\r" in value:
            raise bad_request(f"{name} 须为一行、最长 {limit} 字")
        if name == "email" and not _EMAIL_FIELD.match(value):
            raise bad_request("email 格式不对")
        lines.append(f"{label}：{value}")
    media_url = form.get("media_url")
    if media_url is not None:
        if not _MEDIA_URL.match(media_url):
            raise bad_request("media_url 须为 http(s) 网址")
        lines.append(f"{MEDIA_LABEL}{media_url}")
    text = f"{posted}\n\n{PRIVATE_MARKER}\n" + "\n".join(lines)
    if len(text) > MAX_DESCRIPTION:
        room = MAX_DESCRIPTION - (len(text) - len(posted))
        raise bad_request(f"description 连同联系信息超长，description 最多 {room} 字")
    return text

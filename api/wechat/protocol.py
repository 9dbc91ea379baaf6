"""The message push protocol: checking a request, reading its XML, writing the passive reply.

Every request is checked before anything else is read: `signature` always, and
`msg_signature` when the message is encrypted (`encrypt_type=aes`, which is how both the
safe and the compatible mode arrive). A timestamp further than `max_skew_seconds` from now
is stale. XML goes through defusedxml with DTDs forbidden, so entity expansion and
external entities (XXE) are refused before any parsing happens.
"""

import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from api.wechat.crypto import CryptoError, MessageCrypto, signature, signature_matches

MAX_BODY_BYTES = 64 * 1024
Mode = Literal["plain", "aes"]


class RejectedError(Exception):
    """A request that is not from WeChat (bad or stale signature): answer 403."""


class MalformedError(Exception):
    """A body that is not a WeChat message (bad XML, DTD/entities, missing fields): 400."""


@dataclass(frozen=True)
class Query:
    """The query string WeChat adds to every push."""

    signature: str | None
    timestamp: str | None
    nonce: str | None
    encrypt_type: str | None = None
    msg_signature: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message or event from a resident, as far as the channel uses it."""

    to_user: str  # the account's original id (gh_…)
    openid: str
    create_time: int
    msg_type: str
    msg_id: str | None = None
    content: str | None = None
    event: str | None = None
    lat: float | None = None
    lon: float | None = None
    label: str | None = None

    @property
    def key(self) -> str:
        """The de-duplication key: MsgId, else FromUserName + CreateTime (events)."""
        return f"msg:{self.msg_id}" if self.msg_id else f"evt:{self.openid}:{self.create_time}"


def check_signature(token: str, query: Query, max_skew_seconds: float, now: float) -> None:
    """RejectedError unless `signature` is right and the timestamp is fresh."""
    if not (query.signature and query.timestamp and query.nonce):
        raise RejectedError("missing signature parameters")
    if not signature_matches(signature(token, query.timestamp, query.nonce), query.signature):
        raise RejectedError("bad signature")
    try:
        stamp = int(query.timestamp)
    except ValueError as exc:
        raise RejectedError("bad timestamp") from exc
    if abs(now - stamp) > max_skew_seconds:
        raise RejectedError("stale timestamp")


def _parse(body: bytes) -> ET.Element:
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedError(f"not acceptable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise MalformedError("root element is not <xml>")
    return root


def _text(root: ET.Element, name: str) -> str | None:
    node = root.find(name)
    return node.text if node is not None and node.text is not None else None


def open_body(
    body: bytes, query: Query, crypto: MessageCrypto | None, now: float | None = None
) -> tuple[bytes, Mode]:
    """The message XML and the mode it came in; checks `msg_signature` for encrypted ones."""
    if query.encrypt_type != "aes":
        return body, "plain"
    if crypto is None:
        raise MalformedError("encrypted message but no WECHAT_AES_KEY configured")
    encrypted = _text(_parse(body), "Encrypt")
    if not encrypted or not query.timestamp or not query.nonce:
        raise MalformedError("no Encrypt element")
    expected = crypto.msg_signature(query.timestamp, query.nonce, encrypted)
    if not signature_matches(expected, query.msg_signature):
        raise RejectedError("bad msg_signature")
    try:
        return crypto.decrypt(encrypted), "aes"
    except CryptoError as exc:
        raise RejectedError(f"undecryptable: {exc}") from exc


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def read_message(xml: bytes) -> Inbound:
    """The fields the channel uses; MalformedError when the envelope is incomplete."""
    root = _parse(xml)
    to_user, openid = _text(root, "ToUserName"), _text(root, "FromUserName")
    msg_type, create_time = _text(root, "MsgType"), _text(root, "CreateTime")
    if not (to_user and openid and msg_type and create_time and create_time.isdigit()):
        raise MalformedError("missing envelope fields")
    if len(openid) > 64 or not openid.replace("-", "").replace("_", "").isalnum():
        raise MalformedError("unexpected FromUserName")
    lat, lon = _float(_text(root, "Location_X")), _float(_text(root, "Location_Y"))
    return Inbound(
        to_user=to_user,
        openid=openid,
        create_time=int(create_time),
        msg_type=msg_type.lower(),
        msg_id=_text(root, "MsgId"),
        content=_text(root, "Content"),
        event=(_text(root, "Event") or "").lower() or None,
        lat=lat if lat is not None and -90 <= lat <= 90 else None,
        lon=lon if lon is not None and -180 <= lon <= 180 else None,
        label=_text(root, "Label"),
    )


def cdata(value: str) -> str:
    """A CDATA section holding any text (a "]]>" inside is split across two sections)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(message: Inbound, content: str, now: float | None = None) -> str:
    """The passive reply XML carrying one text message back to the resident."""
    stamp = int(now if now is not None else time.time())
    return (
        f"<xml><ToUserName>{cdata(message.openid)}</ToUserName>"
        f"<FromUserName>{cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{stamp}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def seal_reply(reply_xml: str, crypto: MessageCrypto, now: float | None = None) -> str:
    """A reply for an encrypted message: encrypted and signed as WeChat expects."""
    stamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(8)
    encrypted = crypto.encrypt(reply_xml.encode())
    sign = crypto.msg_signature(stamp, nonce, encrypted)
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(sign)}</MsgSignature>"
        f"<TimeStamp>{stamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )

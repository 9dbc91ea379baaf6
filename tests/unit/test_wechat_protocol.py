"""WeChat signatures, AES messages and XML, checked against vectors computed independently.

The expected values come from hashlib and `cryptography` used directly here and in
tests/wechat_fake.py, never from api/wechat.
"""

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from api.conversations.schemas import BotMessage, Button
from api.wechat import conversation, protocol
from api.wechat.crypto import CryptoError, MessageCrypto, signature
from tests.wechat_fake import AES_KEY, APP_ID, TOKEN, message_xml, wx_decrypt, wx_encrypt

PREFIX = bytes(range(100, 116))


def crypto() -> MessageCrypto:
    return MessageCrypto(token=TOKEN, aes_key=AES_KEY, app_id=APP_ID)


def test_signature_is_sha1_of_the_sorted_parts() -> None:
    expected = hashlib.sha1(b"".join(sorted([b"1409304348", b"xxxxxx", b"abc"]))).hexdigest()
    assert signature("abc", "1409304348", "xxxxxx") == expected
    # sorted as strings, whatever order they are given in
    assert signature("xxxxxx", "abc", "1409304348") == expected


def test_encrypt_matches_an_independent_aes_cbc() -> None:
    xml = "<xml><Content><![CDATA[家里漏水了]]></Content></xml>".encode()
    key = base64.b64decode(AES_KEY + "=")
    plain = PREFIX + struct.pack(">I", len(xml)) + xml + APP_ID.encode()
    plain += bytes([32 - len(plain) % 32]) * (32 - len(plain) % 32)
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    expected = base64.b64encode(enc.update(plain) + enc.finalize()).decode()
    assert crypto().encrypt(xml, random_prefix=PREFIX) == expected
    assert wx_encrypt(xml, prefix=PREFIX) == expected


def test_round_trips_both_ways() -> None:
    xml = message_xml("oResident_1", "text", Content="停电了", MsgId="1")
    assert crypto().decrypt(wx_encrypt(xml)) == xml
    assert wx_decrypt(crypto().encrypt(xml)) == xml


def test_a_message_for_another_app_or_tampered_is_refused() -> None:
    with pytest.raises(CryptoError):
        crypto().decrypt(wx_encrypt(b"<xml/>", app_id="wxsomeoneelse0000"))
    sealed = bytearray(base64.b64decode(wx_encrypt(b"<xml/>")))
    sealed[-1] ^= 0xFF
    with pytest.raises(CryptoError):
        crypto().decrypt(base64.b64encode(bytes(sealed)).decode())
    with pytest.raises(CryptoError):
        crypto().decrypt("not base64!")


def test_bad_aes_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        MessageCrypto(token=TOKEN, aes_key="short", app_id=APP_ID)


def test_signature_check_refuses_bad_and_stale() -> None:
    now = 1_700_000_000
    good = protocol.Query(signature(TOKEN, str(now), "n1"), str(now), "n1")
    protocol.check_signature(TOKEN, good, 300, now + 10)
    with pytest.raises(protocol.RejectedError):
        protocol.check_signature(TOKEN, good, 300, now + 301)
    with pytest.raises(protocol.RejectedError):
        protocol.check_signature("other", good, 300, now)
    with pytest.raises(protocol.RejectedError):
        protocol.check_signature(TOKEN, protocol.Query(None, str(now), "n1"), 300, now)


XXE = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&x;</Content></xml>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<xml><Content>&c;</Content></xml>"""


@pytest.mark.parametrize(
    "body", [XXE, LAUGHS, b"<xml><unclosed></xml>", b"<notxml/>", b"<xml></xml>", b"\xff\xfe"]
)
def test_unacceptable_xml_is_malformed(body: bytes) -> None:
    with pytest.raises(protocol.MalformedError):
        protocol.read_message(body)


def test_location_message_fields() -> None:
    xml = message_xml(
        "oResident_2",
        "location",
        Location_X="29.319",
        Location_Y="106.358",
        Label="英雄湾",
        MsgId="9",
    )
    message = protocol.read_message(xml)
    assert (message.lat, message.lon, message.label) == (29.319, 106.358, "英雄湾")
    assert message.key == "msg:9"
    event = protocol.read_message(message_xml("oR", "event", Event="subscribe", CreateTime=42))
    assert event.key == "evt:oR:42" and event.event == "subscribe"


def test_reply_xml_survives_cdata_breakers() -> None:
    message = protocol.read_message(message_xml("oR", "text", Content="x", MsgId="1"))
    reply = protocol.text_reply(message, "a]]>b<c>")
    again = protocol.read_message(reply.encode())
    assert again.content == "a]]>b<c>"


def test_buttons_become_numbered_choices_and_numbers_pick_them() -> None:
    replies = [
        BotMessage(text="请确认："),
        BotMessage(
            text="对吗？",
            buttons=[
                Button(title="确认提交", payload="/affirm"),
                Button(title="改地点", payload="改地点"),
            ],
        ),
    ]
    text, choices = conversation.render(replies)
    assert text == "请确认：\n\n对吗？\n\n回复 1 确认提交，2 改地点"
    assert conversation.chosen("１", choices) == "/affirm"
    assert conversation.chosen(" 2。", choices) == "改地点"
    assert conversation.chosen("3", choices) is None
    assert conversation.chosen("家里漏水", choices) is None

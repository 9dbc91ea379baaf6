"""A fake WeChat on loopback, driven by the tests.

It plays both sides WeChat plays: the message push (it signs, and in safe mode encrypts,
each message exactly as WeChat does, waits 5 s for an answer and tries 3 times in all)
and the API (access tokens that it can expire early, the customer-service and template
calls, recorded, with errors the tests queue). Its crypto is written here against
`cryptography` directly, independently of api/wechat, so the two check each other.
"""

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree as ET

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = "zhihuiyang-test-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "fake-secret"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters
ACCOUNT = "gh_laoyang_test"
TEMPLATE_ID = "tmpl-progress"


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wx_encrypt(xml: bytes, prefix: bytes | None = None, app_id: str = APP_ID) -> str:
    key = base64.b64decode(AES_KEY + "=")
    plain = (prefix or os.urandom(16)) + struct.pack(">I", len(xml)) + xml + app_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def wx_decrypt(encrypted: str) -> bytes:
    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    assert plain[20 + length :] == APP_ID.encode()
    return plain[20 : 20 + length]


def message_xml(openid: str, msg_type: str, **fields: Any) -> bytes:
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{fields.pop('CreateTime', int(time.time()))}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


@dataclass
class Pushed:
    """What WeChat got back for one push (after its retries)."""

    status: int
    body: str
    attempts: int
    text: str | None = None  # the passive reply's Content, decrypted when sealed


@dataclass
class FakeWechat:
    """The fake's state; `serve()` starts its API on a free loopback port."""

    tokens_issued: int = 0
    valid_tokens: dict[str, str] = field(default_factory=dict)  # one per AppID
    custom: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, int]] = field(default_factory=list)
    queued_errors: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    # ---- the API side ---------------------------------------------------------------

    @property
    def api_base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self) -> dict[str, Any]:
        """The WeChat settings of an app that talks to this fake."""
        return {
            "wechat_token": TOKEN,
            "wechat_app_id": APP_ID,
            "wechat_app_secret": APP_SECRET,
            "wechat_aes_key": AES_KEY,
            "wechat_api_base": self.api_base,
            "wechat_template_id": TEMPLATE_ID,
            "wechat_poll_seconds": 0.3,
        }

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as after ~2 h, or a fetch elsewhere)."""
        with self.lock:
            self.valid_tokens.clear()

    def fail_next(self, api: str, *codes: int) -> None:
        """The next calls to `custom` or `template` answer these errcodes."""
        with self.lock:
            self.queued_errors.setdefault(api, []).extend(codes)

    def to(self, openid: str) -> list[str]:
        """Customer-service texts sent to a follower, in order."""
        with self.lock:
            return [m["text"]["content"] for m in self.custom if m["touser"] == openid]

    def templates_to(self, openid: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.templates if m["touser"] == openid]

    def serve(self) -> "FakeWechat":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _answer(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/token" or query.get("secret") != APP_SECRET:
                    self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                    return
                with fake.lock:
                    fake.tokens_issued += 1
                    token = f"token-{fake.tokens_issued}-{secrets.token_hex(4)}"
                    fake.valid_tokens[query.get("appid", "")] = token  # revokes the one before
                self._answer({"access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                token = parse_qs(url.query).get("access_token", [""])[0]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api = {
                    "/cgi-bin/message/custom/send": "custom",
                    "/cgi-bin/message/template/send": "template",
                }.get(url.path)
                with fake.lock:
                    if api is None:
                        code = 404
                    elif token not in fake.valid_tokens.values():
                        code = 40001
                    elif fake.queued_errors.get(api):
                        code = fake.queued_errors[api].pop(0)
                    else:
                        code = 0
                        (fake.custom if api == "custom" else fake.templates).append(body)
                    if code:
                        fake.rejected.append((api or url.path, code))
                self._answer({"errcode": code, "errmsg": "ok" if code == 0 else "error"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # ---- the push side --------------------------------------------------------------

    def push(
        self,
        target: str | httpx.Client,
        xml: bytes,
        mode: str = "plain",
        tries: int = 3,
        timeout: float = 5.0,
        token: str = TOKEN,
        stamp: int | None = None,
    ) -> Pushed:
        """POST a message to the app (a base URL or a client) as WeChat does: signed, in
        safe or compatible mode encrypted, tried again on no answer within `timeout`."""
        stamp_text, nonce = str(stamp or int(time.time())), secrets.token_hex(5)
        params = {
            "timestamp": stamp_text,
            "nonce": nonce,
            "signature": sha1_signature(token, stamp_text, nonce),
        }
        body = xml
        if mode in ("aes", "compatible"):
            encrypted = wx_encrypt(xml)
            params["encrypt_type"] = "aes"
            params["msg_signature"] = sha1_signature(token, stamp_text, nonce, encrypted)
            envelope = f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            if mode == "aes":
                to = f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                body = f"<xml>{to}{envelope}</xml>".encode()
            else:  # compatible: the plaintext fields and the encrypted copy together
                body = xml.replace(b"</xml>", envelope.encode() + b"</xml>")
        for attempt in range(1, tries + 1):
            try:
                if isinstance(target, str):
                    response = httpx.post(
                        f"{target}/wechat", params=params, content=body, timeout=timeout
                    )
                else:
                    response = target.post("/wechat", params=params, content=body)
            except httpx.TimeoutException:
                continue
            return Pushed(
                response.status_code, response.text, attempt, _content(response.text, params)
            )
        return Pushed(0, "", tries)


def _content(body: str, params: dict[str, str]) -> str | None:
    if not body.startswith("<xml>"):
        return None
    root = ET.fromstring(body)
    encrypted = root.findtext("Encrypt")
    if encrypted is not None:
        assert params.get("encrypt_type") == "aes", "sealed reply to a plaintext message"
        stamp, nonce = root.findtext("TimeStamp") or "", root.findtext("Nonce") or ""
        assert root.findtext("MsgSignature") == sha1_signature(TOKEN, stamp, nonce, encrypted)
        root = ET.fromstring(wx_decrypt(encrypted))
    else:
        assert params.get("encrypt_type") != "aes", "plaintext reply to an encrypted message"
    return root.findtext("Content")

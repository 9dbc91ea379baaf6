"""A Rasa that hangs, drips or fails: the chat answers 503 in Chinese, in time, never 500.

"Rasa" here is a tiny real HTTP server on 127.0.0.1 given as RASA_URL, so the app
meets a real network failure; nothing of ours is patched.
"""

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import PROJECT_ROOT, Settings

RASA_TIMEOUT = 1.0
BODIES = {
    "/api/chat": {"sender": "web-0123456789abcdef", "message": "家里停电了"},
    "/api/chat/restart": {"sender": "web-0123456789abcdef"},
    "/api/nlu/parse": {"text": "家里停电了"},
}


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "21")
        self.end_headers()
        self.wfile.write(b"Internal Server Error")

    def log_message(self, *_: object) -> None:
        return


class _Dripping(BaseHTTPRequestHandler):
    """Answers 200, then one byte now and then: no single read ever times out."""

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.3)

    def log_message(self, *_: object) -> None:
        return


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _hang() -> Iterator[int]:
    """Accepts connections and reads what comes, and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for sock in held:
        sock.close()


RASAS: dict[str, Callable[[], Iterator[int]]] = {
    "answers 500": lambda: _serve(_Failing),
    "drips its answer": lambda: _serve(_Dripping),
    "never answers": _hang,
}


@pytest.fixture(params=sorted(RASAS))
def client(request: pytest.FixtureRequest, outage_settings: Settings) -> Iterator[TestClient]:
    for port in RASAS[request.param]():
        settings = outage_settings.model_copy(
            update={"rasa_port": port, "rasa_timeout_seconds": RASA_TIMEOUT}
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as http:
            yield http


@pytest.mark.parametrize("path", sorted(BODIES))
def test_rasa_in_trouble_is_a_quick_chinese_503(client: TestClient, path: str) -> None:
    started = time.monotonic()
    response = client.post(path, json=BODIES[path])
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["detail"] == "智慧杨暂时联系不上，请稍后再试。"
    assert elapsed < RASA_TIMEOUT + 3  # far inside the page's own 30 s


def test_the_app_gives_up_on_rasa_before_the_chat_page_gives_up_on_the_app() -> None:
    core = (PROJECT_ROOT / "api" / "web" / "static" / "core.js").read_text(encoding="utf-8")
    found = re.search(r"REQUEST_TIMEOUT_MS\s*=\s*(\d+)", core)
    assert found is not None
    page_seconds = int(found.group(1)) / 1000
    assert Settings().rasa_timeout_seconds < page_seconds - 2

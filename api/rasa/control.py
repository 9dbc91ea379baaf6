"""The launcher's loopback control port: promotion asks it to replace the Rasa processes.

The launcher owns the processes (it supervises them), the app owns the decision
(the operators' promotion guard): the app posts the model file here and gets an
answer when the new processes serve. Protected by the Rasa token, on loopback.

    POST /promote  {"model_file": "/abs/path.tar.gz", "model_id": "…"}
        200 {"urls": [...]}    the new processes serve it
        400 / 401              bad request / wrong token
        409 {"detail": "…"}    the candidate could not be served; nothing changed
"""

import hmac
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from api.rasa.fleet import Fleet, PromotionFailedError

logger = logging.getLogger(__name__)


class ControlServer:
    """Serves the control port on a daemon thread until `close()`."""

    def __init__(self, fleet: Fleet, token: str, host: str = "127.0.0.1") -> None:
        handler = _handler_for(fleet, token)
        self._server = ThreadingHTTPServer((host, 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop answering."""
        self._server.shutdown()
        self._server.server_close()


def _handler_for(fleet: Fleet, token: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            logger.info("control: " + format, *args)

        def do_POST(self) -> None:
            offered = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(offered.encode(), token.encode()):
                return self._answer(HTTPStatus.UNAUTHORIZED, {"detail": "令牌不对"})
            if self.path != "/promote":
                return self._answer(HTTPStatus.NOT_FOUND, {"detail": "没有这个操作"})
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                model, model_id = Path(body["model_file"]), str(body["model_id"])
            except (ValueError, KeyError, TypeError):
                return self._answer(
                    HTTPStatus.BAD_REQUEST, {"detail": "需要 model_file 和 model_id"}
                )
            if not model.is_file():
                return self._answer(HTTPStatus.BAD_REQUEST, {"detail": f"没有模型文件 {model}"})
            try:
                fleet.promote(model, model_id)
            except PromotionFailedError as exc:
                return self._answer(HTTPStatus.CONFLICT, {"detail": str(exc)})
            except Exception as exc:  # the operator must hear why, the launcher must live on
                logger.exception("promotion failed")
                return self._answer(
                    HTTPStatus.INTERNAL_SERVER_ERROR, {"detail": f"上线失败：{exc}"}
                )
            self._answer(HTTPStatus.OK, {"urls": list(fleet.table().urls)})

        def _answer(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler

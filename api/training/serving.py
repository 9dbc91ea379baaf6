"""The Rasa server's model API (loopback, token-protected): what it serves, and swapping it.

`PUT /model` loads a model file into the running server; conversations live in
the SQL tracker store, so they carry on with the new model.
"""

from pathlib import Path
from typing import Any

import httpx

LOAD_TIMEOUT_SECONDS = 300.0


class RasaModelError(RuntimeError):
    """Rasa could not be reached or refused the model."""


class RasaModelAPI:
    """A small synchronous client; used by the operators' API and CLI alike."""

    def __init__(self, base_url: str, token: str) -> None:
        self._base = base_url.rstrip("/")
        self._token = token

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("params", {"token": self._token})
        try:
            response = httpx.request(
                method, f"{self._base}{path}", timeout=LOAD_TIMEOUT_SECONDS, **kwargs
            )
        except httpx.HTTPError as exc:
            raise RasaModelError(f"连不上 Rasa 服务：{exc}") from exc
        if response.status_code >= 400:
            raise RasaModelError(
                f"Rasa 拒绝了请求（{response.status_code}）：{response.text[:300]}"
            )
        return response

    def loaded_model_id(self) -> str:
        """Rasa's id of the model it serves now."""
        return str(self._call("GET", "/status").json().get("model_id") or "")

    def load(self, model: Path) -> None:
        """Swap the served model; returns when Rasa has loaded it."""
        self._call("PUT", "/model", json={"model_file": str(model.resolve())})

    def test_story(self, sender_id: str, until: float | None) -> str:
        """The conversation (up to a moment), as Rasa's own end-to-end test story (YAML)."""
        params: dict[str, Any] = {"token": self._token, "all_sessions": "true"}
        if until is not None:
            params["until"] = until
        response = self._call("GET", f"/conversations/{sender_id}/story", params=params)
        return response.text

"""The Rasa servers' model API (loopback, token-protected): what they serve, and changing it.

Where `laoyang run` manages the Rasa processes, a new model is served by new
processes (the launcher's control port, api/rasa/fleet.py): nobody waits and
no memory leaks. Rasa servers run elsewhere (RASA_URLS) get `PUT /model`, one
after the other. Conversations live in the shared SQL tracker store either way,
so they carry on with the new model.
"""

import json
import tarfile
from pathlib import Path
from typing import Any

import httpx

from api.rasa.routing import RouteTable

LOAD_TIMEOUT_SECONDS = 300.0


def model_id_of(path: Path) -> str:
    """Rasa's id of a model archive, from its metadata.json."""
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            if Path(member.name).name == "metadata.json":
                handle = archive.extractfile(member)
                if handle is not None:
                    return str(json.load(handle)["model_id"])
    raise ValueError(f"{path.name} 不是 Rasa 模型文件（没有 metadata.json）")


class RasaModelError(RuntimeError):
    """Rasa could not be reached or refused the model."""


class RasaModelAPI:
    """A small synchronous client; used by the operators' API and CLI alike.

    `routes` names every Rasa server (shard) and, under `laoyang run`, the
    launcher's control port; read calls go to the first shard, as every shard
    serves the same model and reads the same tracker store.
    """

    def __init__(self, routes: RouteTable, token: str) -> None:
        self._routes = routes
        self._base = routes.urls[0]
        self._token = token

    def _call(
        self,
        method: str,
        path: str,
        base: str = "",
        timeout: float = LOAD_TIMEOUT_SECONDS,
        **kwargs: Any,
    ) -> httpx.Response:
        kwargs.setdefault("params", {"token": self._token})
        try:
            response = httpx.request(
                method, f"{base or self._base}{path}", timeout=timeout, **kwargs
            )
        except httpx.HTTPError as exc:
            raise RasaModelError(f"连不上 Rasa 服务：{exc}") from exc
        if response.status_code >= 400:
            raise RasaModelError(
                f"Rasa 拒绝了请求（{response.status_code}）：{response.text[:300]}"
            )
        return response

    def parse(self, text: str, timeout: float) -> dict[str, Any]:
        """NLU only, on the first shard (any serves the same model): Rasa's parse of a text."""
        response = self._call("POST", "/model/parse", timeout=timeout, json={"text": text})
        try:
            return dict(response.json())
        except (ValueError, TypeError) as exc:
            raise RasaModelError(f"Rasa 的解析结果不是 JSON：{exc}") from exc

    def loaded_model_id(self) -> str:
        """Rasa's id of the model it serves now."""
        return str(self._call("GET", "/status").json().get("model_id") or "")

    def load(self, model: Path) -> None:
        """Serve `model` on every shard; returns when they all do, raises if none changed."""
        if self._routes.control_url:
            self._replace_processes(model)
            return
        for url in self._routes.urls:
            self._call("PUT", "/model", base=url, json={"model_file": str(model.resolve())})

    def _replace_processes(self, model: Path) -> None:
        body = {"model_file": str(model.resolve()), "model_id": model_id_of(model)}
        try:
            response = httpx.post(
                f"{self._routes.control_url}/promote",
                json=body,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=LOAD_TIMEOUT_SECONDS + 60,
            )
        except httpx.HTTPError as exc:
            raise RasaModelError(f"连不上启动器的控制端口：{exc}") from exc
        if response.status_code != 200:
            try:
                detail = str(response.json().get("detail"))
            except ValueError:
                detail = response.text[:300]
            raise RasaModelError(f"新模型没能上线（{response.status_code}）：{detail}")

    def test_story(self, sender_id: str, until: float | None) -> str:
        """The conversation (up to a moment), as Rasa's own end-to-end test story (YAML)."""
        params: dict[str, Any] = {"token": self._token, "all_sessions": "true"}
        if until is not None:
            params["until"] = until
        response = self._call("GET", f"/conversations/{sender_id}/story", params=params)
        return response.text

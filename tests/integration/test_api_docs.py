"""/docs and /redoc work with no internet, and read in Chinese with staff and integrators first."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.rasa.fleet import free_port
from api.settings import Settings

CJK = re.compile(r"[\u4e00-\u9fff]")
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture(scope="module")
def client(database_url: str, registry: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, rasa_port=free_port(), app_port=free_port())
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        yield http


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui"), ("/redoc", "redoc")])
def test_the_docs_pages_load_everything_from_the_app_itself(
    client: TestClient, page: str, script: str
) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assets = ASSET.findall(html.text)
    assert any(script in asset and asset.endswith(".js") for asset in assets), assets
    assert "http://" not in html.text and "https://" not in html.text
    for asset in assets:
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        if asset.endswith(".js"):
            assert "javascript" in served.headers["content-type"]
            assert len(served.content) > 100_000  # the real bundle, not a stub
        elif asset.endswith(".css"):
            assert "text/css" in served.headers["content-type"]
    policy = html.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "http" not in policy


def test_the_chat_page_keeps_its_strict_policy(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy


def test_staff_and_integration_sections_come_first_and_every_summary_is_chinese(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    names = [tag["name"] for tag in spec["tags"]]
    assert names[:3] == ["工作人员 · 登录", "工作人员 · 工单", "工作人员 · 统计"]
    assert names.index("对接 · Open311") < names.index("居民 · 对话")
    assert all(CJK.search(name) and CJK.search(tag["description"]) for name, tag in
               zip(names, spec["tags"], strict=True))  # fmt: skip
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["tags"][0] in names, (method, path)
            assert CJK.search(operation.get("summary", "")), (method, path)


def test_a_malformed_ticket_number_is_refused_in_plain_chinese(client: TestClient) -> None:
    for answer in (client.get("/api/tickets/LY-2026"), client.get("/api/tickets/12345678")):
        assert answer.status_code == 422
        assert "工单号格式不对".encode() in answer.content  # UTF-8, not \u escapes
        assert b"\\u" not in answer.content and b"should match" not in answer.content

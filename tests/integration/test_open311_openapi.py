"""The Open311 parameters the views read by hand are in the OpenAPI document."""

from typing import Any

from api.catalogue import SERVICE_CODES
from api.main import create_app
from api.settings import Settings


def _document() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://")).openapi()


def test_filing_documents_its_form_body_and_idempotency_key() -> None:
    post = _document()["paths"]["/open311/v2/requests.{fmt}"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(form["required"]) == {"api_key", "service_code", "description"}
    assert form["properties"]["service_code"]["enum"] == list(SERVICE_CODES)
    assert {"lat", "long", "address_string", "address_id", "phone"} <= set(form["properties"])
    headers = [p["name"] for p in post["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]


def test_the_request_list_documents_its_filters() -> None:
    listed = _document()["paths"]["/open311/v2/requests.{fmt}"]["get"]
    names = {p["name"] for p in listed["parameters"] if p["in"] == "query"}
    assert names == {"service_request_id", "service_code", "start_date", "end_date", "status"}

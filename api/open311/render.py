"""Rendering Open311 answers as JSON or XML, and its error format.

XML is built with ElementTree, which escapes text; characters XML 1.0 cannot
carry (most C0 controls, lone surrogates) are dropped so the document always
parses. JSON is the spec's mechanical mapping of the same structure: lists
are top-level arrays, except the service definition, which is one object.
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Final

from fastapi.responses import Response
from pydantic import BaseModel

from api.open311.schemas import ErrorEntry

XML_DECLARATION: Final = '<?xml version="1.0" encoding="utf-8"?>\n'
XML_MEDIA_TYPE: Final = "text/xml; charset=utf-8"
JSON_MEDIA_TYPE: Final = "application/json; charset=utf-8"
# What a list's children are called in XML (services > service, attributes > attribute, ...).
ITEM_NAMES: Final[dict[str, str]] = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Format(StrEnum):
    """The two response formats; the URL's extension chooses."""

    JSON = "json"
    XML = "xml"


def parse_format(value: str) -> Format | None:
    """The format an extension names, or None when we do not speak it."""
    try:
        return Format(value.lower())
    except ValueError:
        return None


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, data: Any) -> bytes:
    """An XML document with the given root element, UTF-8 with declaration."""
    element = ET.Element(root)
    _fill(element, data)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode("utf-8")


def to_json(data: Any) -> bytes:
    """Compact UTF-8 JSON; Chinese stays readable."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "replace")


def _plain(data: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    return [item.model_dump(mode="json") for item in data]


def respond(
    fmt: Format, root: str, data: BaseModel | Sequence[BaseModel], status_code: int = 200
) -> Response:
    """One Open311 answer in the requested format."""
    plain = _plain(data)
    if fmt is Format.XML:
        return Response(to_xml(root, plain), status_code=status_code, media_type=XML_MEDIA_TYPE)
    return Response(to_json(plain), status_code=status_code, media_type=JSON_MEDIA_TYPE)


def error_response(fmt: Format, status_code: int, *descriptions: str) -> Response:
    """The spec's error list; descriptions are ours, never the caller's input."""
    errors = [ErrorEntry(code=status_code, description=text) for text in descriptions]
    return respond(fmt, "errors", errors, status_code)


def retry_later(fmt: Format, status_code: int, description: str, seconds: int) -> Response:
    """An error the caller should retry (429, 503): with Retry-After in whole seconds."""
    response = error_response(fmt, status_code, description)
    response.headers["Retry-After"] = str(seconds)
    return response

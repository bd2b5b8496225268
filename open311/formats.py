"""GeoReport v2's two formats: XML (the specification's element names) and JSON (its Spark convention).

A document is built once as plain Python values — dicts, lists, strings, numbers, booleans, ``None`` —
and drawn in either format. The Spark convention maps XML to JSON: a container of repeated elements
(``<services><service>…``) is a JSON array, and a list document drops its root (``[{...}, ...]``).
Empty values are ``null`` in JSON and an empty element in XML. Everything is UTF-8.
"""

import json
import re
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The element each container repeats, as the specification names them.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF): text a citizen
# typed may hold them, and one of them would make the whole document unreadable to every client.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ElementTree.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as the XML document whose root element is ``root``."""
    element = ElementTree.Element(root)
    _fill(element, value)
    return (_DECLARATION + ElementTree.tostring(element, encoding="unicode")).encode()


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode()


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """The document in the asked format; ``root`` names the XML root (JSON drops it)."""
    fmt = fmt if fmt in FORMATS else "xml"  # XML is the format every client must read
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, errors: list[tuple[int, str]], *, status: int) -> HttpResponse:
    """The specification's error document: a list of ``{code, description}``, with ``status`` as HTTP status."""
    return render(fmt, "errors", [{"code": code, "description": str(text)} for code, text in errors], status=status)

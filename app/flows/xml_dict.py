"""XML <-> dict conversion for payloads: safe parsing (no entities, no network) and a round-trippable dict form."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

# Prefix `p:name` names are allowed so namespaced documents survive a round trip as written.
_NCNAME = r"[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*"
_NAME = re.compile(f"{_NCNAME}(?::{_NCNAME})?")
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LXML_POSITION = re.compile(r"(?:,? line \d+, column \d+)?(?: \(<string>, line \d+\))?$")
DEFAULT_ROOT = "root"
LIST_ITEM = "item"


class XmlError(ValueError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _parser(encoding: str | None) -> etree.XMLParser:
    # A parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, strip_cdata=True,
                           encoding=encoding)


def parse_xml(raw: bytes | str) -> dict:
    """Parse XML into {root_name: content}; raises XmlError.

    Bytes follow their own encoding declaration (UTF-8 by default). Text was already decoded, so any
    declaration in it is ignored.
    """
    encoding = None
    if isinstance(raw, str):
        raw, encoding = raw.encode("utf-8"), "utf-8"
    try:
        root = etree.fromstring(raw, _parser(encoding))
    except etree.XMLSyntaxError as exc:
        line, column = (exc.position or (None, None))
        raise XmlError(_LXML_POSITION.sub("", str(exc)), line, column) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        # Entity declarations are how XXE and "billion laughs" attacks start; payloads never need them.
        raise XmlError("XML entity declarations (<!ENTITY>) are not allowed")
    return {_qname(root, root.tag): _content(root, {})}


def _qname(el: etree._Element, clark: str, attribute: bool = False) -> str:
    if not clark.startswith("{"):
        return clark
    uri, local = clark[1:].split("}", 1)
    if uri == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{local}"
    if not attribute and el.prefix is not None:
        return f"{el.prefix}:{local}"
    for prefix, ns in el.nsmap.items():
        if ns == uri and (prefix or not attribute):
            return f"{prefix}:{local}" if prefix else local
    return local


def _content(el: etree._Element, parent_ns: dict) -> Any:
    node: dict[str, Any] = {}
    for prefix, uri in el.nsmap.items():
        if parent_ns.get(prefix) != uri:
            node["@xmlns" + (f":{prefix}" if prefix else "")] = uri
    for name, value in el.attrib.items():
        node["@" + _qname(el, name, attribute=True)] = value
    texts = [el.text] if el.text else []
    has_children = False
    for child in el:
        if child.tail:
            texts.append(child.tail)
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions, entity references
        has_children = True
        name = _qname(child, child.tag)
        value = _content(child, el.nsmap)
        if name in node:
            if not isinstance(node[name], _Repeated):
                node[name] = _Repeated([node[name]])
            node[name].append(value)
        else:
            node[name] = value
    text = "".join(texts)
    if has_children:
        # Between child elements, text is indentation unless it says something.
        text = text.strip()
    elif not node:
        return text if text else None
    if text:
        node["#text"] = text
    return {k: list(v) if isinstance(v, _Repeated) else v for k, v in node.items()}


class _Repeated(list):
    """Marks a list built from repeated elements, as opposed to a value that already was a list."""


# --- dump --------------------------------------------------------------------------------------

def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise XmlError(f"{name!r} is not a valid XML element or attribute name")
    return name


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    text = "" if value is None else str(value)
    bad = _INVALID_CHARS.search(text)
    if bad:
        raise XmlError(f"character U+{ord(bad.group()):04X} cannot be written in XML")
    return text


def _escape_text(text: str) -> str:
    # \r is written as a reference, otherwise every XML parser turns it into \n.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escape_attr(text: str) -> str:
    return (_escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _write(name: str, value: Any, out: list[str]) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _write(name, item, out)
        return
    _check_name(name)
    if not isinstance(value, dict):
        text = _scalar(value)
        out.append(f"<{name}>{_escape_text(text)}</{name}>" if text else f"<{name}/>")
        return
    attrs = "".join(f' {_check_name(k[1:])}="{_escape_attr(_scalar(v))}"'
                    for k, v in value.items() if k.startswith("@"))
    inner: list[str] = []
    if value.get("#text") is not None:
        inner.append(_escape_text(_scalar(value["#text"])))
    for key, child in value.items():
        if not key.startswith(("@", "#")):
            _write(key, child, inner)
    body = "".join(inner)
    out.append(f"<{name}{attrs}>{body}</{name}>" if body else f"<{name}{attrs}/>")


def dump_xml(obj: Any) -> bytes:
    """Write the dict form back as UTF-8 XML; anything without a single root is wrapped in <root>."""
    if isinstance(obj, dict) and len(obj) == 1:
        (name, value), = obj.items()
        if not name.startswith(("@", "#")) and not isinstance(value, (list, tuple)):
            return _document(name, value)
    if isinstance(obj, (list, tuple)):
        return _document(DEFAULT_ROOT, {LIST_ITEM: list(obj)})
    return _document(DEFAULT_ROOT, obj)


def _document(name: str, value: Any) -> bytes:
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(name, value, out)
    return "".join(out).encode("utf-8")

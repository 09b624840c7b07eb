"""XML from other people's servers, parsed by kept libraries with entities, DTDs and network off.

Every XML parse of the project goes through here: the ILGA bulk status files and the parts of a
.docx (`parse_strict`, ElementTree API through ``defusedxml``), and BoardDocs feeds
(`parse_lenient`, lxml in recover mode, because those feeds are often not well-formed).

The guards live in the parsers, on DECODED text, not in a scan of raw bytes: a declaration hidden
by an encoding (UTF-7 ``+ADw-!DOCTYPE``, UTF-16) is decoded first and then meets the parser's
refusal like any other. No entity is ever expanded and no DTD or external resource is loaded, so
the output is bounded by the input.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree
from lxml import etree

from pipeline.models import clean_text


class XmlRefused(ValueError):
    """XML that declares a DTD or entities, or is not well-formed (the message says which)."""


# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# "<" in UTF-16/32 without a mark (XML 1.0 appendix F; "<" then NUL is never UTF-8 markup).
_UNMARKED = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
# The declared encoding of an ASCII-compatible document.
_DECLARED_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# The declaration in decoded text (dropped: a parser handed text must not re-decode it).
_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# Where a document type declaration begins.
_DOCTYPE_RE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
# Markup declarations outside a DOCTYPE (meaningless there, but never handed to a parser).
_DECL_RE = re.compile(r"<!(?:ENTITY|ELEMENT|ATTLIST|NOTATION)\b[^>]*>?", re.IGNORECASE)


def decode_xml(body: bytes, fallback: str = "cp1252") -> str:
    """The text of an XML document: its byte-order mark, else its declared encoding, else UTF-8.

    A declared encoding that is unknown or does not fit the bytes falls back to `fallback`
    (servers declare UTF-8 and send Windows-1252). The XML declaration is removed.
    """
    encoding = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    if encoding is not None:
        text = body.decode(encoding, "replace").removeprefix("\ufeff")
    else:
        encoding = next((name for mark, name in _UNMARKED if body.startswith(mark)), None)
        if encoding is None:
            declared = _DECLARED_RE.match(body[:1024])
            encoding = declared.group(1).decode("ascii") if declared else "utf-8"
        try:
            text = body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = body.decode(fallback, "replace")
    return _DECLARATION_RE.sub("", text.lstrip("\ufeff"), count=1)


def parse_strict(text: str) -> ET.Element:
    """A well-formed document as an ElementTree element; `XmlRefused` for a DTD or bad XML.

    Control characters XML forbids are removed first (the ILGA files carry some).
    """
    try:
        return defusedxml.ElementTree.fromstring(
            clean_text(text), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise XmlRefused(f"XML with a DOCTYPE or ENTITY declaration refused ({exc})") from None
    except ET.ParseError as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from exc


def _strip_doctypes(text: str) -> str:
    """`text` without its DOCTYPE declarations, internal subsets included (one linear pass).

    A subset's quoted strings may hold "]" or ">", so quotes and brackets are followed; an
    unterminated declaration runs to the end of the text.
    """
    out: list[str] = []
    pos = 0
    while (found := _DOCTYPE_RE.search(text, pos)) is not None:
        start = found.start()
        out.append(text[pos:start])
        i, depth, quote = found.end(), 0, ""
        while i < len(text):
            c = text[i]
            if quote:
                quote = "" if c == quote else quote
            elif c in "\"'":
                quote = c
            elif c == "[":
                depth += 1
            elif c == "]":
                depth = max(depth - 1, 0)
            elif c == ">" and depth == 0:
                break
            i += 1
        pos = i + 1
    out.append(text[pos:])
    return "".join(out)


def _lenient_parser() -> etree.XMLParser:
    # huge_tree stays off: libxml2's own size and amplification limits hold.
    return etree.XMLParser(
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        encoding="utf-8",
    )


def parse_lenient(text: str) -> etree._Element:
    """A possibly broken document as an lxml element (libxml2 recover mode); never expands entities.

    Declarations are removed from the text before parsing, and a document in which the parser
    still found a DTD is refused (`XmlRefused`), so no entity of any kind is ever defined.
    """
    text = _DECL_RE.sub("", _strip_doctypes(clean_text(text)))
    parser = _lenient_parser()
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError:  # nothing recoverable at all (an empty document)
        root = None
    if root is None:
        return etree.fromstring(b"<empty/>", parser)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRefused("XML with a DOCTYPE declaration refused")
    return root

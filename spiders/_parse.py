"""Helpers every platform spider shares: text, URLs, decoding, lenient markup.

One copy of each (issue 9): a spider imports these rather than keeping its own. They are pure
functions of their arguments, so table tests (``tests/test_fields.py`` for addresses and text)
cover every spider at once. `web_url` is the one check of every address a spider keeps (issue 10;
docs/platforms.md §3.8). Dates and times are read by `spiders._when`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector, SelectorList
from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

from pipeline.text.safexml import decode_xml, parse_lenient

# --- text -------------------------------------------------------------------------------------

# Characters that render as nothing: zero-width spaces and joiners, the BOM, soft hyphens; and
# what is not text at all: control characters (C0 but the whitespace `split` folds, DEL, C1)
# and lone surrogates (a JSON "\ud800" escape), which would break the stored JSON.
INVISIBLE_RE = re.compile(
    "[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]"
)


class BadValue(ValueError):
    """A value that is there but cannot stand in its field (a link to no web address).

    The spider drops that field, with a counted warning, and keeps the rest of the row.
    """


def squash(value: Any) -> str:
    """Single-spaced text ("" for None); odd spaces fold, control characters are dropped.

    Non-breaking and zero-width spaces fold; control characters and lone surrogates go.
    """
    if value is None:
        return ""
    return " ".join(INVISIBLE_RE.sub("", str(value)).split())


def text(selected: Selector | SelectorList[Selector] | None) -> str:
    """All text under a selection (each node's ``string()``), single-spaced."""
    if selected is None:
        return ""
    return squash(" ".join(selected.xpath("string()").getall()))


# --- URLs -------------------------------------------------------------------------------------

# An address pasted after a path by a template bug: "/TemplateDesigner/https://host/MetaViewer…".
EMBEDDED_URL_RE = re.compile(r"^[^:?#]*?/(https?://.+)$", re.IGNORECASE)
# An href that is no link at all, by design: empty, an in-page anchor, a script that does nothing
# ("javascript:void(0);", "javascript:;") — pages put these on buttons whose onclick does the work.
NO_LINK_RE = re.compile(
    r"^(?:#.*|javascript:\s*(?:void\s*\(?\s*0\s*\)?|return\s+false)?\s*;?\s*)$", re.I
)
# Characters a browser removes from an address before reading it (WHATWG URL: tab, CR, LF).
URL_STRIPPED_RE = re.compile(r"[\t\r\n]")
# The model's own check of an address (`pipeline.models.Link.url` is `HttpUrl`): pydantic's URL
# schema with `HttpUrl`'s constraints, run by pydantic-core without the Python wrapper around it
# (half the cost; `tests/test_fields.py` holds the two to the same verdicts).
HTTP_URL = SchemaValidator(
    core_schema.url_schema(max_length=2083, allowed_schemes=["http", "https"], host_required=True)
)
# A quoted argument in script that looks like an address: absolute, protocol-relative, rooted,
# or a page of a known server technology ("Video.aspx?…", "MediaPlayer.php?…").
SCRIPT_URL_RE = re.compile(
    r"""["']((?:https?:)?//[^"'\s]+|/[^"'\s]+|[\w./-]+\.(?:aspx|ashx|php|html?|pdf|cfm|jsp)"""
    r"""(?:\?[^"'\s]*)?)["']""",
    re.IGNORECASE,
)


def query_value(url: str, key: str) -> str | None:
    """One query parameter of `url`, matched case-insensitively."""
    for name, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items():
        if name.lower() == key.lower() and values:
            return values[0]
    return None


def is_http(value: Any) -> bool:
    """True for an absolute http(s) URL string."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def web_url(href: Any, base: str = "") -> str | None:
    """The absolute, normalised http(s) address `href` stands for on page `base`.

    The one check of every address a spider keeps (issue 10): None where `href` is no link at
    all (empty, ``#…``, ``javascript:void(0)``); `BadValue` where it is there but is not a usable
    web address — another scheme (``mailto:``, ``javascript:alert(1)``, ``ftp:``), a broken host
    (``http://evil.example|click``, a space in the host), an address too long. A space in a path
    is percent-encoded, as browsers do. What it returns, `pipeline.models.Link` accepts.

    Protocol-relative vendor links (``//host/…``) take https; a bare ``www.host/…`` (no scheme,
    seen on Granicus agendas) is a host, not a relative path; an address pasted after a path
    (``/TemplateDesigner/https://…``, Walnut Creek's minutes) is that address.
    """
    if href is None:
        return None
    if not isinstance(href, str):
        raise BadValue(f"not an address but a {type(href).__name__}")
    href = INVISIBLE_RE.sub("", URL_STRIPPED_RE.sub("", href)).strip()
    if not href or NO_LINK_RE.match(href):
        return None
    embedded = EMBEDDED_URL_RE.match(href)
    if embedded:
        href = embedded.group(1)
    if href.startswith("//"):
        href = f"https:{href}"
    elif href.lower().startswith("www."):
        href = f"https://{href}"
    try:  # most addresses are absolute already: joining them is the costly part
        url = href if href[:8].lower().startswith(("http://", "https://")) else urljoin(base, href)
    except ValueError as exc:  # urljoin rejects a malformed IPv6 host
        raise BadValue(str(exc)) from exc
    if not is_http(url):
        scheme = href.split(":", 1)[0][:20] if ":" in href else ""
        raise BadValue(f"not an http(s) address ({scheme or 'relative'}: link)")
    try:
        return str(HTTP_URL.validate_python(url))
    except ValidationError as exc:
        raise BadValue(exc.errors()[0]["msg"]) from exc


def absolute(href: str | None, base: str) -> str | None:
    """`web_url`, None for any value that is no usable address (for guesses: script arguments)."""
    try:
        return web_url(href, base)
    except BadValue:
        return None


def script_url(script: str | None, base: str) -> str | None:
    """The address a link's script opens (``onclick``, ``javascript:`` href), made absolute.

    Players and viewers open in windows: ``window.open('//host/MediaPlayer.php?…')``,
    ``OpenTelerikWindow('Video.aspx?…')``, ``OpenWindow("/Citizens/SplitView.aspx?…")``.
    """
    for match in SCRIPT_URL_RE.finditer(script or ""):
        url = absolute(match.group(1), base)
        if url:
            return url
    return None


def link_url(anchor: Selector, base: str) -> str | None:
    """Where an ``<a>`` really leads: its href, else the address in its script.

    `BadValue` when the href is a bad address (``mailto:``, a broken host) and no script names a
    good one: the caller drops that link, counted (`AgendaSpider.anchor_url`).
    """
    href = anchor.attrib.get("href")
    problem: BadValue | None = None
    try:
        url = web_url(href, base)
    except BadValue as exc:
        url, problem = None, exc
    if url and url.split("#")[0] != base.split("#")[0]:
        return url
    scripted = script_url(anchor.attrib.get("onclick"), base) or script_url(href, base)
    if scripted:
        return scripted
    if problem is not None:
        raise problem
    return url


# --- bytes, markup and JSON -------------------------------------------------------------------

# A declared character set: <meta charset=…>, content="text/html; charset=…", <?xml encoding=…?>.
CHARSET_RE = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode(body: bytes) -> str:
    """Text of a saved page: its declared charset, else UTF-8, else Windows-1252.

    Pages often declare nothing yet carry UTF-8 (IQM2's curly apostrophes); reading those as
    Latin-1 turns "’" into "â€™", so UTF-8 is tried before the single-byte fallback.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    declared = CHARSET_RE.search(body[:4096])
    if declared:
        try:
            return body.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def html_page(markup: str | bytes) -> Selector:
    """An HTML page or fragment, parsed the way browsers do (lxml in recover mode)."""
    return Selector(text=decode(markup) if isinstance(markup, bytes) else markup, type="html")


# XML tags, comments, CDATA and declarations (for `balance_xml`).
XML_TOKEN_RE = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[!?][^>]*>|<(/?)([A-Za-z_][\w.:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>",
    re.DOTALL,
)


def balance_xml(markup: str) -> tuple[str, int]:
    """`markup` with stray closing tags dropped and unclosed elements closed; and how many fixes.

    libxml2's own recovery stops a document at the first closing tag that matches no open
    element (a BoardDocs feed with stray ``</category>`` ended after 3 of 21 meetings), so the
    tags are balanced first.
    """
    out: list[str] = []
    stack: list[str] = []
    fixes = pos = 0
    for token in XML_TOKEN_RE.finditer(markup):
        out.append(markup[pos : token.start()])
        pos = token.end()
        closing, name, _attrs, empty = token.groups()
        if name is None or empty:
            out.append(token.group(0))
        elif not closing:
            stack.append(name)
            out.append(token.group(0))
        elif name in stack:
            while stack[-1] != name:
                out.append(f"</{stack.pop()}>")
                fixes += 1
            stack.pop()
            out.append(token.group(0))
        else:
            fixes += 1  # a closing tag with no open element: dropped
    out.append(markup[pos:])
    fixes += len(stack)
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out), fixes


def xml_page(markup: str | bytes) -> tuple[Selector, int]:
    """An XML document with its tags balanced first (see `balance_xml`); and the fixes made.

    Parsed leniently but safely (`pipeline.text.safexml.parse_lenient`: decoded first, no DTD,
    no entity expansion, no network); a document that still declares a DTD raises `XmlRefused`.
    """
    balanced, fixes = balance_xml(decode_xml(markup) if isinstance(markup, bytes) else markup)
    return Selector(root=parse_lenient(balanced), type="xml"), fixes


def load_json(body: bytes | str) -> Any:
    """Decoded JSON; an Angular ``)]}',`` guard and a BOM are dropped first. Raises ValueError."""
    raw = decode(body) if isinstance(body, bytes) else body
    raw = raw.lstrip("\ufeff \r\n\t")
    if raw.startswith(")]}'"):
        raw = raw.split("\n", 1)[-1] if "\n" in raw else raw[4:].lstrip(",")
    return json.loads(raw)


def json_records(data: Any, keys: Iterable[str]) -> list[dict[str, Any]] | None:
    """The list of records in a JSON answer that carry any of `keys`, wherever it is wrapped.

    An array of records is itself; an object is searched (breadth first) for the first array of
    such records: ``{"d": […]}``, ``{"value": […]}``, ``{"data": […]}``, ``{"meetings": […]}``.
    One object that is itself such a record is a list of one. None when nothing fits.
    """
    wanted = set(keys)
    queue: list[Any] = [data]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list):
            records = [r for r in node if isinstance(r, dict)]
            if any(wanted & r.keys() for r in records):
                return records
            queue.extend(r for r in node if isinstance(r, (dict, list)))
        elif isinstance(node, dict):
            if node is data and wanted & node.keys():
                return [node]
            queue.extend(v for v in node.values() if isinstance(v, (dict, list)))
    return None

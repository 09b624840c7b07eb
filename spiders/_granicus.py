"""Granicus page helpers: listing-table roles and the outlines of HTML agendas and minutes.

Used by ``granicus.py``; here so the spider module stays readable. See its docstring for the
facts these rely on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from pipeline.models import LinkKind
from spiders._parse import squash, text
from spiders._vocab import BODY_WORD_RE, clean_name

# An agenda outline number as printed: "A.", "G.1", "IV.", "a.", "12.", "3.b".
OUTLINE_RE = re.compile(r"^(?:[A-Z]{1,4}|[a-z]|\d{1,3})(?:\.[0-9a-z]{1,3})*\.?$")
# Listing column roles from a header token or text: name, date, duration (others are documents).
NAME_HEADERS = {"name", "eventname", "meeting", "meetingname", "event", "title", "body"}


def column_labels(table: Selector) -> list[str]:
    """A table's column labels: each header cell's id, else its text (lower case)."""
    heads = table.xpath("./thead/tr[th][1]/th | ./tr[th][1]/th | ./tbody/tr[th][1]/th")
    return [(th.attrib.get("id") or text(th)).lower() for th in heads]


def cell_roles(tr: Selector, labels: list[str]) -> dict[str, Selector]:
    """A listing row's cells by role ("name", "date", "duration", …); {} when it is not one.

    A cell's role comes from its ``headers=`` token (``Name``, ``EventName``, ``Date …``) or,
    without one, from its column's label (`_column_labels`).
    """
    roles: dict[str, Selector] = {}
    for position, cell in enumerate(tr.xpath("./td")):
        tokens = cell.attrib.get("headers", "").split()
        key = tokens[0].lower() if tokens else (labels[position] if position < len(labels) else "")
        key = re.sub(r"[^a-z]", "", key)
        if "date" in key:
            role = "date"
        elif key in NAME_HEADERS or key.endswith("name"):
            role = "name"
        elif "duration" in key:
            role = "duration"
        else:
            role = key or f"column{position}"
        roles.setdefault(role, cell)
    return roles if "name" in roles and "date" in roles else {}


def first_line(cell: Selector) -> str:
    """An agenda cell's title: its text up to the first line break, pieces joined as rendered."""
    pieces: list[str] = []
    for node in cell.xpath(".//text()[not(ancestor::script or ancestor::style)] | .//br"):
        if not isinstance(node.root, str):  # a <br>
            if "".join(pieces).strip():
                break
            continue
        pieces.append(node.root)
    return squash("".join(pieces))


def outline(
    page: Selector, with_documents: bool = False
) -> Iterator[tuple[str, Selector, int] | Selector]:
    """(number, title cell, indent) for the HTML agenda templates seen, in page order.

    Bozeman: ``h2``/``h3`` holding a number ``span`` then a title ``span``. Classic Granicus
    (LAWA ``td.numberspace``, Walnut Creek): a cell holding only the number, then the title
    cell; nested ``blockquote``s indent. With `with_documents`, document links between items
    come too (as the ``a`` selectors themselves).
    """
    query = "//h2[span] | //h3[span] | //td[following-sibling::td]"
    if with_documents:
        query += (
            " | //a[contains(@href, 'MetaViewer') or contains(@href, 'MediaPlayer')"
            " or contains(@class, 'Document')]"
        )
    for node in page.xpath(query):
        if node.root.tag == "a":
            if not node.xpath("ancestor::td[following-sibling::td or preceding-sibling::td]"):
                yield node
            continue
        if node.root.tag == "td":
            number, cell = text(node), node.xpath("following-sibling::td[1]")
        else:
            spans = node.xpath("./span")
            number, cell = text(spans[0]), spans[1:2]
        if cell and OUTLINE_RE.match(number) and text(cell[0]):
            yield number, cell[0], len(node.xpath("ancestor::blockquote"))


def url_link_kind(url: str, label: str) -> LinkKind:
    lowered = f"{url} {label}".lower()
    if "agendaviewer" in lowered or "packet" in lowered:
        return "packet" if "packet" in label.lower() else "agenda"
    if "minutesviewer" in lowered or "minutes" in lowered or "transcript" in lowered:
        return "minutes"
    if any(k in lowered for k in ("mediaplayer", ".mp4", ".mp3", "asx.php", "video")):
        return "video"
    return "other"


def viewer_id(agenda_url: str | None) -> str | None:
    """``clip_id=2784`` or ``event_id=1468`` from an AgendaViewer URL (the platform's id)."""
    if not agenda_url:
        return None
    query = dict(parse_qsl(urlsplit(agenda_url).query))
    for key in ("clip_id", "event_id"):
        if query.get(key):
            return f"{key}={query[key]}"
    return None


def row_note(when: str, roles: dict[str, Selector]) -> str:
    """A table row's text besides its title: the date cell's visible words, then the other cells'."""
    others = (
        t
        for r, c in roles.items()
        if r not in ("name", "date")
        for t in c.xpath(".//text()").getall()
    )
    return squash(" ".join([when, *others]))


def view_body(page: Selector) -> str:
    """The body a view publishes, from the page's ``<title>`` (empty when it names none).

    Gardena's view is titled "Planning and Environmental Quality Commission - Granicus Content";
    Norwalk's "Norwalk CA view - Granicus Content" names no body.
    """
    name = clean_name(text(page.xpath("//head/title")))
    return name if BODY_WORD_RE.search(name) else ""

"""Split an agenda document's text into numbered items (PDF, .docx or HTML text, page by page).

`split_agenda` works on the per-page text that `pipeline.text.pdftext` extracts (or one "page" of DOCX or
HTML text). It has no layout information, only lines, so it finds items by their *numbering*:

1. Running headers and footers are dropped: lines that recur near the top or bottom of most pages
   (digits ignored) and page-number lines ("Page 2 of 8", "3 of 7 …", "-4-"). This step, and
   reading the markers of step 2, are `pipeline.text.agenda_lines`.
2. Every line that starts like a list marker ("1.", "1)", "A.", "a)", "VIII.", "(a)", "(1)", "7.b",
   "G.1", "1.A") is a candidate. The top level is the longest run of one numbering scheme counting
   up from its first value (1, A, a, I, i) — preferring a run that ends in an adjournment — so
   boilerplate lists ("1. IN PERSON … 5. ECOMMENT") lose to the agenda's own numbering.
3. Inside that run, a marker continues the innermost open list whose next value it is, or opens a
   sub-list when it is a first value (a list restarting under a new sub-heading restarts the
   sub-level). Nesting stops at `MAX_LEVEL`; deeper lists (recommendation steps) stay body text.
   After a "Recommendation:"/"MOTION:"-style line, no new list opens until the next item.
4. Splitting stops after the adjournment item (or an "ADJOURNMENT" heading line), so packet pages,
   staff reports and schedules that restart their own numbering are not taken for items — unless
   the adjournment names a meeting and an all-caps "… MEETING" heading follows it (two meetings in
   one agenda, Sunnyvale): then the rest is split again and kept if that meeting adjourns too.
5. Legistar table rows print bare numbers ("2 Roll Call", "2 16-0046", "A 16-0361"). They are read
   only as a top-level run counting from a bare "1" (sub-items only as bare letters before a file
   id), or as items "2", "3", … before a file id continuing a "1.A", "1.B" run (see `pipeline.text.agenda_lines`).

Unnumbered agendas (items that are bare paragraphs, bullets or bold headings) return ``[]``: a
best-effort guess from plain text would invent items, and a meeting without items is visible
downstream, while wrong items are not. Line-end hyphens are kept ("Non-" + "resident" →
"Non-resident"): in agendas they are far more often compounds than syllable breaks.
"""

from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field

from pipeline.models import StrictModel
from pipeline.text.agenda_lines import (
    BARE,
    Line,
    Marker,
    clean_lines,
    is_bare,
    parse_bare,
    parse_marker,
    squash,
)

MAX_LEVEL = 1  # items (level 0) and one level of sub-items; deeper lists are body text
MAX_TITLE_LINES = 8  # a marker line plus wrapped lines (Legistar: type, file id, 5 title lines)
MAX_LOOKBACK = 8  # lines above a bare "1.B 16-0348" marker that may hold its title (Legistar)
MAX_TITLE_CHARS = 600
MAX_TEXT_CHARS = 1000  # body text kept per item (descriptions, recommendations)
# An item title that ends the meeting: "Adjournment", "ADJOURN meeting to …", "Motion to adjourn the
# meeting." — but not "Motion to adjourn to Executive Session".
_ADJOURN_RE = re.compile(
    r"^(?:motion\s+to\s+)?adjourn(?:ment|ed)?\b(?!.*\b(?:executive|closed)\s+session)", re.I
)
# An unnumbered adjournment heading on a line of its own.
_ADJOURN_LINE_RE = re.compile(r"^adjourn(?:ment)?\.?$", re.I)
# Lines after which a numbered list is an item's body, not sub-items.
_BODY_LEAD_RE = re.compile(
    r"^(?:recommendations?\b|staff recommends|suggested motion|motion\b|result:|roll call vote"
    r"|attachments?:|fiscal impact)",
    re.I,
)
# A wrapped line ends in a word or sign that cannot end a title.
_OPEN_END_RE = re.compile(
    r"(?:[,;&(/–—-]|\b(?:and|or|of|the|to|for|in|on|at|by|with|from|a|an|as|per|under|into))$",
    re.I,
)
# A short parenthetical line under a title: "(ACTION)", "(discussion only)".
_PAREN_LINE_RE = re.compile(r"^\([^()]{1,40}\)$")
# Legistar prints the matter type before the file number: "b) REPORT / 23-0021 / TITLE".
_LEGISTAR_TYPE_RE = re.compile(r"^REPORT\s+(?=\d{2}-\d{4}\b)")
# A title that is only a Legistar file number: the real title was printed above it (Sunnyvale).
_FILE_ONLY_RE = re.compile(r"^\d{2}-\d{4}$")
_FILE_ID_RE = re.compile(r"^\d{2}-\d{4}\b")
# An all-caps heading opening a second meeting: "SPECIAL CITY COUNCIL MEETING (Immediately …".
_MEETING_HEADING_RE = re.compile(r"^[A-Z][A-Z&/ -]*\bMEETING\b")
_MEETING_RE = re.compile(r"\bmeeting\b", re.I)
_FIRST = 1


class SplitItem(StrictModel):
    """One agenda item found in a document's text.

    - ``number``: the marker as printed ("1.", "A.", "7.b", "VIII.", "(a)", "a)").
    - ``title``: the marker line's text plus wrapped lines, whitespace collapsed.
    - ``text``: body lines after the title up to the next item (at most `MAX_TEXT_CHARS`).
    - ``page``: 1-based page where the item starts; ``level``: 0 for items, 1 for sub-items.
    """

    number: str
    title: str
    text: str = ""
    page: int
    level: int


@dataclass
class _Level:
    key: str
    expected: int
    prefix: str = ""


@dataclass
class _Found:
    marker: Marker
    level: int
    title_end: int = 0  # index of the last line used by the title
    body: list[str] = field(default_factory=list)


def split_agenda(pages: list[str]) -> list[SplitItem]:
    """Split per-page agenda text into numbered items, in document order (see the module doc).

    Returns ``[]`` for an agenda without numbering (or with fewer than two top-level items).
    """
    lines = clean_lines(pages)
    markers = [
        m
        for i, line in enumerate(lines)
        if (m := parse_marker(i, line.text) or parse_bare(i, line))
    ]
    width = _line_width(lines)
    items: list[SplitItem] = []
    start = 0
    while top := _top_run(lines, [m for m in markers if m.index >= start]):
        found, stop = _nest(lines, [m for m in markers if m.index >= start], top)
        if items and not _adjourns(lines, found, stop):  # a second "meeting" must adjourn too
            break
        heading = _next_meeting(lines, found, stop)
        items += _items(lines, found, stop if heading is None else heading, width, start)
        if heading is None:
            break
        start = heading
    return items


def _adjourns(lines: list[Line], found: list[_Found], stop: int) -> bool:
    """Whether the meeting split into `found` ends in an adjournment item or heading."""
    last = found[-1].marker
    if _is_adjournment(last):
        return True
    return any(_ADJOURN_LINE_RE.match(ln.text) for ln in lines[last.index + 1 : stop + 1])


def _next_meeting(lines: list[Line], found: list[_Found], stop: int) -> int | None:
    """Index of the heading of a second meeting right after this one's adjournment, or None.

    The adjournment must name a meeting ("Adjourn Joint Meeting …") and be followed within three
    lines by an all-caps heading ("SPECIAL CITY COUNCIL MEETING (…").
    """
    last = found[-1].marker
    if found[-1].level or not _is_adjournment(last) or not _MEETING_RE.search(last.rest):
        return None
    for i in range(last.index + 1, min(stop, last.index + 4)):  # just below the title
        if _MEETING_HEADING_RE.match(lines[i].text):
            return i
    return None


def _items(
    lines: list[Line], found: list[_Found], stop: int, width: int, start: int
) -> list[SplitItem]:
    """The items of one meeting (from line `start`): titles, taken from above a bare file id."""
    spans: list[tuple[int, int, str]] = []  # (first line, last line, title) per item
    for n, f in enumerate(found):
        limit = found[n + 1].marker.index if n + 1 < len(found) else stop
        title, end = _title(lines, f.marker, limit, width)
        begin = f.marker.index
        if _FILE_ONLY_RE.match(title):
            floor = spans[-1][1] + 1 if spans else start
            above, begin = _title_above(lines, f.marker.index, floor)
            title = f"{title} {above}".strip()
        spans.append((begin, end, title))
    items: list[SplitItem] = []
    for n, (f, (_, end, title)) in enumerate(zip(found, spans, strict=True)):
        limit = spans[n + 1][0] if n + 1 < len(spans) else stop
        if n + 1 == len(spans) and _is_adjournment(f.marker):  # what follows is not its text
            limit = min(limit, _page_end(lines, end))
        body = " ".join(line.text for line in lines[end + 1 : limit])
        items.append(
            SplitItem(
                number=f.marker.number,
                title=title,
                text=squash(body)[:MAX_TEXT_CHARS],
                page=lines[f.marker.index].page,
                level=f.level,
            )
        )
    return items


def _page_end(lines: list[Line], index: int) -> int:
    """Index just past the last line on the page of line `index`."""
    end = index + 1
    while end < len(lines) and lines[end].page == lines[index].page:
        end += 1
    return end


def _title_above(lines: list[Line], index: int, floor: int) -> tuple[str, int]:
    """Title lines printed above a number-and-file-id marker; returns (title, first index)."""
    begin = index
    while begin - 1 >= max(floor, index - MAX_LOOKBACK):
        above = lines[begin - 1]
        if above.page != lines[index].page or parse_marker(0, above.text):
            break
        if above.text.endswith((".", ":")) or _BODY_LEAD_RE.match(above.text):
            break
        begin -= 1
    return squash(" ".join(ln.text for ln in lines[begin:index])), begin


def _is_adjournment(marker: Marker) -> bool:
    return bool(_ADJOURN_RE.match(marker.rest.strip()))


def _top_run(lines: list[Line], markers: list[Marker]) -> tuple[str, Marker] | None:
    """The scheme and first marker of the top-level numbering (see the module doc, step 2)."""
    adjourn_lines = [i for i, ln in enumerate(lines) if _ADJOURN_LINE_RE.match(ln.text)]
    best: tuple[tuple[int, bool, int, int], str, Marker] | None = None
    for start, marker in enumerate(markers):
        for key, value in marker.options:
            if value != _FIRST:
                continue
            length, ended, last = 1, _is_adjournment(marker), marker.index
            for other in markers[start + 1 :]:
                nxt = bisect.bisect_right(adjourn_lines, last)  # first heading after `last`
                if ended or (nxt < len(adjourn_lines) and adjourn_lines[nxt] < other.index):
                    ended = True
                    break
                if other.prefix == marker.prefix and (key, length + 1) in other.options:
                    length, last = length + 1, other.index
                    ended = _is_adjournment(other)
            ended = ended or bool(adjourn_lines and adjourn_lines[-1] > last)
            # Prefer plain schemes over bare ones over compound ones, then a run ending in
            # adjournment, then length.
            rank = 0 if key.startswith("compound") else 1 if key.endswith(BARE) else 2
            score = (rank, ended, length, -marker.index)
            if length >= 2 and (best is None or score > best[0]):
                best = (score, key, marker)
    return None if best is None else (best[1], best[2])


def _nest(
    lines: list[Line], markers: list[Marker], top: tuple[str, Marker]
) -> tuple[list[_Found], int]:
    """Assign levels to markers from the top run's start; return the items and the stop index."""
    key, first = top
    if not key.endswith(BARE) and not key.startswith("compound"):  # bare markers: Legistar only
        markers = [m for m in markers if not is_bare(m)]
    levels = [_Level(key, _FIRST + 1, first.prefix)]
    found = [_Found(first, 0)]
    locked, stop = False, len(lines)
    done = _is_adjournment(first)
    position = first.index + 1
    for marker in (m for m in markers if m.index > first.index):
        if done:
            stop = marker.index
            break
        for i in range(position, marker.index):
            if _ADJOURN_LINE_RE.match(lines[i].text):
                stop, done = i, True
                break
            locked = locked or bool(_BODY_LEAD_RE.match(lines[i].text))
        if done:
            break
        position = marker.index + 1
        level = _place(levels, found, marker, locked)
        if level is not None:
            found.append(_Found(marker, level))
            locked = False
            done = level == 0 and _is_adjournment(marker)
    else:  # no marker after the last item: still stop at an "ADJOURNMENT" heading line
        stop = next(
            (i for i in range(position, stop) if _ADJOURN_LINE_RE.match(lines[i].text)), stop
        )
    return found, stop


def _place(levels: list[_Level], found: list[_Found], marker: Marker, locked: bool) -> int | None:
    """The level `marker` takes (updating `levels`), or None when it is body text."""
    for depth in range(len(levels) - 1, -1, -1):
        lvl = levels[depth]
        if (lvl.key, lvl.expected) in marker.options and marker.prefix == lvl.prefix:
            del levels[depth + 1 :]
            lvl.expected += 1
            return depth
    if is_bare(marker):
        return _place_bare(levels, marker)
    if locked:
        return None
    for key, value in marker.options:
        if value != _FIRST:
            continue
        if marker.prefix and marker.prefix != _core(found[-1].marker.number):
            parent = next((f for f in reversed(found) if f.level == 0), None)
            if parent is None or marker.prefix != _core(parent.marker.number):
                continue
            del levels[1:]
        depth = len(levels)
        if depth > 1 and levels[-1].key == key:  # a sub-list restarting under a new sub-heading
            depth -= 1
        if depth > MAX_LEVEL:
            continue
        del levels[depth:]
        levels.append(_Level(key, _FIRST + 1, marker.prefix))
        return depth
    return None


def _place_bare(levels: list[_Level], marker: Marker) -> int | None:
    """Level of a bare marker that continues no open list (`_place` tried that), or None.

    A bare letter before a file id opens the sub-list of a bare-numbered item ("5 Consent
    Calendar", "A 16-0361"); a bare number before a file id continues a compound run as the next
    item ("1.A", …, "1.D", "2 16-0046"). Nothing else: bare numbers never open a list.
    """
    key, value = marker.options[0]
    if key == "upper" + BARE and value == _FIRST and levels[0].key == "decimal" + BARE:
        del levels[1:]
        levels.append(_Level(key, _FIRST + 1))
        return 1
    top = levels[0]
    if (
        key == "decimal" + BARE
        and _FILE_ID_RE.match(marker.rest)
        and top.key.startswith("compound")
    ):
        if top.prefix == str(value - 1):
            levels[:] = [_Level(key, value + 1)]
            return 0
    return None


def _core(number: str) -> str:
    return number.strip("().")


def _line_width(lines: list[Line]) -> int:
    """Typical full-line length in characters (90th percentile), to spot wrapped lines."""
    lengths = sorted(len(ln.text) for ln in lines)
    if len(lengths) < 10:
        return max(lengths, default=80)
    return int(statistics.quantiles(lengths, n=10)[-1])


def _title(lines: list[Line], marker: Marker, limit: int, width: int) -> tuple[str, int]:
    """The item's title (marker line plus wrapped lines) and the index of its last line."""
    parts = [marker.rest.strip()]
    end = marker.index
    while end + 1 < limit and len(parts) < MAX_TITLE_LINES:
        nxt = lines[end + 1]
        if nxt.page != lines[end].page:  # a title does not run into the next page's text
            break
        if not parts[-1]:  # the title starts on the line after a bare marker
            parts[-1] = nxt.text
        elif _continues(" ".join(parts), lines[end], nxt.text, width):
            parts.append(nxt.text)
        else:
            break
        end += 1
    title = ""
    for part in parts:
        joiner = "" if title.endswith("-") and part[:1].isalpha() else " "
        title = f"{title}{joiner}{part}" if title else part
    title = _LEGISTAR_TYPE_RE.sub("", squash(title))
    return title[:MAX_TITLE_CHARS], end


def _continues(title: str, prev: Line, nxt: str, width: int) -> bool:
    """Whether line `nxt` wraps the title whose last line so far is `prev`."""
    if parse_marker(0, nxt) or _BODY_LEAD_RE.match(nxt) or _ADJOURN_LINE_RE.match(nxt):
        return False
    if _OPEN_END_RE.search(prev.text) or nxt[:1].islower():
        return True
    letters = [c for c in title if c.isalpha()]
    shouting = len(letters) >= 4 and all(c.isupper() for c in letters)
    if _PAREN_LINE_RE.match(nxt):
        return not shouting or nxt.isupper()
    if shouting:  # ALL-CAPS titles wrap into ALL-CAPS lines (Legistar); "23-0021" has no letters
        return nxt.isupper() or not any(c.isalpha() for c in nxt)
    if prev.text.endswith((".", ":", "?")):
        return False
    # A wrapped line is nearly full; Word also leaves the wrapping space at its end.
    return len(prev.text) >= 0.75 * width or (prev.soft and len(prev.text) >= 0.6 * width)

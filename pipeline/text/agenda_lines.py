"""The lines of an agenda's text, and the list markers that may start them.

`clean_lines` turns per-page text into `Line`s without running headers, footers and page numbers;
`parse_marker` and `parse_bare` read a line's list marker ("1.", "A)", "VIII.", "(a)", "7.b",
Legistar's bare "2 Roll Call") as every (scheme, value) it can be: "I." is Roman 1 or the letter 9.
`pipeline.text.agenda_split` decides which markers are items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER_LINES, FOOTER_LINES = 5, 3  # where running headers/footers sit in a page's extracted text

# A list marker at the start of a line: "1." "12)" "A." "b)" "VIII." "(a)" "(12)", then the title.
# "H.RESOLUTION" (no space after the letter, Cuyahoga) counts when an all-caps word follows.
_MARKER_RE = re.compile(
    r"^(?:\((?P<pnum>\d{1,2}|[A-Za-z]|[ivxlcIVXLC]{2,6})\)"
    r"|(?P<num>\d{1,2}|[A-Za-z]|[IVXLCivxlc]{2,6})(?P<sep>[.)]))"
    r"(?:\s+(?P<rest>.*)|(?=[A-Z]{3,}\b)(?P<glued>.*)|$)"
)
# A compound marker "7.b", "7.b.", "G.1", "1.A", "5.1" followed by the title.
_COMPOUND_RE = re.compile(
    r"^(?P<pre>\d{1,2}|[A-Z])\.(?P<last>\d{1,2}|[A-Za-z])\.?(?:\s+(?P<rest>.*)|$)"
)
# A valid Roman numeral (upper or lower case is checked by the caller).
_ROMAN_RE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
# Page-number lines: "Page 2", "Page 2 of 8", "… Agenda, page 2", "3 of 7 12/1/22, 8:59 PM", "-4-", "7".
_PAGE_NO_RE = re.compile(
    r"(?:\bpage\s+\d+(?:\s+of\s+\d+)?\b|^\d+\s+of\s+\d+\b|^-\s*\d+\s*-$|^\d{1,3}$)", re.I
)
# A bare Legistar marker (no "." or ")"): a number before a capitalised word or a file id ("2 Roll
# Call", "2 16-0046"), or a capital letter before a file id ("A 16-0361"). Never "6 P.M.", dates,
# money or years: those are not a digit or two, a space and a capitalised word or file id.
_BARE_RE = re.compile(
    r"^(?:(?P<num>[1-9]\d?)\s+(?P<rest>[A-Z][a-z]+\b.*|\d{2}-\d{4}\b.*)"
    r"|(?P<letter>[A-Z])\s+(?P<file>\d{2}-\d{4}\b.*))$"
)
# Runs of digits, ignored when comparing header/footer lines across pages.
_DIGITS_RE = re.compile(r"\d+")

BARE = "_bare"  # scheme-key suffix of bare markers


@dataclass
class Line:
    """A non-empty line of the agenda's text, stripped, and its 1-based page."""

    text: str
    page: int
    soft: bool = False  # the raw line ended in a space: Word's mark of a wrapped line


@dataclass
class Marker:
    """A list marker at the start of a line, and every (scheme, value) it can be read as."""

    index: int  # position in the line list
    number: str
    rest: str
    options: list[tuple[str, int]]  # (scheme key, value) readings: "I." is Roman 1 or letter 9
    prefix: str = ""  # "7" for "7.b"


def is_bare(marker: Marker) -> bool:
    """Whether `marker` is a bare Legistar marker (no "." or ")")."""
    return marker.options[0][0].endswith(BARE)


def parse_bare(index: int, line: Line) -> Marker | None:
    """A bare Legistar marker ("2 Roll Call", "2 16-0046", "A 16-0361"), see `_BARE_RE`."""
    m = _BARE_RE.match(line.text)
    if m is None:
        return None
    if m["num"]:
        return Marker(index, m["num"], m["rest"], [("decimal" + BARE, int(m["num"]))])
    return Marker(index, m["letter"], m["file"], [("upper" + BARE, ord(m["letter"]) - 64)])


def squash(text: str) -> str:
    """`text` with runs of whitespace as one space, trimmed."""
    return " ".join(text.split())


def clean_lines(pages: list[str]) -> list[Line]:
    """Non-empty lines of all pages, without running headers/footers and page numbers."""
    raw = [[ln for ln in page.splitlines() if ln.strip()] for page in pages]
    split = [[ln.strip() for ln in page_lines] for page_lines in raw]
    counts: dict[str, int] = {}
    for page_lines in split:
        for key in {_DIGITS_RE.sub("#", squash(ln)).lower() for ln in _edges(page_lines)}:
            counts[key] = counts.get(key, 0) + 1
    with_text = sum(1 for p in split if p)
    repeated = {k for k, c in counts.items() if c >= 2 and c * 2 >= with_text}
    out: list[Line] = []
    for number, page_lines in enumerate(split, start=1):
        edge = _edge_indexes(len(page_lines))
        for i, ln in enumerate(page_lines):
            if i in edge and parse_marker(0, ln) is None:
                if _DIGITS_RE.sub("#", squash(ln)).lower() in repeated or _PAGE_NO_RE.search(ln):
                    continue
            out.append(Line(ln, number, raw[number - 1][i][-1:].isspace()))
    return out


def _edge_indexes(count: int) -> set[int]:
    """Positions where headers and footers end up in a page's extracted text (first/last few)."""
    return set(range(min(count, HEADER_LINES))) | set(range(max(0, count - FOOTER_LINES), count))


def _edges(page_lines: list[str]) -> list[str]:
    """The lines at `_edge_indexes`."""
    return [page_lines[i] for i in sorted(_edge_indexes(len(page_lines)))]


def _roman(token: str) -> int | None:
    upper = token.upper()
    if not upper or not _ROMAN_RE.match(upper):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for a, b in zip(upper, upper[1:] + " ", strict=True):
        total += -values[a] if b != " " and values[b] > values[a] else values[a]
    return total


def _readings(token: str, fmt: str) -> list[tuple[str, int]]:
    """Every (scheme, value) a marker token can be: "C" is the letter 3 or Roman 100."""
    if token.isdigit():
        return [(f"decimal{fmt}", int(token))]
    out: list[tuple[str, int]] = []
    case = "upper" if token.isupper() else "lower"
    if len(token) == 1:
        out.append((f"{case}{fmt}", ord(token.lower()) - ord("a") + 1))
    if (value := _roman(token)) is not None:
        out.append((f"{case}_roman{fmt}", value))
    return out


def parse_marker(index: int, text: str) -> Marker | None:
    """The list marker that starts line `index` (its `text`), with every reading; else None."""
    if m := _COMPOUND_RE.match(text):
        last = m["last"]
        options = [(f"compound_{key}", v) for key, v in _readings(last, "")]
        number = text[: m.start("rest")].strip() if m["rest"] is not None else text.strip()
        return Marker(index, number, m["rest"] or "", options, prefix=m["pre"])
    m = _MARKER_RE.match(text)
    if m is None:
        return None
    if m["pnum"]:
        token, fmt, number = m["pnum"], "()", f"({m['pnum']})"
    else:
        token, fmt, number = m["num"], m["sep"], m["num"] + m["sep"]
    options = _readings(token, fmt)
    rest = m["rest"] if m["rest"] is not None else (m["glued"] or "")
    return Marker(index, number, rest, options) if options else None

"""Corrupt one field of one row of a real capture; compare what a spider reads before and after.

Used by ``tests/test_field_isolation.py`` (issue 10): a `Capture` is a real page or API answer cut
to its first rows (to keep the property tests fast); a `Target` is one field of a row — an
attribute or element found by XPath (HTML, XML), or a key path (JSON) — with the kind of value it
holds. `Capture.corrupt` writes a hostile value into one target of one row and nothing else: the
page is parsed and written back once, and the baseline is the same page written back unchanged,
so the two differ in that one value only.
"""

from __future__ import annotations

import copy
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import lxml.etree
import lxml.html
from pydantic import BaseModel

from spiders._parse import decode

Kind = Literal["url", "date", "text", "number"]
Format = Literal["html", "xml", "json"]
PLACEHOLDER = "QQCORRUPTEDQQ"

# Hostile values by kind (issue 10: bad URL scheme, garbage date, empty cell, huge text, control
# characters, "|" and spaces in URLs). Hypothesis draws from these and from arbitrary text.
HOSTILE: dict[Kind, tuple[Any, ...]] = {
    "url": (
        "javascript:alert(1)",
        "mailto:clerk@example.org",
        "tel:+13125550100",
        "http://evil.example|click",
        "https://exa mple.org/agenda.pdf",
        "https://example.org/Meeting Detail.aspx?ID=1 2",
        "ftp://files.example.org/agenda.pdf",
        "data:text/html,<b>x</b>",
        "http://",
        "http://[::1",
        "https://example.org/" + "x" * 3000,
        "\x00\x07\x1b[31m",
        "",
        "#",
    ),
    "date": (
        "garbage",
        "",
        "31/31/2031",
        "2024-02-30",
        "13/45/2020",
        "0001-01-01T00:00:00",
        "9999-12-31T23:30:00",
        "\x07\x00\x1b",
        "1" * 5000,
    ),
    "text": ("", " ", "\x00\x07\x1b[2J\x7f", "x" * 20000, "| a | b |", "<!channel> @here"),
    "number": ("abc", "", "-1", "1e309", "12.5", "9" * 400, " 7 "),
}
# JSON can carry other types where a number or text should be.
JSON_ONLY: tuple[Any, ...] = (None, [], {}, True, "\ud800 lone surrogate")


@dataclass(frozen=True)
class Target:
    """One field of a row: where it is, what it holds, and what output fields may change with it.

    ``where``: HTML/XML, an XPath relative to the row giving attributes (``.//a/@href``) or
    elements (whose content is replaced); JSON, a dotted key path (``publishedFiles.0.fileId``).
    ``changes``: the output fields allowed to differ when this one is corrupted. ``drops``: the
    row may be dropped (counted) for it — its date, its only id. ``reorders``: it is a sort key,
    so other rows may move (their ``sequence``, a place in the agenda, may change; nothing else).
    """

    name: str
    kind: Kind
    where: str
    changes: frozenset[str]
    drops: bool = False
    reorders: bool = False


@dataclass
class Capture:
    """A real capture cut to its first `keep` rows, in a form `corrupt` can change one value of."""

    fmt: Format
    source: bytes = field(repr=False)
    rows: str  # HTML/XML: XPath of the rows; JSON: dotted path to the list ("" = the top level)
    keep: int = 20
    baseline: bytes = field(init=False, repr=False)
    _tree: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tree = self._cut(self._parse(self.source))
        self.baseline = self._write(self._tree)

    @classmethod
    def of(cls, fmt: Format, path: Path, rows: str, keep: int = 20) -> Capture:
        return cls(fmt, path.read_bytes(), rows, keep)

    # --- reading and writing ----------------------------------------------------------------

    def _parse(self, body: bytes) -> Any:
        if self.fmt == "json":
            return json.loads(body.decode("utf-8-sig"))
        if self.fmt == "xml":
            return lxml.etree.fromstring(body, lxml.etree.XMLParser(recover=True))
        return lxml.html.document_fromstring(decode(body))  # as the spiders decode pages

    def _write(self, tree: Any) -> bytes:
        if self.fmt == "json":
            return json.dumps(tree).encode()
        if self.fmt == "xml":
            return bytes(lxml.etree.tostring(tree, encoding="utf-8", xml_declaration=True))
        return bytes(lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>"))

    def _cut(self, tree: Any) -> Any:
        if self.fmt == "json":
            records = _json_path(tree, self.rows)
            del records[self.keep :]
        else:
            for row in tree.xpath(self.rows)[self.keep :]:
                row.getparent().remove(row)
        return tree

    def _row_list(self, tree: Any) -> list[Any]:
        return list(_json_path(tree, self.rows) if self.fmt == "json" else tree.xpath(self.rows))

    # --- targets ----------------------------------------------------------------------------

    def places(self, target: Target) -> list[tuple[int, int]]:
        """(row, how many such fields it has) for each row that has `target`."""
        tree = copy.deepcopy(self._tree)
        found = []
        for index, row in enumerate(self._row_list(tree)):
            count = len(self._find(row, target))
            if count:
                found.append((index, count))
        return found

    def _find(self, row: Any, target: Target) -> list[Any]:
        if self.fmt == "json":
            try:
                _json_path(row, target.where)
            except (KeyError, IndexError, TypeError):
                return []
            return [target.where]
        return list(row.xpath(target.where))

    def corrupt(self, target: Target, row: int, nth: int, value: Any) -> bytes:
        """The baseline with `value` in the `nth` `target` field of row `row`, nothing else."""
        tree = copy.deepcopy(self._tree)  # the baseline's own tree: written the same way
        record = self._row_list(tree)[row]
        if self.fmt == "json":
            _json_set(record, target.where, value)
            return self._write(tree)
        found: Any = self._find(record, target)[nth]
        if isinstance(found, str):  # an attribute (lxml's "smart string": it knows its element)
            smart: Any = found
            smart.getparent().set(smart.attrname, PLACEHOLDER)
        else:
            for child in list(found):
                found.remove(child)
            found.text = PLACEHOLDER
        escaped = html.escape(str(value), quote=isinstance(found, str))
        written = self._write(tree)
        assert written.count(PLACEHOLDER.encode()) == 1
        return written.replace(PLACEHOLDER.encode(), escaped.encode("utf-8", "surrogatepass"))


def _json_path(data: Any, path: str) -> Any:
    for key in filter(None, path.split(".")):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _json_set(data: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    holder = _json_path(data, ".".join(parents))
    holder[int(last) if isinstance(holder, list) else last] = value


# --- comparing what the spider read ---------------------------------------------------------


def dump(record: BaseModel, places: bool = True) -> str:
    """A record as comparable text (its scrape time left out; its place too, without `places`)."""
    left_out = {"scraped_at"} if places else {"scraped_at", "sequence"}
    return json.dumps(record.model_dump(mode="json", exclude=left_out), sort_keys=True)


@dataclass
class Outcome:
    """How the corrupted read differs from the baseline read: records lost, records new."""

    lost: list[dict[str, Any]]
    new: list[dict[str, Any]]

    @property
    def changed_fields(self) -> set[str]:
        """Fields in which the one new record differs from the one lost record."""
        [before], [after] = self.lost, self.new
        return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def compare(
    before: Iterable[BaseModel], after: Iterable[BaseModel], places: bool = True
) -> Outcome:
    """Records of `before` missing from `after`, and records of `after` not in `before`."""
    old = Counter(dump(r, places) for r in before)
    new = Counter(dump(r, places) for r in after)
    return Outcome(
        lost=[json.loads(d) for d in (old - new).elements()],
        new=[json.loads(d) for d in (new - old).elements()],
    )


Reader = Callable[[bytes], list[BaseModel]]

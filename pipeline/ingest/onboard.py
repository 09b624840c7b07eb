"""Add a source to ``sources.yaml`` without disturbing the hand-written file around it.

What is written is exactly what is shown: `plan_addition` builds the new file text, `Addition.diff`
is the unified diff of that text, and `write_addition` writes those bytes (or nothing, if the
file changed meanwhile). The entry is serialised by the YAML library; only its placement (after
the last entry, at the list's indentation) is ours, and the result is checked by parsing it
back: the old document plus exactly this entry, and a valid source — else nothing is written.
Values from the page are cleaned first (one line, no control or bidi characters), and the URL
must be one http(s) URL without whitespace or control characters.
"""

from __future__ import annotations

import difflib
import tempfile
import unicodedata
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pipeline.config import check_sources
from pipeline.models import clean_text
from pipeline.store.files import write_atomic

MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_URL_LENGTH = 2048
USER_AGENT = "agenda-watch/0.1 (add-source; civic agenda monitor)"


def check_url(url: str) -> str:
    """`url` if it is one absolute http(s) URL with a host; else ValueError saying why.

    Whitespace of any kind (line breaks included: one URL must not become two entries), control
    and format characters (bidi overrides, zero-width) are refused, not cleaned: the maintainer
    should see the URL they meant.
    """
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"URL longer than {MAX_URL_LENGTH} characters")
    bad = next((c for c in url if c.isspace() or unicodedata.category(c) in ("Cc", "Cf")), None)
    if bad is not None:
        raise ValueError(f"URL contains whitespace or a control character ({ascii(bad)})")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("only http:// and https:// URLs can be added")
    if not host:
        raise ValueError("URL without a host")
    return url


def fetch_page(url: str, timeout: float = 30) -> bytes:
    """GET a page for platform detection (one request, size-capped); `url` must pass `check_url`."""
    request = urllib.request.Request(check_url(url), headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read(MAX_PAGE_BYTES))


def one_line(text: str) -> str:
    """Page text fit for a config value or comment: cleaned (`clean_text`), on one line."""
    return " ".join(clean_text(text).split())


def clean_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """`entry` with every string (nested ones too) made `one_line`."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return one_line(value)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned: dict[str, Any] = clean(entry)
    return cleaned


@dataclass(frozen=True)
class Addition:
    """A planned change of ``sources.yaml``: its text before and after, and the entry added."""

    path: Path
    original: str
    updated: str
    entry: dict[str, Any]

    def diff(self) -> str:
        """The unified diff of the change: exactly what `write_addition` writes."""
        lines = difflib.unified_diff(
            self.original.splitlines(keepends=True),
            self.updated.splitlines(keepends=True),
            fromfile=str(self.path),
            tofile=str(self.path),
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _insertion(original: str) -> tuple[int, int]:
    """Where a new entry goes: (line index after the last entry, the list's indentation)."""
    root = yaml.compose(original)
    sources = None
    if isinstance(root, yaml.MappingNode):
        sources = next((v for k, v in root.value if k.value == "sources"), None)
    if not isinstance(sources, yaml.SequenceNode) or sources.flow_style or not sources.value:
        raise ValueError("'sources:' is not a block list with an entry in it; add this one by hand")
    node: yaml.Node = sources.value[-1]
    while (
        isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
        and node.value
        and not node.flow_style
    ):
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    end = node.end_mark
    line = end.line if end.column == 0 else end.line + 1
    return line, sources.start_mark.column


def plan_addition(path: Path, entry: dict[str, Any], evidence: str) -> Addition:
    """The new text of `path` with `entry` (and a dated evidence comment) after its last source.

    Raises ValueError when the id is taken, the list cannot be found, or the result would not be
    the old document plus this one valid entry; the file is not touched.
    """
    original = path.read_text(encoding="utf-8")
    entry = clean_entry(entry)
    before, problems = check_sources(path)
    if entry["id"] in {s.id for s in before}:
        raise ValueError(f"a source with id {entry['id']!r} already exists; edit it instead")
    line, indent = _insertion(original)
    pad = " " * indent
    comment = (
        f"{pad}# Evidence: added by `agenda-watch add-source {one_line(evidence)}` "
        f"on {date.today():%Y-%m-%d}.\n"
    )
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100)
    lines = original.splitlines(keepends=True)
    head = "".join(lines[:line])
    if head and not head.endswith("\n"):
        head += "\n"
    added = "\n" + comment + "".join(f"{pad}{row}\n" for row in block.splitlines())
    updated = head + added + "".join(lines[line:])
    _verify(path, original, updated, entry, len(problems))
    return Addition(path, original, updated, entry)


def _verify(path: Path, original: str, updated: str, entry: dict[str, Any], known: int) -> None:
    """Parse `updated` back: the old document plus `entry` as one more source, and it is valid."""
    old, new = yaml.safe_load(original), yaml.safe_load(updated)
    expected = {**old, "sources": [*old["sources"], entry]}
    if new != expected:
        raise ValueError("the new entry would not read back as written; nothing added")
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / path.name
        trial.write_text(updated, encoding="utf-8")
        _, problems = check_sources(trial)
    mine = [f"{p.field or 'entry'}: {p.message}" for p in problems if p.entry == entry["id"]]
    if mine:
        raise ValueError("; ".join(mine))
    if len(problems) > known:
        raise ValueError("the file would have new problems; run agenda-watch check-config")


def write_addition(addition: Addition) -> None:
    """Write the planned text, keeping the file's mode; ValueError if the file changed since."""
    if addition.path.read_text(encoding="utf-8") != addition.original:
        raise ValueError(f"{addition.path} changed while the entry was prepared; nothing written")
    write_atomic(addition.path, addition.updated.encode("utf-8"), keep_mode=True)

"""Add a source to ``sources.yaml`` without disturbing the hand-written file around it."""

from __future__ import annotations

import urllib.request
from datetime import date
from pathlib import Path

import yaml

from pipeline.config import check_sources
from pipeline.store.files import write_atomic

MAX_PAGE_BYTES = 5 * 1024 * 1024
USER_AGENT = "agenda-watch/0.1 (add-source; civic agenda monitor)"


def fetch_page(url: str, timeout: float = 30) -> bytes:
    """GET a page for platform detection (one request, size-capped)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bytes(response.read(MAX_PAGE_BYTES))


def append_source(path: Path, entry: dict[str, object], evidence: str) -> None:
    """Append `entry` (with a dated evidence comment) to the ``sources:`` list; validate first.

    Raises `ValueError` when the id is taken or the result would not pass check-config; the file
    is then left as it was.
    """
    original = path.read_text(encoding="utf-8")
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True)
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    comment = f"\n  # Evidence: added by `agenda-watch add-source {evidence}` on {date.today():%Y-%m-%d}.\n"
    updated = original.rstrip("\n") + "\n" + comment + indented
    before = {s.id for s in check_sources(path)[0]}
    if entry["id"] in before:
        raise ValueError(f"a source with id {entry['id']!r} already exists; edit it instead")
    write_atomic(path, updated.encode())
    _, problems = check_sources(path)
    new_problems = [p for p in problems if p.entry in (entry["id"], "")]
    if new_problems:
        write_atomic(path, original.encode())
        raise ValueError("; ".join(str(p) for p in new_problems))

"""Benchmark: what the hostile-input guards cost (issue 11), each next to its unguarded baseline.

Run from the repository root: ``python -m benchmarks.bench_boundary [--quick]``. On real captures:

- XML: the CTPF BoardDocs feed (28 meetings) through `parse_lenient` vs parsel's own XML parse of
  the same text (the old path: entities expanded, no DTD refusal), and the ILGA bulk files through
  `parse_strict` (defusedxml) vs ``xml.etree.ElementTree.fromstring`` (the old path).
- Text: validating the feed's meetings (`Meeting.model_validate`, every text field cleaned) vs
  the share of that time `clean_text` takes over the same strings.
- Redaction: `redact` on a typical log line and on one with a token URL (per call).
"""

from __future__ import annotations

import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parsel import Selector

from pipeline.models import Meeting, Source, clean_text
from pipeline.redact import redact, register_secret
from pipeline.text.safexml import decode_xml, parse_lenient, parse_strict
from spiders._parse import balance_xml
from spiders.loader import spider_class_for

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FEED = FIXTURES / "boarddocs" / "chi_teacherpension.xml"
FEED_URL = "https://go.boarddocs.com/il/ctpf/Board.nsf/XML-ActiveMeetings"


def _median(fn: Callable[[], object], rounds: int, repeat: int) -> float:
    """Median seconds per call of `fn` over `rounds` rounds of `repeat` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - start) / repeat)
    return statistics.median(samples)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def run(quick: bool = False) -> str:
    """Run the benchmark and return a Markdown section with the results."""
    rounds, repeat = (3, 5) if quick else (7, 20)
    feed = balance_xml(decode_xml(FEED.read_bytes()))[0]
    ilga = [(p, decode_xml(p.read_bytes())) for p in sorted((FIXTURES / "ilga").glob("*.xml"))]
    rows = [
        ("BoardDocs feed: parsel XML (old path)", _median(lambda: Selector(text=feed, type="xml"), rounds, repeat)),
        ("BoardDocs feed: `parse_lenient`", _median(lambda: Selector(root=parse_lenient(feed), type="xml"), rounds, repeat)),
        (f"ILGA bulk ×{len(ilga)}: ElementTree (old path)", _median(lambda: [ET.fromstring(t) for _, t in ilga], rounds, repeat)),
        (f"ILGA bulk ×{len(ilga)}: `parse_strict` (defusedxml)", _median(lambda: [parse_strict(t) for _, t in ilga], rounds, repeat)),
    ]  # fmt: skip
    source = Source(id="ctpf", name="CTPF", jurisdiction="CTPF, IL", platform="boarddocs",
                    base_url="https://go.boarddocs.com/il/ctpf/Board.nsf/")  # fmt: skip
    meetings = [m for m in spider_class_for(source)().parse_saved(FEED_URL, FEED.read_bytes())]
    dumps = [m.model_dump() for m in meetings if isinstance(m, Meeting)]
    strings = [s for d in dumps for s in _strings(d)]
    validate = _median(lambda: [Meeting.model_validate(d) for d in dumps], rounds, repeat)
    cleaning = _median(lambda: [clean_text(s) for s in strings], rounds, repeat)
    register_secret("bench-secret-token-0001")
    plain = (
        "Crawled (200) <GET https://oak-park.legistar.com/Calendar.aspx?ID=1234> (referer: None)"
    )
    token = "Crawled (401) <GET https://webapi.legistar.com/v1/x/events?$top=1000&token=bench-secret-token-0001>"
    per_line = {
        "plain": _median(lambda: redact(plain), rounds, repeat * 100),
        "token": _median(lambda: redact(token), rounds, repeat * 100),
    }
    xml_base = {0: rows[0][1], 2: rows[2][1]}
    lines = [
        "## Hostile-input guards (XML, text boundary, redaction)",
        "",
        f"Real captures: the CTPF BoardDocs feed ({len(dumps)} meetings, {len(feed):,} characters) "
        f"and {len(ilga)} ILGA bulk files; {rounds} rounds of {repeat}; medians.",
        "",
        "| parse | median ms | vs old path |",
        "|---|---:|---:|",
    ]
    for i, (name, seconds) in enumerate(rows):
        base = xml_base[i - i % 2]
        lines.append(f"| {name} | {seconds * 1000:.2f} | {seconds / base:.2f}× |")
    lines += [
        "",
        f"`Meeting.model_validate` of the {len(dumps)} meetings: {validate * 1000:.2f} ms; "
        f"`clean_text` over their {len(strings):,} strings: {cleaning * 1000:.2f} ms "
        f"({cleaning / validate:.0%} of validation, an upper bound of what cleaning adds).",
        f"`redact` per log line: {per_line['plain'] * 1e6:.1f} µs (no secret), "
        f"{per_line['token'] * 1e6:.1f} µs (a token URL).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))

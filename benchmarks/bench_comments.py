"""Benchmark: public-comment extraction — precision and recall on labelled real paragraphs, and speed.

Run from the repository root: ``python -m benchmarks.bench_comments [--quick]``. Scores
`pipeline.text.comments.extract_comment_window` on the hand-labelled paragraphs in
tests/fixtures/comments/ (the development set and two held-out sets; see the README there) against
a naive baseline measured in the same run: in a paragraph that says "comment", every clock time
after "by"/"before" on the meeting day, every e-mail address, every "N minutes".

Scores are over sets of facts: a deadline counts when its instant equals a labelled one (the labels
carry the body's offset), a channel when its (kind, value) key equals a labelled one
(`channel_key`), a limit when (amount, unit) does. Speed is paragraphs per second on one core,
median of rounds, both methods interleaved.
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.classify.evaluate import Counts
from pipeline.text.comments import channel_key, extract_comment_window
from pipeline.text.pdftext import extract_pdf_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "comments"
PDFS = FIXTURES.parent / "pdf"
SETS = {  # file stem → what it is
    "paragraphs": "development",
    "holdout": "held-out 1",
    "holdout2": "held-out 2",
}

Facts = tuple[set[datetime], set[tuple[str, str]], set[tuple[int, str]]]


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled paragraph (fields as in tests/fixtures/comments/README.md)."""

    id: str
    text: str
    source: str
    meeting_start: datetime  # aware, in `zone`
    zone: str
    deadlines: tuple[str, ...]  # ISO 8601 with offset, sorted
    channels: frozenset[tuple[str, str]]  # channel_key pairs
    limits: frozenset[tuple[int, str]]

    @property
    def facts(self) -> Facts:
        return (
            {datetime.fromisoformat(d) for d in self.deadlines},
            set(self.channels),
            set(self.limits),
        )


def load_labelled(stem: str) -> list[Labelled]:
    """The labelled paragraphs of one set (`SETS`), in file order."""
    rows = []
    for line in (FIXTURES / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        zone = ZoneInfo(raw["zone"])
        rows.append(
            Labelled(
                id=raw["id"],
                text=raw["text"],
                source=raw["source"],
                meeting_start=datetime.fromisoformat(raw["meeting_start"]).astimezone(zone),
                zone=raw["zone"],
                deadlines=tuple(raw["deadlines"]),
                channels=frozenset(channel_key(c["kind"], c["value"]) for c in raw["channels"]),
                limits=frozenset((lim["amount"], lim["unit"]) for lim in raw["limits"]),
            )
        )
    return rows


def extracted(text: str, start: datetime) -> Facts:
    """What `extract_comment_window` finds, as comparable sets."""
    window = extract_comment_window(text, start)
    if window is None:
        return set(), set(), set()
    return (
        {d.at for d in window.deadlines},
        {channel_key(c.kind, c.value) for c in window.channels},
        {(lim.amount, lim.unit) for lim in window.limits},
    )


# Baseline: a clock time right after "by"/"before", e.g. "by 5:00 p.m.".
_NAIVE_TIME = re.compile(
    r"\b(?:by|before)\s+(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*([ap])\.?\s?m\b", re.I
)
# Baseline: anything shaped like an e-mail address.
_NAIVE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Baseline: "3 minutes", "three (3) minutes".
_NAIVE_LIMIT = re.compile(r"\b(\d{1,2}|one|two|three|four|five)\s*(?:\(\d\)\s*)?minutes?\b", re.I)
_NAIVE_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def naive(text: str, start: datetime) -> Facts:
    """The baseline a quick script would write: regexes over any paragraph mentioning comment."""
    if "comment" not in text.lower():
        return set(), set(), set()
    day: date = start.date()
    deadlines = {
        datetime.combine(
            day, clock(int(h) % 12 + (12 if ap.lower() == "p" else 0), int(m or 0)), start.tzinfo
        )
        for h, m, ap in _NAIVE_TIME.findall(text)
    }
    channels = {channel_key("email", e.rstrip(".")) for e in _NAIVE_EMAIL.findall(text)}
    limits = {
        (int(n) if n.isdigit() else _NAIVE_WORDS[n.lower()], "minutes")
        for n in _NAIVE_LIMIT.findall(text)
    }
    return deadlines, channels, limits


def _add(counts: Counts, got: set[object], want: set[object]) -> None:
    """Count one paragraph's facts: found and labelled, found only, labelled only."""
    counts.tp += len(got & want)
    counts.fp += len(got - want)
    counts.fn += len(want - got)


def score(
    rows: Iterable[Labelled], method: Callable[[str, datetime], Facts]
) -> tuple[Counts, Counts, Counts]:
    """Deadline, channel and limit counts of `method` on `rows` (precision 0.0 when nothing found)."""
    deadlines, channels, limits = Counts(), Counts(), Counts()
    for row in rows:
        got = method(row.text, row.meeting_start)
        want = row.facts
        _add(deadlines, set(got[0]), set(want[0]))
        _add(channels, set(got[1]), set(want[1]))
        _add(limits, set(got[2]), set(want[2]))
    return deadlines, channels, limits


def _rate(rows: list[Labelled], method: Callable[[str, datetime], Facts], seconds: float) -> float:
    """Paragraphs per second over about `seconds` of repeated passes."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in rows:
            method(row.text, row.meeting_start)
        done += len(rows)
    return done / (time.perf_counter() - start)


def _documents() -> list[str]:
    """The whole text of each fixture PDF that has a text layer (what the pipeline would read)."""
    texts = [extract_pdf_bytes(p.read_bytes()) for p in sorted(PDFS.glob("*.pdf"))]
    return ["\n".join(t.pages) for t in texts if not t.problem]


def _document_seconds(documents: list[str], rounds: int) -> float:
    """Median seconds to read every document once (meeting start is irrelevant to the cost)."""
    start = datetime(2024, 11, 4, 19, 0, tzinfo=ZoneInfo("America/Chicago"))
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        for text in documents:
            extract_comment_window(text, start)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def run(quick: bool = False) -> str:
    """Run the benchmark and return a Markdown section with the results."""
    sets = {stem: load_labelled(stem) for stem in SETS}
    everything = [row for rows in sets.values() for row in rows]
    methods: dict[str, Callable[[str, datetime], Facts]] = {
        "naive regex (baseline)": naive,
        "`extract_comment_window`": extracted,
    }
    rounds, seconds = (3, 0.3) if quick else (7, 1.0)
    rates: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(rounds):  # interleave methods so drift hits them all alike
        for name, method in methods.items():
            rates[name].append(_rate(everything, method, seconds))
    lines = [
        "## Public-comment extraction (deadline, channels, limits)",
        "",
        f"Hand-labelled real paragraphs in tests/fixtures/comments: {len(sets['paragraphs'])} "
        f"development, {len(sets['holdout'])} + {len(sets['holdout2'])} held-out (collected and "
        "labelled without running the extractor; each was then used to fix the kinds of failure it "
        "showed, so its first-sight scores are the honest estimate for unseen wording — see the "
        "README there). Set-level scores: a deadline counts when its instant, in the body's zone, "
        f"equals a labelled one. Speed on one core over all {len(everything)} paragraphs, "
        f"{rounds} rounds interleaved, medians; Python {platform.python_version()}.",
        "",
        "| set | method | deadlines P | R | channels P | R | limits P | R |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for stem, rows in sets.items():
        for name, method in methods.items():
            d, c, lim = score(rows, method)
            lines.append(
                f"| {SETS[stem]} ({len(rows)}) | {name} | {d.precision:.3f} | {d.recall:.3f} "
                f"| {c.precision:.3f} | {c.recall:.3f} | {lim.precision:.3f} | {lim.recall:.3f} |"
            )
    lines += [
        "",
        "First sight (before any change made for them): held-out 1 deadlines P 0.708 / R 0.567, "
        "channels 0.946 / 0.660, limits 0.857 / 0.947; held-out 2 (after the held-out 1 fixes) "
        "deadlines 0.929 / 0.867, channels 0.938 / 0.517, limits 1.000 / 1.000.",
        "",
        "| method | paragraphs / s | vs baseline |",
        "|---|---:|---:|",
    ]
    base = statistics.median(rates["naive regex (baseline)"])
    for name, samples in rates.items():
        median = statistics.median(samples)
        lines.append(f"| {name} | {median:,.0f} | {median / base:.3f}x |")
    documents = _documents()
    seconds_docs = _document_seconds(documents, rounds)
    characters = sum(len(text) for text in documents)
    lines += [
        "",
        f"Whole agenda documents, as the pipeline would pass them: the text of the {len(documents)} "
        f"text PDFs in tests/fixtures/pdf ({characters:,} characters) in {seconds_docs:.3f} s "
        f"({characters / seconds_docs:,.0f} characters/s, median of {rounds}).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))

"""A data dir of synthetic stored meetings, as a long-running deployment accumulates them.

``python -m benchmarks.synthetic_meetings DIR --meetings 100000`` writes ``DIR/meetings/...``
in the JsonStore layout. Documents have the stored shape (`pipeline.models.Meeting` dumped with
indent 2) and validate as such: 300 sources (a statewide coalition's watch list), meetings spread
over two years that end eight weeks after `TODAY` (history, then what is already posted), 5–25
agenda items each and one extracted agenda document of a few KB. Item titles are real agenda and
bill titles from tests/fixtures/eval (labelled relevant ones become the relevant items, with a
classification like the classifier's); about 3 % of meetings have relevant items, 2 % are
cancelled. Some meetings moved: their old copy stays beside the new one (an older scrape), as
the store keeps it for platforms without a stable identity. Everything is seeded: the same
arguments give the same files.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.models import SCHEMA_VERSION, TOPICS, Meeting
from pipeline.store.files import meeting_path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
TODAY = date(2026, 3, 2)  # the benchmark's "today" (a Monday); views are asked --from it
SPAN_DAYS = 730
AHEAD_DAYS = 56
SOURCES = 300
RELEVANT_SHARE = 0.03
CANCELLED_SHARE = 0.02
MOVED_SHARE = 0.01
CHICAGO = ZoneInfo("America/Chicago")
BODIES = ("Village Board", "City Council", "Board of Commissioners", "Finance Committee")
PLATFORMS = ("legistar", "civicplus", "granicus", "civicclerk", "boarddocs")


def _titles() -> tuple[list[str], list[tuple[str, str]]]:
    """(ordinary titles, (relevant title, topic)) from the labelled evaluation set."""
    plain, relevant = [], []
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["label"] and case.get("topic") in TOPICS:
            relevant.append((case["text"], case["topic"]))
        elif not case["label"]:
            plain.append(case["text"])
    return plain, relevant


def _item(mid: str, seq: int, title: str, topic: str | None, rng: random.Random) -> dict[str, Any]:
    number = f"{seq}.{'abc'[seq % 3]}" if seq % 4 else f"{seq}."
    if topic:
        word = title.split()[min(2, len(title.split()) - 1)]
        start = title.index(word)
        classification: dict[str, Any] = {
            "relevant": True,
            "score": 3.0,
            "topics": [topic],
            "evidence": [
                {
                    "start": start,
                    "end": start + len(word),
                    "text": word,
                    "field": "title",
                    "rule": f"{topic}.phrase",
                    "topic": topic,
                    "weight": 3.0,
                }
            ],
            "suppressed": [],
            "version": "bench",
        }
    else:
        classification = {
            "relevant": False,
            "score": 0.0,
            "topics": [],
            "evidence": [],
            "suppressed": [],
            "version": "bench",
        }
    return {
        "id": f"{mid}/{seq}",
        "number": number,
        "title": title,
        "text": "Staff recommends approval. " * rng.randint(1, 6),
        "matter": f"{rng.randint(20, 26)}-{rng.randint(100, 9999)}",
        "sequence": seq,
        "links": [
            {
                "title": "Staff report",
                "url": f"https://example.gov/att/{seq}.pdf",
                "kind": "attachment",
            }
        ],
        "page": None,
        "classification": classification,
    }


def meeting_document(
    n: int, rng: random.Random, titles: tuple[list[str], list[tuple[str, str]]]
) -> dict[str, Any]:
    """The n-th synthetic meeting, as the JSON object the store writes."""
    plain, relevant = titles
    source = f"town_{n % SOURCES:03d}"
    day = TODAY + timedelta(days=AHEAD_DAYS - rng.randrange(SPAN_DAYS))
    start = datetime(day.year, day.month, day.day, rng.choice((9, 14, 18, 19)), 0, tzinfo=CHICAGO)
    platform_id = str(100000 + n)
    mid = f"{source}/{start:%Y%m%d}/{platform_id}"
    count = rng.randint(5, 25)
    chosen: list[tuple[str, str | None]] = [(t, None) for t in rng.sample(plain, count)]
    if rng.random() < RELEVANT_SHARE:
        for _ in range(rng.randint(1, 2)):
            chosen[rng.randrange(count)] = rng.choice(relevant)
    items = [_item(mid, seq, t, topic, rng) for seq, (t, topic) in enumerate(chosen, 1)]
    town = f"Town {n % SOURCES:03d}"
    body = rng.choice(BODIES)
    scraped = datetime.combine(min(day, TODAY), datetime.min.time(), UTC) - timedelta(days=3)
    agenda_text = "\n".join(f"{i['number']} {i['title']}\n{i['text']}" for i in items)
    return {
        "id": mid,
        "source": source,
        "jurisdiction": f"{town}, IL",
        "body": body,
        "title": body,
        "start": start.isoformat(),
        "end": None,
        "timezone": "America/Chicago",
        "time_known": True,
        "location": f"{rng.randint(1, 999)} Main Street, {town}, IL",
        "status": "cancelled" if rng.random() < CANCELLED_SHARE else "scheduled",
        "url": f"https://{source}.{PLATFORMS[n % len(PLATFORMS)]}.example.gov/m/{platform_id}",
        "links": [
            {
                "title": "Agenda",
                "url": f"https://example.gov/{platform_id}/agenda.pdf",
                "kind": "agenda",
            }
        ],
        "items": items,
        "documents": [
            {
                "url": f"https://example.gov/{platform_id}/agenda.pdf",
                "content_type": "application/pdf",
                "pages": 1 + count // 6,
                "text": agenda_text,
                "error": None,
            }
        ],
        "platform_id": platform_id,
        "identity": None,
        "scraped_at": scraped.isoformat(),
        "schema_version": SCHEMA_VERSION,
    }


def generate(data_dir: Path, meetings: int, seed: int = 15) -> int:
    """Write `meetings` documents (plus the old copies of moved ones); returns files written."""
    rng = random.Random(seed)
    titles = _titles()
    written = 0
    for n in range(meetings):
        doc = meeting_document(n, rng, titles)
        files = [doc]
        if rng.random() < MOVED_SHARE:  # moved a week later; the old date's copy stays, older
            old = json.loads(json.dumps(doc))
            start = datetime.fromisoformat(doc["start"]) - timedelta(days=7)
            old["start"] = start.isoformat()
            old["id"] = f"{doc['source']}/{start:%Y%m%d}/{doc['platform_id']}"
            old["scraped_at"] = (
                datetime.fromisoformat(doc["scraped_at"]) - timedelta(days=9)
            ).isoformat()
            files.append(old)
        for one in files:
            path = meeting_path(data_dir, one["id"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(one, indent=2, ensure_ascii=False), encoding="utf-8")
            written += 1
    Meeting.model_validate_json(path.read_bytes())  # the shape is the stored one
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--meetings", type=int, default=100_000)
    args = parser.parse_args()
    print(f"{generate(args.data_dir, args.meetings)} files under {args.data_dir / 'meetings'}")


if __name__ == "__main__":
    main()

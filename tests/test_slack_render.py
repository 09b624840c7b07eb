"""A meeting's Slack notice reads once and links deep: the item number once, the item's own page,
topics named by subject, no unexplained score, and the rule ids in the footer for "why?".

The meetings are the demo's recorded Legistar API answers, read by the real spider and classified
with the project's rules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pipeline.classify.classifier import Classifier
from pipeline.deliver.slack import render
from pipeline.demo import RECORDINGS
from pipeline.models import AgendaItem, Meeting, Notice, Source
from spiders.loader import spider_class_for
from tests.conftest import TOPICS

API = "https://webapi.legistar.com/v1"


def recorded_meeting(folder: str, client: str, event_id: int) -> Meeting:
    """The recorded meeting with its items, classified; only the relevant items kept."""
    source = Source(
        id=folder,
        name=folder,
        jurisdiction=f"{folder}, IL",
        platform="legistar",
        slug=client,
        base_url=f"https://{client}.legistar.com",
    )
    spider = spider_class_for(source)()
    events = (RECORDINGS / folder / "events.json").read_bytes()
    meeting = next(
        m
        for m in spider.parse_saved(f"{API}/{client}/events", events)
        if isinstance(m, Meeting) and m.platform_id == str(event_id)
    )
    items_file = RECORDINGS / folder / f"event_{event_id}_items.json"
    items_url = f"{API}/{client}/events/{event_id}/eventitems"
    items = list(spider.parse_saved(items_url, items_file.read_bytes()))
    classifier = Classifier.from_yaml(TOPICS)
    meeting.items = []
    for item in items:
        assert isinstance(item, AgendaItem)
        item.classification = classifier.classify_fields(item.classify_fields())
        if item.classification.relevant:
            meeting.items.append(item)
    return meeting


def notice_for(meeting: Meeting) -> Notice:
    return Notice(
        id="n-1",
        kind="new_matches",
        thread_key=meeting.id,
        source=meeting.source,
        meeting=meeting,
        created_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
    )


def test_cook_county_items_read_once_and_link_to_their_legislation() -> None:
    meeting = recorded_meeting("cook_county", "cook-county", 9101)
    assert [i.number for i in meeting.items] == ["25-4456", "25-4470", "25-4511"]
    message = render(notice_for(meeting))
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    first = sections[1]
    # "25-4456 PROPOSED RESOLUTION…" with number and file number 25-4456: said once.
    assert first.count("25-4456") == 1, first
    assert first.startswith(
        "*25-4456* <https://cook-county.legistar.com/Gateway.aspx?M=L&amp;ID=5031|"
        "PROPOSED RESOLUTION A RESOLUTION ENCOURAGING ALL MUNICIPALITIES"
    )
    # The resolution opposes ICE: its topic names the subject, not a stance.
    matched = first.splitlines()[-1]
    assert matched.startswith("Matched ") and "*ICE*" in matched
    assert matched.endswith(" → immigration enforcement")
    payload = json.dumps(message.blocks)
    assert "enforcement cooperation" not in payload and "score" not in payload
    # 25-4511's title starts with another file number (R2018-1396): kept, 25-4511 once.
    assert sections[3].count("25-4511") == 1 and "R2018-1396 Call for" in sections[3]


def test_the_footer_names_the_rules_that_fired() -> None:
    meeting = recorded_meeting("cook_county", "cook-county", 9101)
    rules = sorted(
        {e.rule for i in meeting.items if i.classification for e in i.classification.evidence}
    )
    assert "enf.ice_acronym" in rules and len(rules) >= 3
    footer = render(notice_for(meeting)).blocks[-1]
    assert footer["type"] == "context"
    assert footer["elements"][0]["text"] == (
        f"agenda-watch · cook_county · rules: {', '.join(rules)} (config/topics.yaml)"
    )


def test_a_file_number_that_adds_to_the_number_is_kept() -> None:
    meeting = recorded_meeting("oak_park", "oak-park", 9001)
    message = render(notice_for(meeting))
    resolution = next(
        b["text"]["text"] for b in message.blocks if "Resolution No. 25-196" in str(b)
    )
    assert resolution.startswith("*3.* <https://oak-park.legistar.com/Gateway.aspx?M=L&amp;ID=")
    assert "(RES 26-196)" in resolution

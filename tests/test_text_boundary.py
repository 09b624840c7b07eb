"""Text is cleaned once, at the model boundary (issue 11 item 6; issue 10 "lone surrogates").

Every text field of every model either cleans what it is given or refuses it: no C0/C1 control
but tab and newline, no lone surrogate, no bidi embedding/override/isolate.
"""

from __future__ import annotations

import json
import re
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from types import UnionType
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pipeline.models import (
    AgendaItem,
    Bill,
    BillAction,
    BillHearing,
    BillSponsor,
    BillSynopsis,
    Classification,
    Document,
    Evidence,
    Link,
    Meeting,
    Notice,
    RawDocument,
    Source,
    SourceAlert,
    clean_text,
    example_meeting,
)
from pipeline.store.files import JsonStore

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
DIRTY = "a\x1b]0;owned\x07b\u202ec\ud800d\x00e\x85f\r\ng\x9b2Jh\u2066i\tj\x0bk"
CLEANED = "a]0;ownedbcde\nf\ng2Jhi\tj k"


def test_clean_text_removes_controls_surrogates_and_bidi() -> None:
    assert clean_text(DIRTY) == CLEANED
    assert clean_text("page one\fpage two\x0c", keep_form_feeds=True) == "page one\fpage two\f"
    assert clean_text("page one\fpage two") == "page one page two"
    assert clean_text("line\u2028break\u2029para\x85nel") == "line\u2028break\u2029para\nnel"
    text = "Ordenanza de Ciudad Acogedora — 移民 — قرار"  # real scripts pass untouched
    assert clean_text(text) is text


@given(st.text())
def test_clean_text_output_is_always_safe_and_stable(text: str) -> None:
    out = clean_text(text)
    assert UNSAFE.search(out) is None
    assert clean_text(out) == out
    out.encode("utf-8")  # never a lone surrogate


SAFE_CHARS = st.characters(exclude_categories=["Cs"]).filter(lambda c: not UNSAFE.match(c))


@given(st.text(alphabet=SAFE_CHARS))
def test_clean_text_leaves_clean_text_alone(text: str) -> None:
    assert clean_text(text) == text


def _instances() -> list[BaseModel]:
    meeting = example_meeting()
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    url = "https://example.org/a"
    return [
        meeting,
        meeting.items[0],
        Link(title="Agenda", url=url),
        Document(url=url),
        RawDocument(url=url),
        Evidence(start=0, end=1, text="a", rule="r", topic="detention", weight=1.0),
        Classification(relevant=True),
        Source(id="oak_park", name="Oak Park", jurisdiction="Oak Park, IL", platform="legistar"),
        SourceAlert(source="oak_park", name="Oak Park", failing_runs=3),
        Notice(id="n", kind="new_matches", thread_key="t", source="s", created_at=now),
        BillAction(date=date(2026, 1, 5), chamber="House", action="Filed"),
        BillSponsor(name="Rep. A", chamber="House"),
        BillSynopsis(title="Synopsis As Introduced", text="Amends the Act."),
        BillHearing(committee="Judiciary", start=now),
        Bill(id="ilga/104/HB1", source="ilga", ga=104, doc_type="HB", number=1, title="T"),
    ]


def _is_text(annotation: Any) -> str | None:
    """ "one" for str / str | None, "list" for list[str]; None for anything else."""
    args = typing.get_args(annotation)
    if annotation is str or (isinstance(annotation, UnionType) and str in args):
        return "one"
    inner = [typing.get_args(a)[0] if typing.get_origin(a) is Annotated else a for a in args]
    if typing.get_origin(annotation) is list and inner == [str]:
        return "list"
    return None


def test_every_text_field_of_every_model_cleans_or_refuses() -> None:
    cleaned: list[str] = []
    for instance in _instances():
        for name, info in type(instance).model_fields.items():
            shape = _is_text(info.annotation)
            if shape is None:
                continue
            value = DIRTY if shape == "one" else [DIRTY]
            try:
                setattr(instance, name, value)
            except ValidationError:
                continue  # refused (an id with a pattern): nothing unsafe stored either
            got = getattr(instance, name)
            got = got if shape == "one" else got[0]
            assert got == CLEANED, f"{type(instance).__name__}.{name} kept {got!r}"
            cleaned.append(f"{type(instance).__name__}.{name}")
    # The fields people read, at least (a new plain-str field on a model fails the loop above).
    for field in ("Meeting.title", "Meeting.body", "Meeting.location", "AgendaItem.title",
                  "AgendaItem.text", "Link.title", "Bill.title", "BillSynopsis.text",
                  "BillAction.action", "SourceAlert.message", "Notice.changes"):  # fmt: skip
        assert field in cleaned


def test_document_text_keeps_its_page_breaks() -> None:
    doc = Document(url="https://example.org/a.pdf", text="1. Call\x00 to order\f2. Ad\x1bjourn")
    assert doc.text == "1. Call to order\f2. Adjourn"


def test_a_lone_surrogate_or_nul_no_longer_loses_the_meeting(tmp_path: Path) -> None:
    meeting = example_meeting()
    meeting.title = "Village Board \ud83d Regular\x00 Meeting"
    meeting.items[0].title = "An Ordinance \udc00Amending the Welcoming Village Ordinance"
    store = JsonStore(tmp_path)
    store.write(meeting)
    [path] = list((tmp_path / "meetings").rglob("*.json"))
    data = json.loads(path.read_bytes().decode("utf-8"))
    assert data["title"] == "Village Board  Regular Meeting"
    back = store.read(meeting.id)
    assert back.items[0].title == "An Ordinance Amending the Welcoming Village Ordinance"


@pytest.mark.parametrize("raw", ["\x1b[2J\x1b]0;pwned\x07", "\u202egnp.exe", "\x00\x00"])
def test_validation_from_json_cleans_too(raw: str) -> None:
    payload = example_meeting().model_dump(mode="json")
    payload["location"] = raw
    meeting = Meeting.model_validate_json(json.dumps(payload))
    assert UNSAFE.search(meeting.location) is None
    item = AgendaItem.model_validate({"id": "x", "title": raw})
    assert UNSAFE.search(item.title) is None

"""Everything counsel reads of a meeting, classified: its items, its title, its agenda documents.

`classify_meeting` fills ``classification`` on every agenda item, then classifies what is not an
item but is read all the same:

* the meeting's **title** (with its body's name when the title leaves it out): an immigrant-
  affairs commission's meeting is relevant even when every item on it is procedural;
* the **first pages** (`DOCUMENT_PAGES`) of each agenda document whose text did not become the
  items (a platform that lists items by title also serves the agenda packet, whose first pages
  carry the recitals and staff reports the titles leave out). These are read only when nothing
  else in the meeting is relevant, so a packet that repeats a relevant item does not notify twice.

Each relevant one becomes a **synthetic agenda item** at the head of ``Meeting.items``: the
``number`` says what it is (`MEETING_TITLE`, `AGENDA_DOCUMENT`), the id is stable (`TITLE_ID`,
``agenda-document-<hash of the URL>``), and its evidence names the field it was found in
("title", "body", "document"). Everything that follows (ledger, notices, Slack, views) treats it
as an item, so no stage needs to know; no field was added to the models.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pipeline.models import AgendaItem, Link, Meeting, item_id

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier
    from pipeline.models import Classification, Document

MEETING_TITLE = "Meeting title"
AGENDA_DOCUMENT = "Agenda document"
TITLE_ID = "meeting-title"
DOCUMENT_ID_PREFIX = "agenda-document-"
# Pages of an agenda document read when its text did not become the items, and a bound on them.
DOCUMENT_PAGES = 3
DOCUMENT_CHARS = 20_000
# Characters of context kept around the first match, as the synthetic item's text.
EXCERPT_REACH = 160
_SPACES_RE = re.compile(r"\s+")


def classify_meeting(classifier: Classifier, meeting: Meeting) -> None:
    """Classify the items, then add synthetic items for a relevant title or agenda document."""
    meeting.items = [item for item in meeting.items if not is_synthetic(meeting, item)]
    for item in meeting.items:
        item.classification = classifier.classify_fields(item.classify_fields())
    title = _title_item(classifier, meeting)
    if title is not None:
        meeting.items.insert(0, title)
    if not meeting.relevant_items():
        meeting.items[:0] = _document_items(classifier, meeting)


def is_synthetic(meeting: Meeting, item: AgendaItem) -> bool:
    """Whether `item` was made by `classify_meeting` rather than read from the agenda."""
    local = item.id.removeprefix(meeting.id + "/")
    return local == TITLE_ID or local.startswith(DOCUMENT_ID_PREFIX)


def _title_item(classifier: Classifier, meeting: Meeting) -> AgendaItem | None:
    """The meeting title (and body) as an item, when relevant."""
    fields = {"title": meeting.title}
    if meeting.body and meeting.body.casefold() not in meeting.title.casefold():
        fields["body"] = meeting.body
    verdict = classifier.classify_fields(fields)
    if not verdict.relevant:
        return None
    return AgendaItem(
        id=item_id(meeting.id, TITLE_ID, None, meeting.title),
        number=MEETING_TITLE,
        title=meeting.title,
        text=fields.get("body", ""),
        classification=verdict,
    )


def _document_items(classifier: Classifier, meeting: Meeting) -> list[AgendaItem]:
    """The first pages of each agenda document the items were not split from, when relevant."""
    if any(item.page is not None for item in meeting.items):
        return []  # the items were split from the agenda document: its text is in them
    found = []
    for document in meeting.documents:
        if document.error or not document.text.strip():
            continue
        text = first_pages(document)
        verdict = classifier.classify_fields({"document": text})
        if verdict.relevant:
            found.append(_document_item(meeting, document, text, verdict))
    return found


def first_pages(document: Document) -> str:
    """The first `DOCUMENT_PAGES` pages of an extracted document (pages end with a form feed)."""
    return "\f".join(document.text.split("\f")[:DOCUMENT_PAGES])[:DOCUMENT_CHARS]


def _document_item(
    meeting: Meeting, document: Document, text: str, verdict: Classification
) -> AgendaItem:
    url = str(document.url)
    name = unquote(PurePosixPath(urlsplit(url).path).name) or "agenda document"
    digest = hashlib.sha1(url.encode()).hexdigest()[:10]
    first = verdict.evidence[0]
    low, high = max(0, first.start - EXCERPT_REACH), first.end + EXCERPT_REACH
    excerpt = _SPACES_RE.sub(" ", text[low:high]).strip()
    return AgendaItem(
        id=item_id(meeting.id, DOCUMENT_ID_PREFIX + digest, None, name),
        number=AGENDA_DOCUMENT,
        title=f"First pages of {name}",
        text=("…" if low else "") + excerpt + ("…" if high < len(text) else ""),
        links=[Link(title=name, url=document.url, kind="agenda")],
        classification=verdict,
    )

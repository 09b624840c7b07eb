"""What a bill is classified on: its short title and every synopsis, as named fields."""

from __future__ import annotations

from typing import Protocol

from pipeline.models import Bill, Classification, Evidence

MAX_SEARCH_TEXT = 6000  # characters of synopses kept for hearing items


class TextClassifier(Protocol):
    """What bills need of `pipeline.classify.classifier.Classifier`."""

    def classify(self, text: str) -> Classification:
        """Classify one text."""


def bill_fields(bill: Bill) -> dict[str, str]:
    """The texts a bill is classified on: short title, then every synopsis by its title."""
    fields = {"title": bill.title}
    for synopsis in bill.synopses:
        name = synopsis.title
        while name in fields:  # two synopses with one title stay apart
            name += " (again)"
        fields[name] = synopsis.text
    return fields


def classify_bill(classifier: TextClassifier, bill: Bill) -> Classification:
    """Classify title + all synopses as one text; each evidence names its ``field``.

    Uses the classifier's ``classify_fields`` when it has one; otherwise the fields are joined with
    blank lines and every evidence span is mapped back to its field (offsets into that field).
    """
    fields = bill_fields(bill)
    by_fields = getattr(classifier, "classify_fields", None)
    if callable(by_fields):
        result = by_fields(fields)
        if isinstance(result, Classification):
            return result
    starts: list[tuple[int, str]] = []
    parts: list[str] = []
    offset = 0
    for name, text in fields.items():
        starts.append((offset, name))
        parts.append(text)
        offset += len(text) + 2
    joined = "\n\n".join(parts)
    result = classifier.classify(joined)
    evidence: list[Evidence] = []
    for e in result.evidence:
        base, name = max((s for s in starts if s[0] <= e.start), key=lambda s: s[0])
        evidence.append(
            e.model_copy(update={"field": name, "start": e.start - base, "end": e.end - base})
        )
    return result.model_copy(update={"evidence": evidence})


def search_text(bill: Bill) -> str:
    """The synopses a hearing item about the bill is classified on (title is the item title)."""
    return "\n\n".join(f"{s.title}: {s.text}" for s in bill.synopses)[:MAX_SEARCH_TEXT]

"""Measure the classifier on a labelled JSONL set: ``agenda-watch eval FILE.jsonl``.

Each line is one item: ``text`` (or ``fields``, a mapping of named texts classified with
`Classifier.classify_fields`) and ``label`` (bool); optional ``id``, ``kind``, ``hard``,
``topic``, ``source`` as in ``eval/README.md`` and ``lang`` (``en``, ``es``; guessed from the
text by `guess_lang` when absent). The report gives precision, recall and F1 overall, on the
hard items, on real (not constructed) items, per kind, per language (with its hard items) and
per topic; the confusion counts; and each misclassified item with the evidence that fired (or
nothing). ``--baseline`` adds the naive keyword list of the README side by side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.classify.classifier import Classifier
from pipeline.models import TOPICS

if TYPE_CHECKING:
    from pipeline.models import Classification

# The README's "naive keyword list", matched as lower-case substrings ("ice" anywhere).
NAIVE_KEYWORDS = (
    "immigra",
    "welcom",
    "sanctuary",
    "refugee",
    "asylum",
    "ice",
    "migrant",
    "deport",
    "alien",
    "undocumented",
    "daca",
    "border",
    "citizenship",
)
DEFAULT_TOPICS = Path(__file__).resolve().parents[2] / "config" / "topics.yaml"
# Function words that tell Spanish from English in a short agenda title (see guess_lang).
_SPANISH_WORDS = frozenset(
    "de la el los las del que para por con una y sin su sus al como se lo ni".split()
)
_ENGLISH_WORDS = frozenset("the of and to for with by from on that an is are be".split())
_WORDS_RE = re.compile(r"[^\W\d_]+")


def guess_lang(text: str) -> str:
    """``es`` when Spanish function words outnumber English ones (at least two), else ``en``."""
    words = [w.lower() for w in _WORDS_RE.findall(text)]
    spanish = sum(w in _SPANISH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return "es" if spanish >= 2 and spanish > english else "en"


def naive_is_relevant(text: str) -> bool:
    """The README baseline: any keyword as a case-insensitive substring."""
    lowered = text.lower()
    return any(keyword in lowered for keyword in NAIVE_KEYWORDS)


@dataclass
class Counts:
    """Confusion counts of relevance predictions on one subset."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: bool, predicted: bool) -> None:
        """Count one item."""
        if label:
            self.tp += predicted
            self.fn += not predicted
        else:
            self.fp += predicted
            self.tn += not predicted

    @property
    def n(self) -> int:
        """Items counted."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 0.0 when nothing was predicted relevant."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 0.0 when there are no relevant items."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0.0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Counts and rounded scores, for JSON."""
        return {
            "n": self.n,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Report:
    """Everything `evaluate` measured; `as_dict` is the JSON output."""

    version: str
    subsets: dict[str, Counts] = field(default_factory=dict)
    baseline: dict[str, Counts] | None = None
    topics: dict[str, dict[str, float | int]] = field(default_factory=dict)
    topic_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out: dict[str, Any] = {
            "rules_version": self.version,
            "subsets": {name: c.as_dict() for name, c in self.subsets.items()},
            "per_topic": self.topics,
            "topic_confusion": self.topic_confusion,
            "misclassified": self.errors,
        }
        if self.baseline is not None:
            out["baseline"] = {name: c.as_dict() for name, c in self.baseline.items()}
        return out


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The labelled items of a JSONL file; ValueError naming the line on a bad one."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
            fields = row.get("fields")
            has_text = isinstance(row.get("text"), str) or (
                isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values())
            )
            if not has_text or not isinstance(row.get("label"), bool):
                raise ValueError(f"{path}:{number}: needs `text` (or `fields`) and a bool `label`")
            rows.append(row)
    return rows


def _plain_text(row: dict[str, Any]) -> str:
    """The item's text for the naive baseline (fields joined)."""
    return str(row["text"]) if "text" in row else "\n".join(row["fields"].values())


def _subsets(row: dict[str, Any]) -> list[str]:
    """Names of the subsets `row` counts in."""
    names = ["all"]
    names.append("hard" if row.get("hard") else "not hard")
    if not str(row.get("source", "")).startswith("constructed"):
        names.append("real (not constructed)")
    if row.get("kind"):
        names.append(f"kind={row['kind']}")
    lang = str(row.get("lang") or guess_lang(_plain_text(row)))
    names.append(f"lang={lang}")
    if row.get("hard"):
        names.append(f"lang={lang} hard")
    return names


def evaluate(rows: list[dict[str, Any]], classifier: Classifier, baseline: bool) -> Report:
    """Classify every row and count; see the module docstring for what is measured."""
    report = Report(version=classifier.version, baseline={} if baseline else None)
    per_topic: dict[str, Counts] = {}
    flagged: dict[str, int] = {}
    for row in rows:
        verdict: Classification = (
            classifier.classify_fields(row["fields"])
            if "fields" in row
            else classifier.classify(row["text"])
        )
        label = row["label"]
        for name in _subsets(row):
            report.subsets.setdefault(name, Counts()).add(label, verdict.relevant)
            if report.baseline is not None:
                naive = naive_is_relevant(_plain_text(row))
                report.baseline.setdefault(name, Counts()).add(label, naive)
        truth = str(row.get("topic") or ("none" if not label else "other_immigration"))
        got = verdict.topics[0] if verdict.relevant and verdict.topics else "none"
        report.topic_confusion.setdefault(truth, {}).setdefault(got, 0)
        report.topic_confusion[truth][got] += 1
        for topic in TOPICS:  # one-vs-rest on the first topic of relevant verdicts
            if truth == topic or got == topic:
                per_topic.setdefault(topic, Counts()).add(truth == topic, got == topic)
        if label:
            flagged[truth] = flagged.get(truth, 0) + verdict.relevant
        if verdict.relevant != label:
            report.errors.append(_error(row, verdict))
    order = ["all", "hard", "not hard", "real (not constructed)"]
    rank = {name: (order.index(name) if name in order else len(order), name) for name in order}
    report.subsets = dict(
        sorted(report.subsets.items(), key=lambda kv: rank.get(kv[0], (9, kv[0])))
    )
    if report.baseline is not None:
        report.baseline = {name: report.baseline[name] for name in report.subsets}
    for topic, counts in per_topic.items():
        positives = counts.tp + counts.fn
        report.topics[topic] = {
            **counts.as_dict(),
            "positives": positives,
            "flagged": flagged.get(topic, 0),  # relevant at all, whatever the topic shown
        }
    return report


def _error(row: dict[str, Any], verdict: Classification) -> dict[str, Any]:
    """One misclassified item with what fired (or nothing)."""
    return {
        "id": row.get("id", ""),
        "error": "false negative" if row["label"] else "false positive",
        "hard": bool(row.get("hard")),
        "kind": row.get("kind", ""),
        "topic": row.get("topic", ""),
        "text": _plain_text(row),
        "score": verdict.score,
        "evidence": [
            {"field": e.field, "text": e.text, "rule": e.rule, "topic": e.topic, "weight": e.weight}
            for e in verdict.evidence
        ],
        "suppressed": list(verdict.suppressed),
    }


def format_text(report: Report, max_text: int = 160) -> str:
    """The human-readable report."""
    with_naive = report.baseline is not None
    lines = [f"rules {report.version}", "", "relevance:"]
    head = f"  {'subset':26} {'n':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4}   P      R      F1"
    lines.append(head + ("    | naive P  R      F1" if with_naive else ""))
    for name, c in report.subsets.items():
        row = (
            f"  {name:26} {c.n:4d} {c.tp:4d} {c.fp:4d} {c.fn:4d} {c.tn:4d}"
            f"  {c.precision:.3f}  {c.recall:.3f}  {c.f1:.3f}"
        )
        if report.baseline is not None:
            b = report.baseline[name]
            row += f"  | {b.precision:.3f}  {b.recall:.3f}  {b.f1:.3f}"
        lines.append(row)
    lines += ["", "per topic (first topic of relevant verdicts, one topic against the rest):"]
    lines.append(f"  {'topic':26} {'pos':>4} {'flagged':>7}   P      R      F1")
    for topic in TOPICS:
        if topic in report.topics:
            t = report.topics[topic]
            lines.append(
                f"  {topic:26} {t['positives']:4d} {t['flagged']:7d}"
                f"  {t['precision']:.3f}  {t['recall']:.3f}  {t['f1']:.3f}"
            )
    lines += ["", "topic confusion (labelled -> shown):"]
    for truth, row_counts in report.topic_confusion.items():
        shown = ", ".join(
            f"{got} {n}" for got, n in sorted(row_counts.items(), key=lambda x: -x[1])
        )
        lines.append(f"  {truth}: {shown}")
    lines += ["", f"misclassified: {len(report.errors)}"]
    for error in report.errors:
        text = error["text"] if len(error["text"]) <= max_text else error["text"][:max_text] + "…"
        hard = ", hard" if error["hard"] else ""
        lines.append(f"- {error['error']}{hard} [{error['id']}] ({error['topic']}): {text}")
        fired = [f'"{e["text"]}" {e["rule"]} +{e["weight"]:g}' for e in error["evidence"]]
        lines.append(f"    score {error['score']:g}: " + ("; ".join(fired) or "nothing matched"))
        if error["suppressed"]:
            lines.append("    suppressed: " + "; ".join(f'"{s}"' for s in error["suppressed"]))
    return "\n".join(lines)

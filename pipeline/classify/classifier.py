"""Rule-based relevance classifier: does an agenda item or bill touch immigrants' rights.

The rules live in ``config/topics.yaml`` (phrases, context rules, exclusions, weights and a
threshold; the file's header explains the format) and are validated by
`pipeline.classify.rules.TopicsConfig`. `Classifier` scores one text (`classify`) or the named fields
of one item (`classify_fields`: a title, synopses, amendments), and `explain` turns a verdict
into lines a human can check.

Where rules match is `pipeline.classify.matcher`'s job: RE2 (linear time, so no rule can hang
a crawl), on a folded copy of the text (accents and typographic marks made ASCII, offsets
unchanged), trying each rule only where a word with one of its keys begins.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import yaml

from pipeline.classify.matcher import Matcher
from pipeline.classify.rules import (
    DEFAULT_WINDOW,
    Exclusion,
    Rule,
    TopicRules,
    TopicsConfig,
    phrase_to_regex,
)
from pipeline.models import TOPICS, Classification, Evidence, Topic

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_WINDOW",
    "Classifier",
    "Exclusion",
    "Rule",
    "TopicRules",
    "TopicsConfig",
    "explain",
    "phrase_to_regex",
]

ENGINE_VERSION = "rules-3"
MAX_EVIDENCE_PER_RULE = 5
MAX_EVIDENCE = 100
TOPIC_DEFINING_WEIGHT = 1.5

# Threshold of every Classifier built in this process, by version, so `explain` can report it.
_THRESHOLDS: dict[str, float] = {}
# Topics files compiled in this process, by content and engine (`Classifier.from_yaml`); the
# oldest goes when more are kept (a long-running process sees a few edits of one file).
_COMPILED: dict[tuple[str, bool], Classifier] = {}
MAX_COMPILED = 8


class Classifier:
    """Scores texts against the rules of a `TopicsConfig`; see `classify` and `classify_fields`."""

    version: str

    def __init__(self, config: TopicsConfig, *, reference: bool = False) -> None:
        """Compile `config`; prefer `from_yaml` or `from_config`.

        With `reference`, every rule is tried at every word start (`Matcher.plain_matches`):
        slow, and only for checking that the fast path finds the same.
        """
        self.config = config
        self.threshold = config.threshold
        self.max_chars = config.max_chars
        self.version = f"{ENGINE_VERSION}/{config.version}"
        self.fallback_topic = config.fallback_topic
        ordered = sorted(config.topics.items(), key=lambda item: TOPICS.index(item[0]))
        entries: list[tuple[Topic | None, Rule | Exclusion]] = [
            (topic, rule) for topic, rules in ordered for rule in rules.rules
        ]
        entries += [(None, exclusion) for exclusion in config.exclusions]
        self.matcher = Matcher(entries)
        self._match = self.matcher.plain_matches if reference else self.matcher.matches
        _THRESHOLDS[self.version] = config.threshold

    @classmethod
    def from_config(cls, config: TopicsConfig) -> Classifier:
        """Build a classifier from an already validated config."""
        return cls(config)

    @classmethod
    def from_yaml(cls, path: pathlib.Path, *, reference: bool = False) -> Classifier:
        """Load, validate (pydantic ``ValidationError`` on bad rules) and compile a topics file.

        Rules already compiled in this process from the same bytes (this file unchanged, or a
        copy of it) give the same classifier without compiling again (~0.2 s).
        """
        raw = path.read_bytes()
        key = (hashlib.sha256(raw).hexdigest(), reference)
        held = _COMPILED.get(key)
        if held is not None:
            return held
        # libyaml's loader when PyYAML was built with it: ten times faster at startup
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        compiled = cls(TopicsConfig.model_validate(data), reference=reference)
        while len(_COMPILED) >= MAX_COMPILED:
            del _COMPILED[next(iter(_COMPILED))]
        _COMPILED[key] = compiled
        return compiled

    @property
    def always_run(self) -> list[str]:
        """Ids of the patterns without anchors, which are tried on every text (slower)."""
        return [self.matcher.patterns[i].id for i in self.matcher.always]

    def classify(self, text: str) -> Classification:
        """Score `text`: evidence in text order, topics strongest first, exclusions as suppressed.

        Only the first ``max_chars`` characters are examined. Offsets index `text` itself
        (``text[e.start:e.end] == e.text``) and `Evidence.field` is "". Each rule adds its
        weight once; repeated matches are kept as evidence with weight 0 (at most a few per
        rule, about 100 in all).
        """
        return self.classify_fields({"": text})

    def classify_fields(self, fields: Mapping[str, str]) -> Classification:
        """Score one item made of named texts, e.g. ``{"title": ..., "synopsis": ...}``.

        Each field is matched on its own (a context must be found in the same field) and its
        evidence has ``field`` set to the field's name, with offsets into that field's text.
        A rule adds its weight once for the whole item, at its first match in field order;
        the item is relevant when the total reaches the threshold. Evidence is listed field
        by field (in the mapping's order), then by offset.
        """
        evidence: list[Evidence] = []
        suppressed: list[str] = []
        fired: dict[str, int] = {}
        score = 0.0
        for name, text in fields.items():
            for start, end, index in self._match(text[: self.max_chars]):
                pattern = self.matcher.patterns[index]
                span = text[start:end]
                if pattern.topic is None:
                    if span not in suppressed:
                        suppressed.append(span)
                    continue
                count = fired.get(pattern.id, 0)
                fired[pattern.id] = count + 1
                if count and (count >= MAX_EVIDENCE_PER_RULE or len(evidence) >= MAX_EVIDENCE):
                    continue  # repeats are capped; a rule's first match (its weight) is kept
                weight = pattern.weight if count == 0 else 0.0
                score += weight
                evidence.append(
                    Evidence(
                        start=start,
                        end=end,
                        text=span,
                        field=name,
                        rule=pattern.id,
                        topic=pattern.topic,
                        weight=weight,
                    )
                )
        if not evidence:
            return Classification(relevant=False, suppressed=suppressed, version=self.version)
        score = round(score, 6)
        return Classification(
            relevant=score >= self.threshold,
            score=score,
            topics=_rank_topics(evidence, self.fallback_topic),
            evidence=evidence,
            suppressed=suppressed,
            version=self.version,
        )


def _rank_topics(evidence: list[Evidence], fallback: Topic | None) -> list[Topic]:
    """Topics with evidence, strongest first.

    Strength is the weight of the topic's strongest match, ties going to the topic whose
    strongest match comes first in the evidence (field order, then text order). The
    `fallback` (catch-all) topic counts as weaker than any other topic's match unless its own
    strongest match is topic-defining.
    """
    best: dict[Topic, tuple[float, int]] = {}
    for position, item in enumerate(evidence):
        weight, _ = best.get(item.topic, (0.0, 0))
        if item.weight > weight:
            best[item.topic] = (item.weight, position)
        elif item.topic not in best:
            best[item.topic] = (0.0, position)

    def key(topic: Topic) -> tuple[float, int, int]:
        weight, first = best[topic]
        if topic == fallback and weight < TOPIC_DEFINING_WEIGHT:
            weight = weight / 100  # below any other topic's match
        return (-weight, first, TOPICS.index(topic))

    return sorted(best, key=key)


def explain(c: Classification, text: str | Mapping[str, str]) -> str:
    """Multi-line explanation of a verdict on `text` (or on the fields it was made from)."""
    threshold = _THRESHOLDS.get(c.version)
    verdict = "RELEVANT" if c.relevant else "not relevant"
    against = f"threshold {threshold:g}" if threshold is not None else "threshold unknown"
    lines = [f"{verdict}: score {c.score:g} vs {against} (rules {c.version or '?'})"]
    if c.topics:
        totals = {t: sum(e.weight for e in c.evidence if e.topic == t) for t in c.topics}
        lines.append("topics: " + ", ".join(f"{t} ({totals[t]:g})" for t in c.topics))
    if c.evidence:
        lines.append("matched:")
        for e in c.evidence:
            added = f"+{e.weight:g}" if e.weight else "+0 (rule already counted)"
            where = f"{e.field} {e.start}:{e.end}" if e.field else f"{e.start}:{e.end}"
            lines.append(f'  [{where}] "{e.text}"  rule {e.rule} -> {e.topic} {added}')
    else:
        lines.append("matched: nothing")
    if c.suppressed:
        fields = {"": text} if isinstance(text, str) else dict(text)
        lines.append("suppressed by exclusions (matches inside these spans were ignored):")
        for phrase in c.suppressed:
            spots = [(n, f.find(phrase)) for n, f in fields.items() if phrase in f]
            at = "".join(f" at {n + ' ' if n else ''}{i}" for n, i in spots[:1])
            lines.append(f'  "{phrase}"' + at)
    return "\n".join(lines)

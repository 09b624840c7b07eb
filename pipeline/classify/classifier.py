"""Rule-based relevance classifier: does an agenda item or bill touch immigrants' rights.

The rules live in ``config/topics.yaml`` (phrases, context rules, exclusions, weights and a
threshold; the file's header explains the format) and are validated by
`pipeline.classify.rules.TopicsConfig`. `Classifier` scores one text (`classify`) or the named fields
of one item (`classify_fields`: a title, synopses, amendments), and `explain` turns a verdict
into lines a human can check.

Speed: most agenda items match nothing. Nearly every rule and exclusion has keys: the starts
of the words its matches can begin with (`pipeline.classify.rules.start_keys`). One cut of the
lower-cased text into word starts tells which keys occur; a rule is then tried only where a
word with one of its keys begins, and the few rules without keys are searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from pipeline.classify.rules import (
    DEFAULT_WINDOW,
    KEY_LENGTH,
    KEY_RE,
    Exclusion,
    Rule,
    TopicRules,
    TopicsConfig,
    phrase_to_regex,
    start_keys,
)
from pipeline.models import TOPICS, Classification, Evidence, Topic

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterable, Mapping

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

ENGINE_VERSION = "rules-2"
MAX_EVIDENCE_PER_RULE = 5
MAX_EVIDENCE = 100
TOPIC_DEFINING_WEIGHT = 1.5
# How far (characters) to look for the words next to a case-sensitive match.
_NEIGHBOUR_REACH = 40

# Characters folded to an ASCII look-alike before matching; one char to one char, so offsets hold.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                       "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})  # fmt: skip
# One word character, to check that a match does not begin inside a word.
_WORD_CHAR_RE = re.compile(r"\w")
# For ASCII text: letters lower-cased, every other character but digits turned into a space.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256)
)
# Words of two or more letters, to tell whether a match sits among capitalised words.
_LETTERS_RE = re.compile(r"[^\W\d_]{2,}")

# Threshold of every Classifier built in this process, by version, so `explain` can report it.
_THRESHOLDS: dict[str, float] = {}


@dataclass(frozen=True)
class _Compiled:
    """A rule or exclusion ready for matching (`topic` is None for an exclusion)."""

    id: str
    topic: Topic | None
    weight: float
    regex: re.Pattern[str]
    context: re.Pattern[str] | None
    caps_context: re.Pattern[str] | None
    window: int


# One accepted match: start, end, and the index of its pattern in `Classifier._patterns`.
_Match = tuple[int, int, int]


class Classifier:
    """Scores texts against the rules of a `TopicsConfig`; see `classify` and `classify_fields`."""

    version: str

    def __init__(self, config: TopicsConfig) -> None:
        """Compile `config`; prefer `from_yaml` or `from_config`."""
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
        self._patterns: list[_Compiled] = []
        self._always: list[int] = []  # patterns without anchors: tried on every text
        by_key: dict[str, list[int]] = {}
        for index, (topic, pattern) in enumerate(entries):
            rule = pattern if isinstance(pattern, Rule) else None
            self._patterns.append(
                _Compiled(
                    id=pattern.id,
                    topic=topic,
                    weight=rule.weight if rule else 0.0,
                    # No leading look-behind: `re` can then skip ahead to a literal start.
                    regex=re.compile(f"(?:{pattern.source()})(?!\\w)", re.IGNORECASE),
                    context=_compile(rule.context if rule else None),
                    caps_context=_compile(rule.caps_context if rule else None),
                    window=rule.window if rule else DEFAULT_WINDOW,
                )
            )
            keys = start_keys(pattern.raw_source())
            if keys is None:
                self._always.append(index)
            for key in keys or ():
                by_key.setdefault(key, []).append(index)
        # Per key: each pattern to try where a word with that key starts, with its bound
        # `match`, whether it is a rule, and whether it has a context to check.
        self._tries = {
            key: tuple(
                (
                    i,
                    self._patterns[i].regex.match,
                    self._patterns[i].topic is not None,
                    self._patterns[i].context is not None
                    or self._patterns[i].caps_context is not None,
                )
                for i in indexes
            )
            for key, indexes in by_key.items()
        }
        self._keys = frozenset(by_key)
        self._key_of = {key.encode(): key for key in by_key}  # keys are ASCII
        self._byte_keys = frozenset(self._key_of)
        # Where a word with this key starts: the literal first (so `re` can skip ahead to it),
        # then "not inside a word" and, for a key shorter than KEY_LENGTH, "the word ends".
        self._finders = {
            key: re.compile(
                re.escape(key)
                + rf"(?<!\w{re.escape(key)})"
                + ("(?![a-z0-9])" if len(key) < KEY_LENGTH else "")
            )
            for key in by_key
        }
        _THRESHOLDS[self.version] = config.threshold

    @classmethod
    def from_config(cls, config: TopicsConfig) -> Classifier:
        """Build a classifier from an already validated config."""
        return cls(config)

    @classmethod
    def from_yaml(cls, path: pathlib.Path) -> Classifier:
        """Load, validate (pydantic ``ValidationError`` on bad rules) and compile a topics file."""
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        return cls(TopicsConfig.model_validate(data))

    @property
    def always_run(self) -> list[str]:
        """Ids of the patterns without anchors, which are tried on every text (slower)."""
        return [self._patterns[i].id for i in self._always]

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
            for start, end, index in self._matches(text):
                pattern = self._patterns[index]
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

    def _matches(self, text: str) -> list[_Match]:
        """Accepted rule and exclusion matches in `text`, in text order, none overlapping.

        Where matches overlap, the one starting first wins, then the longer one, then an
        exclusion over a rule, then the rule listed first; so "ice rink" takes its words
        before "ICE" can, and "immigration detention" before "immigra*".
        """
        view = text[: self.max_chars]
        if not view.isascii():
            view = view.translate(_FOLD)
        lowered = view.lower()
        found: list[tuple[int, int, bool, int]] = []
        searched: Iterable[int] = self._always
        if len(lowered) != len(view):  # lower() changed some lengths: its offsets are no use
            searched = range(len(self._patterns))
        else:
            finders = self._finders
            if view.isascii():  # fast path: cut words in C; a superset of KEY_RE's words
                words = view.encode("ascii").translate(_ASCII_WORDS).split()
                as_bytes = self._byte_keys.intersection([w[:KEY_LENGTH] for w in words])
                present: Iterable[str] = [self._key_of[key] for key in as_bytes]
            else:
                present = self._keys.intersection(KEY_RE.findall(lowered))
            for key in present:
                tries = self._tries[key]
                for word in finders[key].finditer(lowered):  # words that start with `key`
                    at = word.start()
                    for index, match_at, is_rule, checked in tries:
                        match = match_at(view, at)
                        if match is not None:
                            end = match.end()
                            if not checked or self._context_holds(
                                self._patterns[index], view, at, end
                            ):
                                found.append((at, -end, is_rule, index))
        for index in searched:
            search, at = self._patterns[index].regex.search, 0
            while (match := search(view, at)) is not None:
                start, end = match.span()
                at = end if end > start else start + 1
                if start and _WORD_CHAR_RE.match(view, start - 1):
                    at = start + 1  # began inside a word; a match may still start later in it
                    continue
                self._keep(found, index, view, start, end)
        if not found:
            return []
        found.sort()
        accepted: list[_Match] = []
        reached = 0
        for start, neg_end, _, index in found:
            if start >= reached:
                accepted.append((start, -neg_end, index))
                reached = -neg_end
        return accepted

    def _keep(
        self, found: list[tuple[int, int, bool, int]], index: int, view: str, start: int, end: int
    ) -> None:
        """Add the match of pattern `index` at [start, end) to `found` if its contexts hold."""
        pattern = self._patterns[index]
        if pattern.topic is None or self._context_holds(pattern, view, start, end):
            found.append((start, -end, pattern.topic is not None, index))

    @staticmethod
    def _context_holds(pattern: _Compiled, view: str, start: int, end: int) -> bool:
        """Whether the rule's context (and, in capitalised text, its caps_context) is near."""
        low, high = max(0, start - pattern.window), end + pattern.window
        if pattern.context is not None and not pattern.context.search(view, low, high):
            return False
        if pattern.caps_context is not None and _capitalised(view, start, end):
            return pattern.caps_context.search(view, low, high) is not None
        return True


def _compile(source: str | None) -> re.Pattern[str] | None:
    """A context regex, matched case-insensitively as whole words; None stays None."""
    return re.compile(_bounded(source), re.IGNORECASE) if source is not None else None


def _bounded(source: str) -> str:
    """`source` matched as whole words only."""
    return rf"(?<!\w)(?:{source})(?!\w)"


def _capitalised(view: str, start: int, end: int) -> bool:
    """Whether the words next to ``view[start:end]`` exist and are all in capitals."""
    before = _LETTERS_RE.findall(view, max(0, start - _NEIGHBOUR_REACH), start)
    after = _LETTERS_RE.findall(view, end, end + _NEIGHBOUR_REACH)
    neighbours = before[-1:] + after[:1]
    return bool(neighbours) and all(word.isupper() for word in neighbours)


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

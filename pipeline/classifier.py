"""Rule-based relevance classifier: does an agenda item or bill touch immigrants' rights.

The rules live in ``config/topics.yaml`` (phrases, context rules, exclusions, weights and a
threshold; the file's header explains the format). `TopicsConfig` validates that file;
`Classifier` compiles it into two alternation regexes (rules, exclusions) so one pass over
the text finds every match, and `explain` turns a verdict into lines a human can check.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from pipeline.models import TOPICS, Classification, Evidence, Topic

if TYPE_CHECKING:
    import pathlib

ENGINE_VERSION = "rules-1"
DEFAULT_WINDOW = 150
MAX_EVIDENCE_PER_RULE = 5
MAX_EVIDENCE = 100
QUANTIFIER_CHARS = "?*+{"

# Characters folded to an ASCII look-alike before matching; one char to one char, so offsets hold.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                       "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})  # fmt: skip
# Back-references, named groups and mid-pattern global flags: they break the combined regex.
_FORBIDDEN_RE = re.compile(r"\\[1-9]|\(\?P[<=]|\(\?<[A-Za-z]|\(\?[aiLmsux]+\)")
# An unbounded quantifier on a group that itself has a quantifier, e.g. "(a+)+": exponential backtracking.
_NESTED_QUANTIFIER_RE = re.compile(r"\([^()]*[+*}][^()]*\)(?:[+*]|\{\d*,\})")
# Runs of whitespace separating the words of a `phrase`.
_SPACES_RE = re.compile(r"\s+")
# At least one letter or digit, so a phrase is more than punctuation.
_WORD_CHAR_RE = re.compile(r"\w")

# Threshold of every Classifier built in this process, by version, so `explain` can report it.
_THRESHOLDS: dict[str, float] = {}


def phrase_to_regex(phrase: str) -> str:
    """Regex source for a `phrase` rule (see the header of ``config/topics.yaml``).

    Words are matched literally; a space matches any run of whitespace or hyphens, a hyphen
    inside a word is optional (or a space), an apostrophe is optional and a trailing ``*``
    matches any word ending.
    """
    parts = []
    for word in _SPACES_RE.split(phrase.strip()):
        stem = word.endswith("*")
        pieces = [re.escape(p).replace("'", "'?") for p in word.rstrip("*").split("-")]
        parts.append(r"[\s-]?".join(pieces) + (r"\w*" if stem else ""))
    return r"[\s-]+".join(parts)


def _check_regex(source: str, what: str, case_sensitive: bool = False) -> str:
    """Compile-check a user regex; raise ValueError naming `what` (the rule) on any problem."""
    forbidden = _FORBIDDEN_RE.search(source)
    if forbidden:
        raise ValueError(f"{what}: {forbidden.group()!r} is not allowed; use (?:...) groups")
    if _NESTED_QUANTIFIER_RE.search(source):
        raise ValueError(f"{what}: nested unbounded quantifier (like (a+)+) in {source!r}")
    try:
        compiled = re.compile(source, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{what}: invalid regex {source!r}: {exc}") from exc
    if compiled.fullmatch(""):
        raise ValueError(f"{what}: pattern {source!r} matches the empty string")
    return source


class _Pattern(BaseModel):
    """What rules and exclusions share: a stable id and one `phrase` or `regex`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=80)
    phrase: str | None = None
    regex: str | None = None
    case_sensitive: bool = False
    note: str = ""

    @field_validator("phrase")
    @classmethod
    def _check_phrase(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            if not _WORD_CHAR_RE.search(value):
                raise ValueError(f"rule {info.data.get('id')!r}: phrase has no letters or digits")
            _check_regex(phrase_to_regex(value), f"rule {info.data.get('id')!r}")
        return value

    @field_validator("regex")
    @classmethod
    def _check_pattern(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _check_regex(value, f"rule {info.data.get('id')!r}")
        return value

    @model_validator(mode="after")
    def _one_of_phrase_or_regex(self) -> _Pattern:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError(f"rule {self.id!r}: give exactly one of `phrase` or `regex`")
        return self

    def source(self) -> str:
        """Regex source of this pattern, with case sensitivity applied, not yet word-bounded."""
        source = self.regex if self.regex is not None else phrase_to_regex(self.phrase or "")
        return f"(?-i:{source})" if self.case_sensitive else source

    def lead_char(self) -> str:
        """The lower-cased literal first character every match starts with, or "" if unknown."""
        source = self.regex if self.regex is not None else phrase_to_regex(self.phrase or "")
        first = source[:1]
        if not (first.isascii() and first.isalnum()) or source[1:2] in QUANTIFIER_CHARS:
            return ""
        depth, in_class, i = 0, False, 0
        while i < len(source):  # a top-level "|" means other alternatives may start differently
            char = source[i]
            if char == "\\":
                i += 1
            elif in_class:
                in_class = char != "]"
            elif char == "[":
                in_class = True
            elif char in "()":
                depth += 1 if char == "(" else -1
            elif char == "|" and depth == 0:
                return ""
            i += 1
        return first.lower()


class Rule(_Pattern):
    """A rule that adds `weight` to the score of a text it matches (see ``config/topics.yaml``).

    ``context``: a regex that must also match within ``window`` characters of the match.
    """

    weight: float = Field(gt=0, le=10)
    context: str | None = None
    window: int = Field(default=DEFAULT_WINDOW, ge=1, le=5000)

    @field_validator("context")
    @classmethod
    def _check_context(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _check_regex(value, f"rule {info.data.get('id')!r} (context)")
        return value


class Exclusion(_Pattern):
    """A phrase whose span vetoes any rule match overlapping it ("ice rink", "bird sanctuary")."""


class TopicRules(BaseModel):
    """The rules of one topic; ``description`` says what the topic covers, for people."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    rules: list[Rule] = Field(default_factory=list)


class TopicsConfig(BaseModel):
    """The whole ``config/topics.yaml``: version, threshold, per-topic rules, exclusions.

    Topic keys must be in `pipeline.models.TOPICS`; rule and exclusion ids must be unique.
    Errors are pydantic ``ValidationError`` whose location is the entry and field
    (``topics.detention.rules.2.regex``) and whose message names the rule id.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=80)
    threshold: float = Field(gt=0)
    max_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    topics: dict[Topic, TopicRules]
    exclusions: list[Exclusion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> TopicsConfig:
        seen: set[str] = set()
        ids = [r.id for t in self.topics.values() for r in t.rules] + [
            e.id for e in self.exclusions
        ]
        for rule_id in ids:
            if rule_id in seen:
                raise ValueError(f"rule {rule_id!r}: id used more than once")
            seen.add(rule_id)
        return self


@dataclass(frozen=True)
class _CompiledRule:
    """A rule ready for matching: its topic, weight and compiled context check."""

    id: str
    topic: Topic
    weight: float
    context: re.Pattern[str] | None
    window: int


def _combine(patterns: list[_Pattern]) -> tuple[re.Pattern[str] | None, dict[int, int]]:
    """One whole-word alternation regex for `patterns`, and a map group number -> pattern index.

    Alternatives are bucketed by their literal first character behind a cheap lookahead, so
    most positions try a handful of alternatives instead of all; within a bucket longer
    patterns come first, so "immigration detention" wins over "immigration" at the same spot.
    """
    buckets: dict[str, list[int]] = {}
    for index, pattern in enumerate(patterns):
        buckets.setdefault(pattern.lead_char(), []).append(index)
    pieces: list[str] = []
    group_of: dict[int, int] = {}
    group = 0
    for lead in sorted(buckets, key=lambda k: (k == "", k)):
        alternatives = []
        for index in sorted(buckets[lead], key=lambda i: -len(patterns[i].source())):
            source = patterns[index].source()
            group += 1
            group_of[group] = index
            alternatives.append(f"({source})")
            group += re.compile(source, re.IGNORECASE).groups
        body = "|".join(alternatives)
        pieces.append(f"(?={re.escape(lead)})(?:{body})" if lead else f"(?:{body})")
    if not pieces:
        return None, {}
    combined = r"(?<!\w)(?:" + "|".join(pieces) + r")(?!\w)"
    return re.compile(combined, re.IGNORECASE), group_of


class Classifier:
    """Scores a text against the rules of a `TopicsConfig`; see `classify`."""

    version: str

    def __init__(self, config: TopicsConfig) -> None:
        """Compile `config`; prefer `from_yaml` or `from_config`."""
        self.config = config
        self.threshold = config.threshold
        self.max_chars = config.max_chars
        self.version = f"{ENGINE_VERSION}/{config.version}"
        rules: list[Rule] = []
        self._rules: list[_CompiledRule] = []
        for topic in TOPICS:
            for rule in config.topics[topic].rules if topic in config.topics else []:
                rules.append(rule)
                ctx = rule.context
                context = re.compile(rf"(?<!\w)(?:{ctx})(?!\w)", re.IGNORECASE) if ctx else None
                self._rules.append(_CompiledRule(rule.id, topic, rule.weight, context, rule.window))
        self._rule_re, self._rule_of_group = _combine(list(rules))
        self._exclusion_re, _ = _combine(list(config.exclusions))
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

    def classify(self, text: str) -> Classification:
        """Score `text`: evidence in text order, topics strongest first, exclusions as suppressed.

        Only the first ``max_chars`` characters are examined. Offsets index `text` itself
        (``text[e.start:e.end] == e.text``). Each rule adds its weight once; repeated matches
        are kept as evidence with weight 0 (at most a few per rule).
        """
        view = text[: self.max_chars].translate(_FOLD)
        excl_starts: list[int] = []
        excl_ends: list[int] = []
        suppressed: list[str] = []
        if self._exclusion_re is not None:
            for match in self._exclusion_re.finditer(view):
                excl_starts.append(match.start())
                excl_ends.append(match.end())
                if text[match.start() : match.end()] not in suppressed:
                    suppressed.append(text[match.start() : match.end()])
        evidence: list[Evidence] = []
        fired: dict[str, int] = {}
        if self._rule_re is not None:
            for match in self._rule_re.finditer(view):
                start, end = match.span()
                rule = self._rules[self._rule_of_group[match.lastindex or 0]]
                hit = bisect.bisect_right(excl_ends, start)  # first exclusion ending after start
                if hit < len(excl_starts) and excl_starts[hit] < end:
                    continue
                if rule.context is not None and not rule.context.search(
                    view, max(0, start - rule.window), end + rule.window
                ):
                    continue
                count = fired.get(rule.id, 0)
                fired[rule.id] = count + 1
                if count >= MAX_EVIDENCE_PER_RULE or len(evidence) >= MAX_EVIDENCE:
                    continue
                weight = rule.weight if count == 0 else 0.0
                evidence.append(
                    Evidence(
                        start=start,
                        end=end,
                        text=text[start:end],
                        rule=rule.id,
                        topic=rule.topic,
                        weight=weight,
                    )  # fmt: skip
                )
        score = round(sum(e.weight for e in evidence), 6)
        return Classification(
            relevant=score >= self.threshold,
            score=score,
            topics=_rank_topics(evidence),
            evidence=evidence,
            suppressed=suppressed,
            version=self.version,
        )


def _rank_topics(evidence: list[Evidence]) -> list[Topic]:
    """Topics with evidence, by strongest single match, then total weight, then TOPICS order."""
    strength: dict[Topic, tuple[float, float]] = {}
    for item in evidence:
        best, total = strength.get(item.topic, (0.0, 0.0))
        strength[item.topic] = (max(best, item.weight), total + item.weight)
    return sorted(strength, key=lambda t: (-strength[t][0], -strength[t][1], TOPICS.index(t)))


def explain(c: Classification, text: str) -> str:
    """Multi-line explanation of a verdict on `text`: matches, topics, exclusions, score."""
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
            lines.append(f'  [{e.start}:{e.end}] "{e.text}"  rule {e.rule} -> {e.topic} {added}')
    else:
        lines.append("matched: nothing")
    if c.suppressed:
        lines.append("suppressed by exclusions (matches inside these spans were ignored):")
        for phrase in c.suppressed:
            at = text.find(phrase)
            lines.append(f'  "{phrase}"' + (f" at {at}" if at >= 0 else ""))
    return "\n".join(lines)

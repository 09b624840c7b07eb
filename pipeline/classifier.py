"""Rule-based relevance classifier: does an agenda item or bill touch immigrants' rights.

The rules live in ``config/topics.yaml`` (phrases, context rules, exclusions, weights and a
threshold; the file's header explains the format). `TopicsConfig` validates that file;
`Classifier` compiles the rules and exclusions into one trie-shaped alternation regex, so
one pass over the text finds every match (plus one pre-checked scan per context rule), and
`explain` turns a verdict into lines a human can check.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
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
MAX_EXPANSION = 64
TOPIC_DEFINING_WEIGHT = 1.5

# Characters folded to an ASCII look-alike before matching; one char to one char, so offsets hold.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                       "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-"})  # fmt: skip
# Back-references, named groups and mid-pattern global flags: they break the combined regex.
_FORBIDDEN_RE = re.compile(r"\\[1-9]|\(\?P[<=]|\(\?<[A-Za-z]|\(\?[aiLmsux]+\)")
# An unbounded quantifier on a group ("(a+)+", "(?:x )*"): the way to slow, backtracking regexes.
_UNBOUNDED_GROUP_RE = re.compile(r"\)(?:[+*]|\{\d*,\})")
# The opening of a plain or flag-scoped group: "(", "(?:", "(?-i:" (not lookarounds).
_GROUP_PREFIX_RE = re.compile(r"\((?:\?[aiLmsux]*(?:-[imsx]+)?:)?")
# Class contents that are not a plain list of characters: ranges, escapes, negation.
_CLASS_HARD_RE = re.compile(r"^\^|\\|.-.")
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
    if _UNBOUNDED_GROUP_RE.search(source.replace("\\)", "")):
        raise ValueError(f"{what}: unbounded repeat of a group in {source!r}; use e.g. {{0,3}}")
    try:
        compiled = re.compile(source, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{what}: invalid regex {source!r}: {exc}") from exc
    if compiled.fullmatch(""):
        raise ValueError(f"{what}: pattern {source!r} matches the empty string")
    return source


def _scan(source: str, start: int) -> int:
    """Index just past the atom of `source` starting at `start` (escape, class, group or char)."""
    char = source[start]
    if char == "\\":
        return start + 2
    if char == "[":
        i = start + 1 + (source[start + 1 : start + 2] == "^")
        i += source[i : i + 1] == "]"  # a "]" first in a class is literal
        while i < len(source) and source[i] != "]":
            i += 2 if source[i] == "\\" else 1
        return i + 1
    if char == "(":
        depth, i = 0, start
        while i < len(source):
            if source[i] in "[\\":
                i = _scan(source, i)
                continue
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
            if depth == 0:
                return i
        return i
    return start + 1


def _split_alternatives(source: str) -> list[str]:
    """Split `source` at its top-level "|" (alternation is a union, so the parts are equivalent)."""
    parts, begin, i = [], 0, 0
    while i < len(source):
        if source[i] == "|":
            parts.append(source[begin:i])
            begin = i + 1
            i += 1
        else:
            i = _scan(source, i)
    parts.append(source[begin:])
    return parts


def _first_chars(source: str) -> frozenset[str] | None:
    """Lower-cased characters every match of `source` starts with; None when not easy to tell."""
    chars: set[str] = set()
    for alternative in _split_alternatives(source):
        i = 0
        while True:  # walk atoms while they are optional ("x?", "(?:...)*")
            if i >= len(alternative):
                return None  # the alternative can match empty: cannot tell
            end = _scan(alternative, i)
            atom = alternative[i:end]
            if atom.startswith("("):
                group = _GROUP_PREFIX_RE.match(atom)
                if group is None or (atom.startswith("(?") and group.end() == 1):
                    return None  # lookaround or other special group
                inner = _first_chars(atom[group.end() : -1])
            elif atom.startswith("["):
                body = atom[1:-1]
                inner = None if _CLASS_HARD_RE.search(body) else frozenset(body.lower())
            elif atom.startswith("\\"):
                inner = frozenset(atom[1]) if not atom[1:].isalnum() else None
            else:
                inner = frozenset(atom.lower())
            if not inner:
                return None
            chars |= inner
            quantifier = alternative[end : end + 1]
            if quantifier not in ("?", "*") and not alternative.startswith("{0", end):
                break
            i = end + 1 if quantifier != "{" else alternative.index("}", end) + 1
            i += alternative[i : i + 1] == "?"  # lazy quantifier
    return frozenset(chars)


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
        source = self.raw_source()
        return f"(?-i:{source})" if self.case_sensitive else source

    def raw_source(self) -> str:
        """Regex source of this pattern without the case-sensitivity wrapper."""
        return self.regex if self.regex is not None else phrase_to_regex(self.phrase or "")


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
    """A phrase whose span no rule may match inside ("ice rink", "bird sanctuary")."""


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
    fallback_topic: Topic | None = None

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
    """A rule ready for matching: its topic, weight and compiled context check (if any)."""

    id: str
    topic: Topic
    weight: float
    context: re.Pattern[str] | None
    window: int


def _expand(alternative: str) -> list[str]:
    """Distribute a leading ``(?:...)`` group over its branches: ``(?:a|b)?c`` -> a c, b c, c.

    The result matches the same strings; it lets more alternatives start with a literal.
    Quantifiers ``?``, ``*`` and ``+`` are handled; anything else is returned unchanged.
    """
    if not alternative.startswith("(?:"):
        return [alternative]
    end = _scan(alternative, 0)
    group, quantifier = alternative[:end], alternative[end : end + 1]
    rest = alternative[end + 1 :] if quantifier in ("?", "*", "+") else alternative[end:]
    if quantifier == "{" or (quantifier in ("?", "*", "+") and rest.startswith(("?", "+"))):
        return [alternative]
    branches = _split_alternatives(group[3:-1])
    tail = group + "*" + rest if quantifier in ("*", "+") else rest
    heads = [branch + tail for branch in branches] + ([rest] if quantifier in ("?", "*") else [])
    if not all(heads):
        return [alternative]
    expanded = [piece for head in heads for piece in _expand(head)]
    return expanded if len(expanded) <= MAX_EXPANSION else [alternative]


def _literal_prefix(piece: str) -> tuple[str, str]:
    """Split `piece` into its leading literal characters (unescaped) and the rest."""
    prefix, i = "", 0
    while i < len(piece):
        end = _scan(piece, i)
        atom = piece[i:end]
        if atom.startswith("\\") and len(atom) == 2 and not atom[1].isalnum():
            char = atom[1]
        elif len(atom) == 1 and atom not in ".^$()[]{}|?*+\\":
            char = atom
        else:
            break
        if piece[end : end + 1] in ("?", "*", "+", "{") and piece[end : end + 1] != "":
            break
        prefix, i = prefix + char, end
    return prefix, piece[i:]


@dataclass
class _TrieNode:
    """Alternatives sharing a literal prefix: children by next character, leaves by rest."""

    children: dict[str, _TrieNode] = field(default_factory=dict)
    leaves: list[tuple[int, str]] = field(default_factory=list)


class _Builder:
    """Builds one alternation regex; each alternative ends in an empty marker group ``()``."""

    def __init__(self) -> None:
        self.groups = 0
        self.group_of: dict[int, int] = {}

    def leaf(self, index: int, source: str) -> str:
        """`source` followed by a marker group that maps back to pattern `index`."""
        self.groups += re.compile(source, re.IGNORECASE).groups + 1
        self.group_of[self.groups] = index
        return f"{source}()"

    def trie(self, node: _TrieNode) -> str:
        """Alternation for `node`: longer literal prefixes first, then longer rests."""
        options = []
        for char in sorted(node.children):
            variants = char if char.lower() == char.upper() else char.lower() + char.upper()
            head = f"(?-i:[{re.escape(variants)}])" if len(variants) > 1 else re.escape(char)
            options.append(head + self.trie(node.children[char]))
        for index, rest in sorted(node.leaves, key=lambda leaf: -len(leaf[1])):
            options.append(self.leaf(index, rest))
        return options[0] if len(options) == 1 and not node.leaves else f"(?:{'|'.join(options)})"


def _combine(patterns: list[_Pattern]) -> tuple[re.Pattern[str] | None, dict[int, int]]:
    """One whole-word alternation regex for `patterns`, and a map group number -> pattern index.

    Python's ``re`` tries alternatives one by one, so hundreds of them would be slow. Here
    alternatives are merged into a trie on their literal (case-folded) prefixes, so a position
    in the text only tries the branches that share its first letters; where prefixes diverge,
    the longer prefix is tried first ("immigration detention" before "immigra*"). Case-sensitive
    alternatives and those without a literal start sit behind a one-character lookahead.
    """
    root = _TrieNode()
    others: dict[str, list[tuple[int, str]]] = {}
    for index, pattern in enumerate(patterns):
        for alternative in _split_alternatives(pattern.raw_source()):
            for piece in [alternative] if pattern.case_sensitive else _expand(alternative):
                prefix, rest = ("", piece) if pattern.case_sensitive else _literal_prefix(piece)
                if prefix:
                    node = root
                    for char in prefix.lower():
                        node = node.children.setdefault(char, _TrieNode())
                    node.leaves.append((index, rest))
                    continue
                wrapped = f"(?-i:{piece})" if pattern.case_sensitive else piece
                for char in _first_chars(piece) or {""}:
                    others.setdefault(char, []).append((index, wrapped))
    builder = _Builder()
    pieces = [builder.trie(root)] if root.children else []
    for key in sorted(others, key=lambda k: (k == "", k)):
        members = sorted(others[key], key=lambda member: -len(member[1]))
        body = "|".join(builder.leaf(index, source) for index, source in members)
        pieces.append(f"(?={re.escape(key)})(?:{body})" if key else f"(?:{body})")
    if not pieces:
        return None, {}
    combined = r"(?<!\w)(?:" + "|".join(pieces) + r")(?!\w)"
    return re.compile(combined, re.IGNORECASE), dict(builder.group_of)


class Classifier:
    """Scores a text against the rules of a `TopicsConfig`; see `classify`."""

    version: str

    def __init__(self, config: TopicsConfig) -> None:
        """Compile `config`; prefer `from_yaml` or `from_config`."""
        self.config = config
        self.threshold = config.threshold
        self.max_chars = config.max_chars
        self.version = f"{ENGINE_VERSION}/{config.version}"
        self.fallback_topic = config.fallback_topic
        plain: list[Rule] = []
        self._rules: list[_CompiledRule] = []
        # Context rules get a scan each, so a failed context check never hides another rule.
        self._context_rules: list[tuple[_CompiledRule, re.Pattern[str], tuple[str, ...]]] = []
        for topic, topic_rules in sorted(config.topics.items(), key=lambda t: TOPICS.index(t[0])):
            for rule in topic_rules.rules:
                if rule.context is None:
                    plain.append(rule)
                    self._rules.append(_CompiledRule(rule.id, topic, rule.weight, None, 0))
                    continue
                context = re.compile(_bounded(rule.context), re.IGNORECASE)
                compiled = _CompiledRule(rule.id, topic, rule.weight, context, rule.window)
                pattern = re.compile(_bounded(rule.source()), re.IGNORECASE)
                self._context_rules.append((compiled, pattern, _required_literals(rule)))
        # Rules and exclusions share one regex: at a given position the longer literal wins,
        # so "ice rink" consumes the text before "ICE" could match inside it.
        self._regex, self._index_of_group = _combine([*plain, *config.exclusions])
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
        are kept as evidence with weight 0 (at most a few per rule, about 100 in all).
        """
        view = text[: self.max_chars]
        if not view.isascii():
            view = view.translate(_FOLD)
        excl_starts: list[int] = []
        excl_ends: list[int] = []
        suppressed: list[str] = []
        spans: list[tuple[int, int, _CompiledRule]] = []
        for match in self._regex.finditer(view) if self._regex is not None else ():
            start, end = match.span()
            index = self._index_of_group[match.lastindex or 0]
            if index < len(self._rules):
                spans.append((start, end, self._rules[index]))
                continue
            excl_starts.append(start)
            excl_ends.append(end)
            if text[start:end] not in suppressed:
                suppressed.append(text[start:end])
        taken_starts = [s for s, _, _ in spans]
        taken_ends = [e for _, e, _ in spans]
        lowered = view.lower()
        for rule, pattern, literals in self._context_rules:
            if literals and not any(literal in lowered for literal in literals):
                continue  # cheap pre-check: a literal every match starts with is absent
            for match in pattern.finditer(view):
                start, end = match.span()
                if (
                    _overlaps(excl_starts, excl_ends, start, end)
                    or _overlaps(taken_starts, taken_ends, start, end)
                    or rule.context is None
                    or not rule.context.search(view, max(0, start - rule.window), end + rule.window)
                ):
                    continue
                spans.append((start, end, rule))
        evidence: list[Evidence] = []
        fired: dict[str, int] = {}
        for start, end, rule in sorted(spans, key=lambda span: span[0]):
            count = fired.get(rule.id, 0)
            fired[rule.id] = count + 1
            if count and (count >= MAX_EVIDENCE_PER_RULE or len(evidence) >= MAX_EVIDENCE):
                continue  # repeats are capped; a rule's first match (its weight) is always kept
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
            topics=_rank_topics(evidence, self.fallback_topic),
            evidence=evidence,
            suppressed=suppressed,
            version=self.version,
        )


def _required_literals(pattern: _Pattern) -> tuple[str, ...]:
    """Lower-case literals one of which starts every match of `pattern`; () when unknown."""
    literals = []
    for alternative in _split_alternatives(pattern.raw_source()):
        for piece in _expand(alternative):
            prefix, _ = _literal_prefix(piece)
            if not prefix:
                return ()
            literals.append(prefix.lower())  # compared with the lower-cased text
    return tuple(literals)


def _bounded(source: str) -> str:
    """`source` matched as whole words only."""
    return rf"(?<!\w)(?:{source})(?!\w)"


def _overlaps(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, non-overlapping spans (starts, ends)."""
    hit = bisect.bisect_right(ends, start)  # first span ending after `start`
    return hit < len(starts) and starts[hit] < end


def _rank_topics(evidence: list[Evidence], fallback: Topic | None) -> list[Topic]:
    """Topics with evidence, strongest first.

    Strength is the weight of the topic's strongest match, ties going to the topic whose
    strongest match comes first in the text. The `fallback` (catch-all) topic counts as
    weaker than any other topic's match unless its own strongest match is topic-defining.
    """
    best: dict[Topic, tuple[float, int]] = {}
    for item in evidence:
        weight, _ = best.get(item.topic, (0.0, 0))
        if item.weight > weight:
            best[item.topic] = (item.weight, item.start)
        elif item.topic not in best:
            best[item.topic] = (0.0, item.start)

    def key(topic: Topic) -> tuple[float, int, int]:
        weight, first = best[topic]
        if topic == fallback and weight < TOPIC_DEFINING_WEIGHT:
            weight = weight / 100  # below any other topic's match
        return (-weight, first, TOPICS.index(topic))

    return sorted(best, key=key)


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

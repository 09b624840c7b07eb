"""The rules file ``config/topics.yaml``: its validated model and the regex analysis behind it.

`TopicsConfig` validates the file (pydantic errors name the entry, the field and the rule id).
The helpers below read a rule's regex source without running it: `phrase_to_regex` turns a
`phrase` into a regex, and `start_keys` finds the words every match can begin with, so `pipeline.classify.classifier`
only tries a rule where one of those words starts in a text.
"""

from __future__ import annotations

import re

import re2
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from pipeline.classify.folding import fold, re2_options, re2_refusal
from pipeline.models import Topic

DEFAULT_WINDOW = 150
# A text's keys: the first KEY_LENGTH characters of each word, lower-cased (see start_keys).
KEY_LENGTH = 6
# Shortest literal start of a word that may serve as a prefix key ("adopt*" for "adopt\w*").
MIN_PREFIX = 4
# Marks a prefix key: any word starting with it, not just a word whose key it is.
PREFIX_MARK = "*"
# The start of each word of a lower-cased text, at most KEY_LENGTH letters or digits.
KEY_RE = re.compile(r"\b[a-z0-9]{1,6}")
# At most this many alternatives from distributing leading groups (see heads).
MAX_EXPANSION = 64
# At most this many leading groups distributed, one inside the other (see heads).
MAX_DEPTH = 6

# Back-references, named groups and mid-pattern global flags: they break the rule engine.
_FORBIDDEN_RE = re.compile(r"\\[1-9]|\(\?P[<=]|\(\?<[A-Za-z]|\(\?[aiLmsux]+\)")
# Look-ahead and look-behind: RE2 (linear time, see pipeline.classify.matcher) has neither.
_LOOKAROUND_RE = re.compile(r"\(\?<?[=!]")
# Runs of whitespace separating the words of a `phrase`.
_SPACES_RE = re.compile(r"\s+")
# At least one letter or digit, so a phrase is more than punctuation.
_WORD_CHAR_RE = re.compile(r"\w")
# A group at the start of a pattern: "(?:", "(?-i:" (not a lookaround or a capture).
_LEADING_GROUP_RE = re.compile(r"\(\?[aiLmsux]*(?:-[imsx]+)?:")
# A quantifier right after an atom: ?, *, +, {n}, {n,}, {n,m}, optionally lazy or possessive.
_QUANTIFIER_RE = re.compile(r"(?:[?*+]|\{(\d*)(?:,\d*)?\})[?+]?")


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


def check_regex(source: str, what: str) -> str:
    r"""Check a user regex as the matcher will run it; raise ValueError naming `what` and why.

    Rules run on RE2, which takes time linear in the text whatever the pattern, so a rule that
    would backtrack for minutes under Python's ``re`` (``(a+)+b``) is harmless. RE2 refuses
    what it cannot run in linear time (look-around, back-references) and patterns too large
    for its memory budget (``(?:\w{0,1000}){0,1000}``); the error says which.
    """
    forbidden = _FORBIDDEN_RE.search(source)
    if forbidden:
        raise ValueError(f"{what}: {forbidden.group()!r} is not allowed; use (?:...) groups")
    lookaround = _LOOKAROUND_RE.search(source)
    if lookaround:
        raise ValueError(
            f"{what}: look-around {lookaround.group()!r} is not supported (rules run on RE2, "
            "a linear-time engine): put the words in the match, e.g. 'in-state tuition' rather "
            "than '(?<=in-state )tuition', or use `context`"
        )
    refusal = re2_refusal(source)
    if refusal is not None:
        raise ValueError(f"{what}: refused by the linear-time regex engine (RE2): {refusal}")
    if re2.compile(fold(source), re2_options()).fullmatch(""):
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


def split_alternatives(source: str) -> list[str]:
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


def _literal_char(atom: str) -> str | None:
    r"""The character `atom` matches literally (``a``, ``\.``), or None (class, ``\s``, ``.``)."""
    if len(atom) == 2 and atom[0] == "\\" and not atom[1].isalnum():
        return atom[1]
    if len(atom) == 1 and atom not in ".^$()[]{}|?*+\\":
        return atom
    return None


def _is_key_char(char: str) -> bool:
    """Whether `char` belongs to a word as `KEY_RE` cuts words (ASCII letters and digits)."""
    return char.isascii() and char.isalnum()


def _non_word(atom: str) -> bool:
    r"""Whether `atom` can only match non-word characters (" ", "\(", "[\s-]", "\W")."""
    char = _literal_char(atom)
    if char is not None:
        return not (char.isalnum() or char == "_")
    if atom in ("\\s", "\\W"):
        return True
    if atom.startswith("[") and not atom.startswith("[^"):
        body = atom[1:-1].replace("\\s", "").replace("\\W", "")
        return not re.search(r"\w|\\[wdWSDbB]|[^\\]-[^\]]", body)
    return False


def _ends_word(piece: str, i: int) -> bool:
    """Whether a word must end at position `i` of `piece` (a whole-word pattern)."""
    while i < len(piece):
        end = _scan(piece, i)
        quantifier = _QUANTIFIER_RE.match(piece, end)
        optional = quantifier is not None and (
            quantifier.group()[0] in "?*" or quantifier.group(1) in ("", "0")
        )
        if not _non_word(piece[i:end]):
            return False
        if not optional:
            return True
        i = quantifier.end() if quantifier is not None else end
    return True  # the end of the pattern is the end of a word


def heads(alternative: str, depth: int = 0) -> list[str]:
    """Alternatives that together start like `alternative`, its leading group distributed.

    ``(?:a|b)?c`` -> ``a…c``, ``b…c``, ``c``; ``(?-i:X)`` and ``{m,n}`` repeats count as
    groups. Only the start of each result is faithful (what follows a branch may be more of
    the group), which is all `start_keys` needs. Nesting deeper than `MAX_DEPTH` (a group
    repeated inside a repeated group can distribute for ever) is left as it is.
    """
    group = _LEADING_GROUP_RE.match(alternative)
    if group is None or depth > MAX_DEPTH:
        return [alternative]
    end = _scan(alternative, 0)
    quantifier = _QUANTIFIER_RE.match(alternative, end)
    rest = alternative[quantifier.end() :] if quantifier else alternative[end:]
    optional = quantifier is not None and (
        quantifier.group()[0] in "?*" or quantifier.group(1) in ("", "0")
    )
    repeated = quantifier is not None and quantifier.group()[0] != "?"
    tail = alternative[:end] + "*" + rest if repeated else rest
    branches = split_alternatives(alternative[group.end() : end - 1])
    found = [branch + tail for branch in branches] + ([rest] if optional else [])
    if not all(found):
        return [alternative]
    expanded = [piece for head in found for piece in heads(head, depth + 1)]
    return expanded if len(expanded) <= MAX_EXPANSION else [alternative]


def _piece_starts(piece: str, run: str = "") -> set[tuple[str, str]] | None:
    """(key, literal start) of the first word of `piece`'s matches, after the letters `run`.

    The literal start is every character a match must begin with, lower-cased: the key's
    letters and the literal text after them ("immigration " for ``immigration (?:agents)``).
    None when a match need not begin with a literal word.
    """
    i = _scan(piece, 0) if not run and piece.startswith(("(?<=", "(?<!")) else 0  # zero-width
    while i < len(piece):
        end = _scan(piece, i)
        quantifier = _QUANTIFIER_RE.match(piece, end)
        if run and quantifier is not None and quantifier.group() == "?":
            # "non[\s-]?sanctuary": one key with the optional atom, one without
            with_it = _piece_starts(piece[i:end] + piece[quantifier.end() :], run)
            without = _piece_starts(piece[quantifier.end() :], run)
            return None if with_it is None or without is None else with_it | without
        char = _literal_char(piece[i:end])
        if char is None or not _is_key_char(char) or quantifier is not None:
            break
        run, i = run + char.lower(), end
        if len(run) == KEY_LENGTH:
            return {(run, run + _literal_tail(piece, i))}
    if run and _ends_word(piece, i):
        return {(run, run + _literal_tail(piece, i))}
    # "adopt\w*", "driv(?:er|ing)": the word goes on past what is literal; its start is a prefix
    return {(run + PREFIX_MARK, run)} if len(run) >= MIN_PREFIX else None


def _literal_tail(piece: str, i: int) -> str:
    """The literal characters (lower-cased) `piece` requires from position `i` on."""
    tail = ""
    while i < len(piece):
        end = _scan(piece, i)
        char = _literal_char(piece[i:end])
        if char is None or _QUANTIFIER_RE.match(piece, end):
            break
        tail, i = tail + char.lower(), end
    return tail


def start_literals(source: str) -> frozenset[tuple[str, str]] | None:
    """(key, literal start) of every way a match of `source` can begin; see `start_keys`."""
    starts: set[tuple[str, str]] = set()
    for alternative in split_alternatives(source):
        for piece in heads(alternative):
            found = _piece_starts(piece)
            if found is None:
                return None
            starts |= found
    return frozenset(starts)


def start_keys(source: str) -> frozenset[str] | None:
    r"""Keys of the words that matches of `source` (as whole words) can begin with.

    A text's keys are the first `KEY_LENGTH` letters or digits of each of its words,
    lower-cased (`KEY_RE`). A pattern has keys when each of its alternatives (see `heads`)
    starts with a literal word: its first `KEY_LENGTH` characters, the whole word if it is
    shorter and must end there ("ice", "287(g)"), or, marked with `PREFIX_MARK`, the first
    `MIN_PREFIX` or more literal letters of a word that goes on ("adopt*" for ``adopt\w*``).
    None otherwise: such a pattern is searched for in every text, which is slower.
    """
    starts = start_literals(source)
    return None if starts is None else frozenset(key for key, _ in starts)


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
            check_regex(phrase_to_regex(value), f"rule {info.data.get('id')!r}")
        return value

    @field_validator("regex")
    @classmethod
    def _check_pattern(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_regex(value, f"rule {info.data.get('id')!r}")
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

    - ``context``: a regex that must also match within ``window`` characters of the match.
    - ``caps_context``: for a `case_sensitive` rule, a regex that must match within ``window``
      characters when the match sits in capitalised text (its neighbouring words are all in
      capitals), where capitals say nothing ("SNOW-ICE REMOVAL").
    - ``unless``: a regex that vetoes the match when it matches within ``window`` characters
      ("immigrant" near "Ellis Island" or "genealogy" is a history talk).
    - ``concept``: the id of the concept in ``docs/concepts.md`` the rule is a wording of.
    """

    weight: float = Field(gt=0, le=10)
    concept: str = Field(default="", pattern=r"^([a-z]+\.[a-z0-9_]+)?$")
    context: str | None = None
    caps_context: str | None = None
    unless: str | None = None
    window: int = Field(default=DEFAULT_WINDOW, ge=1, le=5000)

    @field_validator("context", "caps_context", "unless")
    @classmethod
    def _check_context(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_regex(value, f"rule {info.data.get('id')!r} ({info.field_name})")
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

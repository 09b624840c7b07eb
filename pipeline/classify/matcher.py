r"""Where the rules of ``config/topics.yaml`` match a text, in time linear in its length.

Rules are run by RE2 (the ``google-re2`` binding), a regex engine without backtracking: no
rule, however it is written, can make a text take exponential time (a rule such as
``detention(?:\s?\w|\w){0,40}!`` took 30 s per text under Python's ``re``). RE2 has no
look-around and no back-references; `pipeline.classify.rules.check_regex` refuses those and
says why.

Every text is first *folded* (`fold`): accents are dropped and typographic quotes, dashes and
spaces become their ASCII forms, one character for one, so offsets stay those of the original
and a rule written ``inmigración`` (folded the same way) matches "INMIGRACION" and
"inmigración" alike. Anything left outside ASCII becomes ``?``.

What a match is (the contract both paths below keep, and a test checks they agree):

* a pattern matches at a *start*: the beginning of the text or a position whose previous
  character is not a word character (``[0-9A-Za-z_]`` after folding); the match is the one RE2
  prefers there (Perl's leftmost-first choice), must end where no word character follows, and
  may cover at most `MAX_SPAN` characters;
* a rule with a ``context`` (or, in capitalised text, a ``caps_context``) counts only when a
  match of that regex, found scanning the field left to right, lies within ``window``
  characters of the match; a rule with an ``unless`` counts only when no match of that regex
  does;
* where accepted matches overlap, the one starting first wins, then the longer one, then an
  exclusion over a rule, then the pattern listed first.

`Matcher.matches` is the fast path: a rule is tried only where a word starting with one of its
keys begins (`pipeline.classify.rules.start_keys`); a pattern without keys is searched for.
`Matcher.plain_matches` tries every pattern at every start: slow, and the reference.
"""

from __future__ import annotations

import bisect
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import re2

from pipeline.classify.folding import WORD_CHARS as _WORD
from pipeline.classify.folding import fold, re2_options
from pipeline.classify.normalize import is_plain, views
from pipeline.classify.rules import KEY_LENGTH, PREFIX_MARK, Exclusion, Rule, start_literals

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pipeline.models import Topic

# Longest span (characters) one match may cover: a rule matches a phrase, not a page. It bounds
# the work of one attempt, so a text of n characters costs at most O(n * MAX_SPAN) per rule.
MAX_SPAN = 400
_ANCHOR_START = re2._Anchor.ANCHOR_START
_UNANCHORED = re2._Anchor.UNANCHORED
# For ASCII bytes: letters lower-cased, every other byte but digits turned into a space.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256)
)
# Cuts a word (bytes) to its key.
_CUT_KEY = operator.itemgetter(slice(KEY_LENGTH))
# Whether each byte is a word character (folded text is ASCII).
_IS_WORD = [chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_") for c in range(256)]
# Words of two or more letters, to tell whether a match sits among capitalised words.
_LETTERS_RE = re.compile(r"[A-Za-z]{2,}")
# How far (characters) to look for the words next to a case-sensitive match.
_NEIGHBOUR_REACH = 40


@dataclass
class _Pattern:
    """A rule or exclusion compiled for RE2 (`topic` is None for an exclusion)."""

    id: str
    topic: Topic | None
    weight: float
    anchored: re2._re2.RE2  # X then a non-word character or the end, without captures (fast)
    captured: re2._re2.RE2  # the same with X captured, for a match that reaches the text's end
    finder: re2._re2.RE2  # a non-word character then X: where X can start after position 0
    context: re2._re2.RE2 | None
    caps_context: re2._re2.RE2 | None
    unless: re2._re2.RE2 | None
    window: int
    starts: frozenset[tuple[str, str]] | None  # (key, literal start), see start_literals


def _raw(source: str, capture: bool = True) -> re2._re2.RE2:
    options = re2_options()
    options.never_capture = not capture  # the user's groups too: RE2 is faster without
    return re2.compile(source, options)._regexp


def _context(source: str | None) -> re2._re2.RE2 | None:
    if source is None:
        return None
    return _raw(f"(?:^|[^{_WORD}])({fold(source)})(?:[^{_WORD}]|$)")


def compile_pattern(topic: Topic | None, pattern: Rule | Exclusion) -> _Pattern:
    """Compile one validated rule or exclusion; `re2.error` if RE2 refuses it."""
    rule = pattern if isinstance(pattern, Rule) else None
    source = fold(pattern.source())
    return _Pattern(
        id=pattern.id,
        topic=topic,
        weight=rule.weight if rule else 0.0,
        anchored=_raw(f"(?:{source})(?:[^{_WORD}]|$)", capture=False),
        captured=_raw(f"({source})(?:[^{_WORD}]|$)"),
        finder=_raw(f"[^{_WORD}](?:{source})", capture=False),
        context=_context(rule.context if rule else None),
        caps_context=_context(rule.caps_context if rule else None),
        unless=_context(rule.unless if rule else None),
        window=rule.window if rule else 0,
        starts=start_literals(fold(pattern.raw_source())),
    )


# One candidate match: start, minus its end (longer first), is-rule, pattern index.
_Candidate = tuple[int, int, bool, int]
# One accepted match: start, end, and the index of its pattern.
Match = tuple[int, int, int]


@dataclass
class _Field:
    """One folded text being matched, with the context spans found in it so far."""

    view: str
    data: bytes
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


class Matcher:
    """The compiled rules and exclusions of one config, in their listed order."""

    def __init__(self, entries: Iterable[tuple[Topic | None, Rule | Exclusion]]) -> None:
        self.patterns = [compile_pattern(topic, pattern) for topic, pattern in entries]
        self.always = [i for i, p in enumerate(self.patterns) if p.starts is None]
        by_key: dict[str, list[int]] = {}
        literals: dict[tuple[str, int], tuple[str, ...]] = {}
        for index, pattern in enumerate(self.patterns):
            for key, literal in sorted(pattern.starts or ()):
                if (key, index) not in literals:
                    by_key.setdefault(key, []).append(index)
                literals[key, index] = (*literals.get((key, index), ()), literal)
        # Per key, what `matches` needs of each pattern to try: its index, the literal starts
        # a match needs (checked first: far cheaper than RE2), its bound RE2 match, whether it
        # is a rule, and whether it has a context to check.
        self._tries = {
            key: tuple(
                (
                    i,
                    literals[key, i],
                    self.patterns[i].anchored.Match,
                    self.patterns[i].topic is not None,
                    self.patterns[i].context is not None
                    or self.patterns[i].caps_context is not None
                    or self.patterns[i].unless is not None,
                )
                for i in indexes
            )
            for key, indexes in by_key.items()
        }
        self._key_of = {key.encode(): key for key in by_key if not key.endswith(PREFIX_MARK)}
        self._byte_keys = frozenset(self._key_of)
        # Prefix keys by length: a word is cut at each length to look them up.
        self._prefixes: dict[int, dict[bytes, str]] = {}
        for key in by_key:
            if key.endswith(PREFIX_MARK):
                stem = key[: -len(PREFIX_MARK)]
                self._prefixes.setdefault(len(stem), {})[stem.encode()] = key
        # Where a word with this key starts: the literal first (so `re` can skip ahead to it),
        # then "not inside a word" and, for a whole word shorter than KEY_LENGTH, "it ends".
        self._finders = {key: _finder(key) for key in by_key}
        # Each prefix length with the C-level function that cuts a word to it.
        self._prefix_cuts = [
            (operator.itemgetter(slice(length)), stems) for length, stems in self._prefixes.items()
        ]

    def matches(self, text: str) -> list[Match]:
        """Accepted matches in `text` (already cut to length), in text order; the fast path.

        Offsets are those of `text`; the rules see its `views` (ligatures and invisible
        characters repaired, line-break hyphens also joined).
        """
        if is_plain(text):  # most texts: skip building views
            return _resolve(self._view_matches(text))
        return _resolve(_candidates(self._view_matches, text))

    def plain_matches(self, text: str) -> list[Match]:
        """The same as `matches`, trying every pattern at every start: slow, for tests."""
        return _resolve(_candidates(self._plain_view_matches, text))

    def _view_matches(self, text: str) -> list[_Candidate]:
        """Candidate matches in one view (offsets into it), before overlaps are resolved."""
        target = self._field(text)
        found: list[_Candidate] = []
        data = target.data
        words = data.translate(_ASCII_WORDS).split()
        key_of = self._key_of
        present = [key_of[k] for k in self._byte_keys.intersection(map(_CUT_KEY, words))]
        for cut, stems in self._prefix_cuts:
            present += [stems[k] for k in stems.keys() & set(map(cut, words))]
        if present:  # `_attempt`, inlined: this loop is most of the classifier's time
            lowered, size = target.view.lower(), len(data)
            for key in present:
                tries = self._tries[key]
                for word in self._finders[key].finditer(lowered):
                    at = word.start()
                    for index, starts, match, is_rule, checked in tries:
                        if not lowered.startswith(starts, at):
                            continue
                        end = match(_ANCHOR_START, data, at, min(size, at + MAX_SPAN + 1))[0][1]
                        if end < 0:
                            continue
                        # the boundary took one character, unless the match reached the end
                        end = end - 1 if end < size else self._end(index, data, at)
                        if end == at or end - at > MAX_SPAN:
                            continue
                        if checked and not self._context_holds(target, index, at, end):
                            continue
                        found.append((at, -end, is_rule, index))
        for index in self.always:
            for start in self._starts(target, index):
                self._attempt(target, index, start, found)
        return found

    def _plain_view_matches(self, text: str) -> list[_Candidate]:
        target = self._field(text)
        found: list[_Candidate] = []
        view = target.view
        starts = [i for i in range(len(view)) if i == 0 or not _is_word(view[i - 1])]
        for index in range(len(self.patterns)):
            for start in starts:
                self._attempt(target, index, start, found)
        return found

    @staticmethod
    def _field(text: str) -> _Field:
        view = fold(text)
        return _Field(view=view, data=view.encode("ascii"))

    def _starts(self, target: _Field, index: int) -> list[int]:
        """Starts where pattern `index` may match, found by RE2's search (patterns without keys).

        The search runs in windows of ``2 * MAX_SPAN`` characters, so a pattern that could
        match very long spans costs O(text * MAX_SPAN) at worst, never O(text ** 2).
        """
        starts = [0] if target.data else []
        finder, data, at = self.patterns[index].finder, target.data, 0
        while at < len(data):
            span = finder.Match(_UNANCHORED, data, at, min(len(data), at + 2 * MAX_SPAN + 2))[0]
            if span[0] < 0:
                at += MAX_SPAN + 1  # no match starts in this window's first half
                continue
            starts.append(span[0] + 1)  # after the non-word character the finder begins with
            at = span[0] + 1
        return starts

    def _attempt(self, target: _Field, index: int, start: int, found: list[_Candidate]) -> None:
        """Add pattern `index`'s match at `start` to `found` if there is one and it counts."""
        pattern, data = self.patterns[index], target.data
        limit = min(len(data), start + MAX_SPAN + 1)
        end = pattern.anchored.Match(_ANCHOR_START, data, start, limit)[0][1]
        if end < 0:
            return
        end = end - 1 if end < len(data) else self._end(index, data, start)
        if end == start or end - start > MAX_SPAN:
            return
        if pattern.topic is not None and not self._context_holds(target, index, start, end):
            return
        found.append((start, -end, pattern.topic is not None, index))

    def _end(self, index: int, data: bytes, start: int) -> int:
        """End of pattern `index`'s match at `start`, which reaches the end of `data`."""
        if _IS_WORD[data[-1]]:
            return len(data)  # a word character cannot be the boundary: the end of text was
        # the last character is the boundary or the match's own: only the captured group knows
        return int(self.patterns[index].captured.Match(_ANCHOR_START, data, start, len(data))[1][1])

    def _context_holds(self, target: _Field, index: int, start: int, end: int) -> bool:
        """Whether the rule's context (and caps_context, in capitals) is near and `unless` is not."""
        pattern = self.patterns[index]
        low, high = start - pattern.window, end + pattern.window
        if pattern.context is not None and not _near(
            self._spans(target, 3 * index, pattern.context), low, high
        ):
            return False
        if pattern.unless is not None and _near(
            self._spans(target, 3 * index + 2, pattern.unless), low, high
        ):
            return False
        if pattern.caps_context is not None and _capitalised(target.view, start, end):
            return _near(self._spans(target, 3 * index + 1, pattern.caps_context), low, high)
        return True

    @staticmethod
    def _spans(target: _Field, slot: int, regex: re2._re2.RE2) -> list[tuple[int, int]]:
        """Matches of a context regex in the field, left to right, found once per field."""
        spans = target.spans.get(slot)
        if spans is None:
            spans, data, at = [], target.data, 0
            while (found := regex.Match(_UNANCHORED, data, at, len(data)))[0][0] >= 0:
                spans.append(found[1])
                at = found[1][1]
            target.spans[slot] = spans
        return spans


def _finder(key: str) -> re.Pattern[str]:
    """Where a word with `key` starts in a lower-cased folded text (see `Matcher._finders`)."""
    stem = key.removesuffix(PREFIX_MARK)
    whole = len(stem) < KEY_LENGTH and not key.endswith(PREFIX_MARK)
    return re.compile(
        re.escape(stem) + rf"(?<![{_WORD}]{re.escape(stem)})" + ("(?![a-z0-9])" if whole else "")
    )


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _near(spans: list[tuple[int, int]], low: int, high: int) -> bool:
    """Whether one of `spans` (sorted, not overlapping) lies within [low, high]."""
    at = bisect.bisect_left(spans, (low, -1))
    return at < len(spans) and spans[at][1] <= high


def _capitalised(view: str, start: int, end: int) -> bool:
    """Whether the words next to ``view[start:end]`` exist and are all in capitals."""
    before = _LETTERS_RE.findall(view, max(0, start - _NEIGHBOUR_REACH), start)
    after = _LETTERS_RE.findall(view, end, end + _NEIGHBOUR_REACH)
    neighbours = before[-1:] + after[:1]
    return bool(neighbours) and all(word.isupper() for word in neighbours)


def _candidates(find: Callable[[str], list[_Candidate]], text: str) -> list[_Candidate]:
    """`find`'s candidates in each of `text`'s views, as offsets into `text`."""
    found: list[_Candidate] = []
    for view, offsets in views(text):
        if offsets is None:
            found += find(view)
        else:  # a match ends after the original character its last character came from
            found += [
                (offsets[start], -(offsets[-neg_end - 1] + 1), is_rule, index)
                for start, neg_end, is_rule, index in find(view)
            ]
    return found


def _resolve(found: list[_Candidate]) -> list[Match]:
    """Drop overlapped candidates: first start wins, then the longer, an exclusion, listed first.

    Exclusions that overlap merge into one accepted span: "santuario de aves" and "aves
    migratorias" together take "santuario de aves migratorias" out of play, so no rule can
    match the tail the first one left.
    """
    found.sort()
    accepted: list[Match] = []
    reached = 0
    merging = False  # whether the last accepted match is an exclusion's
    for start, neg_end, is_rule, index in found:
        end = -neg_end
        if start >= reached:
            accepted.append((start, end, index))
            reached, merging = end, not is_rule
        elif merging and not is_rule and end > reached:
            accepted[-1] = (accepted[-1][0], end, accepted[-1][2])
            reached = end
    return accepted

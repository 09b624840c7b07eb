"""Outcomes and roll calls read from a minutes document, for platforms with no structured ones.

`minutes_outcomes(text, items)` finds each agenda item in the minutes' text and reads the last
decision recorded in its section (up to the next item found). Two common written shapes are read:

- the block minutes software writes (iCompass/CivicPlus Agenda, Legistar):
  ``RESULT: APPROVED AS AMENDED [UNANIMOUS]`` / ``MOTION BY: Garcia`` / ``SECOND: Allen Fisk`` /
  ``AYES: Garcia, Allen Fisk, …`` / ``NAYS: …`` / ``ABSTAIN: …`` / ``ABSENT: Hernandez``;
- the narrative Illinois boards write: ``MOTION: Trustee Stull moved to approve … Trustee Ruzicka
  seconded.`` / ``Roll call vote:`` / ``Ayes – DuRocher, Lezon, …`` / ``Nays – none`` /
  ``Motion carried``.

Precision before recall, because a wrong outcome misleads counsel: an item is found only by its
number with the first words of its title (or the title alone, when long enough) at a line start;
a section without an explicit result ("RESULT:", "Motion carried/failed") gives nothing; the
kind of decision comes from the motion's words and the result together ("to continue … Motion
approved" is deferred). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.models import AgendaItem, Outcome, OutcomeKind, Vote, VoteValue, clean_text

MAX_TEXT = 400_000  # characters of minutes read
TITLE_WORDS = 5  # words of an item's title that must follow its number at a line start
MIN_TITLE_ALONE = 25  # characters a title needs to be found without its number
MOTION_CONTEXT = 600  # characters before a result read for the motion's words
SAME_DECISION = 80  # a RESULT: line this close after "Motion approved." records the same decision

# A roll-call line: label, separator, names ("AYES: A, B", "Ayes – A, B", "Nays - none").
VOTE_LINE = re.compile(
    r"^[ \t]*(?P<label>ayes?|yeas?|nays?|noes|abstain(?:ed|s|ing|ed\s+from\s+voting)?|abstentions?"
    r"|absent|excused|recus(?:ed|al)|present(?:\s+not\s+voting)?|not\s+voting)"
    r"[ \t]*(?:\(\d+\))?[ \t]*[:–—-][ \t]*(?P<names>[^\n]*)$",
    re.I | re.M,
)
LABEL_VALUES: tuple[tuple[str, VoteValue], ...] = (
    ("ay", "yes"),
    ("ye", "yes"),
    ("na", "no"),
    ("no", "no"),
    ("abst", "abstain"),
    ("absent", "absent"),
    ("excused", "absent"),
    ("not", "absent"),
    ("recus", "recused"),
    ("present", "present"),
)
# "RESULT: APPROVED AS AMENDED [UNANIMOUS]" / "RESULT: FAILED [4-2-1-1]".
RESULT_LINE = re.compile(
    r"^[ \t]*RESULT[ \t]*:[ \t]*(?P<result>[^\n\[]+?)[ \t]*(?:\[(?P<tally>[^\]\n]{1,40})\])?[ \t]*$",
    re.I | re.M,
)
# "Motion carried", "Motion failed 3-4", "The motion passed unanimously".
MOTION_RESULT = re.compile(
    r"\bmotion\s+(?:was\s+)?(?P<result>carried|carries|passed|passes|approved|adopted|prevailed"
    r"|failed|fails|defeated|denied|lost)\b(?:[ \t]+(?P<tally>\d{1,2}\s*[-–]\s*\d{1,2}(?:\s*[-–]\s*\d{1,2})*))?",
    re.I,
)
MOVED_BY = re.compile(
    r"^[ \t]*(?:MOTION\s+BY|MOVER|MOVED\s+BY)[ \t]*:[ \t]*(?P<who>[^\n]{1,120})$", re.I | re.M
)
SECONDED_BY = re.compile(
    r"^[ \t]*(?:SECOND(?:ER|ED\s+BY)?)[ \t]*:[ \t]*(?P<who>[^\n]{1,120})$", re.I | re.M
)
# "Trustee Stull moved to …", "… Trustee Ruzicka seconded".
NARRATIVE_MOVER = re.compile(
    r"(?:^|[.:]\s+)(?:(?:Trustee|Commissioner|Alderm[ae]n|Alderperson|Council\s*(?:member|man|woman)|Director|Member|Mr\.|Ms\.|Mrs\.)\s+)?(?P<who>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s+moved\b"
)
NARRATIVE_SECOND = re.compile(
    r"(?:Trustee|Commissioner|Alderm[ae]n|Alderperson|Council\s*(?:member|man|woman)|Director|Member)\s+(?P<who>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s+seconded\b"
)
# Honorifics and words in a names list that are not names.
NAME_PREFIX = re.compile(
    r"^(?:(?:trustees?|commissioners?|alderm[ae]n|alderpersons?|council\s*members?|councilm[ae]n"
    r"|directors?|members?|mayor|president|vice[\s-]?chair|chair(?:man|woman|person)?|mr\.?|ms\.?|mrs\.?|dr\.?)\s+)+",
    re.I,
)
NOT_NAMES = {"none", "n/a", "na", "0", "all", "nobody", "-", "—", "–"}
NUMBER_AT_START = r"(?:[IVXLC]+|\d{1,3}|[A-Za-z])(?:\.\d{1,3})*[.)]?"
# A top-level heading ("9. Director's Report", "VI. NEW BUSINESS"): an item's section ends there.
TOP_HEADING = re.compile(r"^[ \t]*(?:\d{1,2}|[IVX]{1,5})\.[ \t]+[A-Z]", re.M)


@dataclass(frozen=True)
class Decision:
    """One recorded decision: where its result sits, and what it says."""

    at: int
    result_words: str
    tally: str
    motion: str
    votes: list[Vote]
    mover: str
    seconder: str
    written_as_result: bool  # a "RESULT:" line (block minutes), not "Motion carried"


def _names(text: str) -> list[str]:
    """Names in a roll-call list ("Trustees DuRocher, Lezon and Warren" → three names)."""
    names = []
    for part in re.split(r",|;|\band\b|&", text):
        name = NAME_PREFIX.sub("", " ".join(clean_text(part).split())).strip(" .")
        if name and name.casefold() not in NOT_NAMES and len(name) <= 60:
            names.append(name)
    return names


def _label_value(label: str) -> VoteValue:
    low = label.casefold()
    return next((v for prefix, v in LABEL_VALUES if low.startswith(prefix)), "other")


def _votes(block: str) -> list[Vote]:
    votes: list[Vote] = []
    for m in VOTE_LINE.finditer(block):
        value = _label_value(m.group("label"))
        raw = m.group("label").strip().title()
        votes += [Vote(name=n, value=value, raw=raw) for n in _names(m.group("names"))]
    return votes


def _marks(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, result words, tally) of each result, in text order.

    A "Motion approved." right before a ``RESULT:`` line is the same decision written twice: one
    mark spans both, with the ``RESULT:`` line's words.
    """
    marks = [
        (m.start(), m.end(), m.group("result"), m.group("tally") or "")
        for pattern in (RESULT_LINE, MOTION_RESULT)
        for m in pattern.finditer(text)
    ]
    marks.sort()
    kept: list[tuple[int, int, str, str]] = []
    for mark in marks:
        if kept and RESULT_LINE.match(text, mark[0]) and mark[0] - kept[-1][1] < SAME_DECISION:
            if not RESULT_LINE.match(text, kept[-1][0]):
                kept[-1] = (kept[-1][0], mark[1], mark[2], mark[3])
                continue
        kept.append(mark)
    return kept


def decisions(text: str) -> list[Decision]:
    """Every decision in the text, in order, each with its roll call and the motion before it."""
    text = text[:MAX_TEXT]
    marks = _marks(text)
    found: list[Decision] = []
    previous = 0
    for index, (start, end, words, tally) in enumerate(marks):
        nxt = marks[index + 1][0] if index + 1 < len(marks) else len(text)
        before = text[max(previous, start - MOTION_CONTEXT) : start]
        # Block minutes list the votes after their RESULT: line, narrative ones before the result.
        after = text[end : min(nxt, end + MOTION_CONTEXT)]
        block_shape = RESULT_LINE.search(text, start, end) is not None
        block = after if block_shape else before
        votes = _votes(block)
        mover = MOVED_BY.search(block) or NARRATIVE_MOVER.search(block)
        second = SECONDED_BY.search(block) or NARRATIVE_SECOND.search(block)
        found.append(
            Decision(
                at=start,
                result_words=" ".join(words.split()),
                tally=" ".join(tally.split()),
                motion=" ".join(before.split())[-MOTION_CONTEXT:],
                votes=votes,
                mover=NAME_PREFIX.sub("", mover.group("who")).strip(" .") if mover else "",
                seconder=NAME_PREFIX.sub("", second.group("who")).strip(" .") if second else "",
                written_as_result=block_shape,
            )
        )
        previous = end
    return found


def _anchor(text: str, item: AgendaItem) -> int | None:
    """Where the item's heading starts in the minutes (its number and first title words)."""
    words = re.findall(r"[\w']+", item.title)[:TITLE_WORDS]
    if not words:
        return None
    title = r"\W+".join(re.escape(w) for w in words)
    if item.number:
        number = re.escape(item.number.rstrip(".)"))
        m = re.search(rf"^[ \t]*{number}[.)]?[ \t]+{title}", text, re.I | re.M)
        if m:
            return m.start()
    if len(item.title) >= MIN_TITLE_ALONE:
        m = re.search(rf"^[ \t]*(?:{NUMBER_AT_START}[ \t]+)?{title}", text, re.I | re.M)
        if m:
            return m.start()
    return None


def _kind(decision: Decision) -> OutcomeKind:
    """The decision's kind from its result word, then what the motion was for."""
    # Deferred/tabled/referred/amended: the motion's own words, when it carried.
    failed = re.search(
        r"\b(?:fail\w*|defeated|denied|lost|not\s+\w+)\b", decision.result_words, re.I
    )
    if failed:
        return "failed"
    tail = decision.motion[-300:]
    wording = f"{tail} {decision.result_words}"
    if re.search(r"\bas\s+amended\b", decision.result_words, re.I):
        return "amended"
    for kind, pattern in (
        ("deferred", r"\b(?:continue|postpone|defer|table\s+to|hold\s+over)\w*\b"),
        ("tabled", r"\b(?:to\s+table|lay\s+on\s+the\s+table|tabled)\b"),
        (
            "referred",
            r"\b(?:refer|re-?refer|send\s+back)\w*\s+(?:it\s+|this\s+item\s+)?(?:to|back)\b",
        ),
        ("received", r"\breceive\w*\s+and\s+file\b"),
    ):
        if re.search(pattern, wording, re.I):
            return kind  # type: ignore[return-value]
    return "adopted"


def minutes_outcomes(text: str, items: list[AgendaItem]) -> dict[str, Outcome]:
    """Item id → the outcome its minutes section records (items not found, or undecided, absent)."""
    text = text[:MAX_TEXT].replace("\r\n", "\n").replace("\u00a0", " ")
    anchors = sorted((pos, item) for item in items if (pos := _anchor(text, item)) is not None)
    if not anchors:
        return {}
    found = decisions(text)
    out: dict[str, Outcome] = {}
    for index, (pos, item) in enumerate(anchors):
        end = anchors[index + 1][0] if index + 1 < len(anchors) else len(text)
        line_end = text.find("\n", pos)
        heading = TOP_HEADING.search(text, line_end if line_end >= 0 else len(text))
        if heading is not None:
            end = min(end, heading.start())
        mine = [d for d in found if pos <= d.at < end]
        if not mine:
            continue
        last = mine[-1]
        words = last.result_words.lower()
        kind = _kind(last)
        out[item.id] = Outcome(
            result=kind,
            passed=kind != "failed",
            action=words.capitalize() if last.written_as_result else f"Motion {words}",
            tally=last.tally[:60],
            mover=last.mover[:200],
            seconder=last.seconder[:200],
            votes=last.votes,
            source="minutes",
        )
    return out

"""The words platforms use for how an item was decided and how a member voted, in our vocabulary.

`outcome_kind(action, passed)` maps an action name ("Approved the Recommendation of Staff, and
Forward", "Continued", "Adopted as Amended", "Received and Filed") and an optional pass/fail flag
onto `pipeline.models.OUTCOME_KINDS`; `vote_value(word)` maps a vote word ("Aye", "Nay",
"Excused", "Abstain", "NV") onto `pipeline.models.VOTE_VALUES`. Both read the words, never the
platform, so a client with its own action list still lands in the right place; a word we do not
know is "other" and is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.models import Outcome, OutcomeKind, Vote, VoteValue, clean_text

# Checked in order; the first match wins. "Adopted as amended" is an amendment before an adoption;
# "Motion to approve failed" is a failure before an approval.
OUTCOME_PATTERNS: tuple[tuple[OutcomeKind, re.Pattern[str]], ...] = (
    ("withdrawn", re.compile(r"\bwithdr[ae]wn?\b|\bremoved\s+from\s+(?:the\s+)?agenda\b", re.I)),
    ("tabled", re.compile(r"\btabled?\b|\blaid\s+(?:up)?on\s+the\s+table\b", re.I)),
    (
        "failed",
        re.compile(
            r"\bfail(?:ed|s)?\b|\bdefeated\b|\bdenied\b|\brejected\b|\blost\b|\bnot\s+(?:approved|"
            r"adopted|passed|carried)\b|\bdisapproved\b|\bvetoed\b",
            re.I,
        ),
    ),
    ("amended", re.compile(r"\bas\s+amended\b|\bamend(?:ed|ment)\b", re.I)),
    (
        "deferred",
        re.compile(
            r"\bcontinued\b|\bpostponed?\b|\bdefer(?:red)?\b|\bheld\s+(?:over|in\s+committee|for|until)\b"
            r"|\bon\s+hold\b|\brescheduled\b"
            r"|\bre-?noticed\b|\bto\s+a\s+(?:date|future\s+meeting)\b",
            re.I,
        ),
    ),
    (
        "adopted",
        re.compile(
            r"\bapprov(?:ed|al|e)\b|\badopt(?:ed)?\b|\bpass(?:ed)?\b|\bcarried\b|\bconcurred\b"
            r"|\baccepted\b|\bconfirmed\b|\bratified\b|\benacted\b|\bgranted\b|\bawarded\b"
            r"|\bdo\s+pass\b|\brecommend(?:ed)?\s+(?:for\s+)?(?:approval|adoption|passage)\b",
            re.I,
        ),
    ),
    (
        "referred",
        re.compile(
            r"\brefer(?:red)?\b|\bre-?referred\b|\bsent\s+to\b|\bforward(?:ed)?\s+to\b", re.I
        ),
    ),
    (
        "received",
        re.compile(
            r"\breceived?\b|\b(?:placed|place)\s+on\s+file\b|\bfiled\b|\bnoted\b|\bpresented\b"
            r"|\bread\s+and\s+filed\b|\bdiscussed\b|\binformation(?:al)?\s+only\b",
            re.I,
        ),
    ),
)
# A flag name that decides by itself ("Pass", "Fail").
PASS_WORDS = {"pass", "passed", "yes", "true", "1", "carried"}
FAIL_WORDS = {"fail", "failed", "no", "false", "0", "lost"}

# Vote words, exact (lower-cased, punctuation dropped), then by prefix.
VOTE_WORDS: dict[str, VoteValue] = {
    "aye": "yes",
    "ayes": "yes",
    "yes": "yes",
    "yea": "yes",
    "y": "yes",
    "affirmative": "yes",
    "in favor": "yes",
    "for": "yes",
    "nay": "no",
    "nays": "no",
    "no": "no",
    "n": "no",
    "negative": "no",
    "opposed": "no",
    "against": "no",
    "abstain": "abstain",
    "abstained": "abstain",
    "abstention": "abstain",
    "abs": "abstain",
    "a": "absent",
    "absent": "absent",
    "excused": "absent",
    "e": "absent",
    "not present": "absent",
    "not voting": "absent",
    "did not vote": "absent",
    "nv": "absent",
    "no vote": "absent",
    "present": "present",
    "p": "present",
    "present not voting": "present",
    "recused": "recused",
    "recusal": "recused",
    "recuse": "recused",
    "conflict": "recused",
    "conflict of interest": "recused",
}
VOTE_PREFIXES: tuple[tuple[str, VoteValue], ...] = (
    ("aye", "yes"),
    ("yea", "yes"),
    ("nay", "no"),
    ("abstain", "abstain"),
    ("absent", "absent"),
    ("excused", "absent"),
    ("recus", "recused"),
    ("conflict", "recused"),
    ("present", "present"),
)


def outcome_kind(action: str, passed: bool | None = None) -> OutcomeKind:
    """Our word for an action ("Continued" → deferred); the flag decides when the words do not."""
    text = " ".join(action.split())
    for kind, pattern in OUTCOME_PATTERNS:
        if pattern.search(text):
            return kind
    if passed is True:
        return "adopted"
    if passed is False:
        return "failed"
    return "other"


def passed_flag(flag: Any, flag_name: Any = None) -> bool | None:
    """A platform's pass flag (1/0, "Pass"/"Fail") as True/False; None when it is not set."""
    for value in (flag_name, flag):
        if value is None or value == "":
            continue
        word = str(value).strip().lower()
        if word in PASS_WORDS:
            return True
        if word in FAIL_WORDS:
            return False
    return None


def vote_value(word: str) -> VoteValue:
    """Our word for a vote ("Aye" → yes, "Excused" → absent); "other" when unknown."""
    key = " ".join(re.sub(r"[^\w\s]", " ", word.lower()).split())
    if key in VOTE_WORDS:
        return VOTE_WORDS[key]
    return next((value for prefix, value in VOTE_PREFIXES if key.startswith(prefix)), "other")


def make_vote(name: Any, word: Any) -> Vote | None:
    """A `Vote` from a member's name and vote word; None when either is blank.

    Legistar lists the whole roster with a null value on items decided without a roll call
    (consent items): those rows are not votes.
    """
    # Cleaned first: a name made only of control characters is no name.
    who = " ".join(clean_text(str(name or "")).split())
    raw = " ".join(clean_text(str(word or "")).split())
    if not who or not raw:
        return None
    return Vote(name=who[:200], value=vote_value(raw), raw=raw[:60])


def make_outcome(
    action: Any,
    passed: bool | None,
    source: str,
    **fields: Any,
) -> Outcome | None:
    """An `Outcome` when the platform recorded an action or a pass flag, else None."""
    words = " ".join(clean_text(str(action or "")).split())
    if not words and passed is None:
        return None
    clean = {k: " ".join(str(v).split())[:200] for k, v in fields.items() if v}
    return Outcome(
        result=outcome_kind(words, passed),
        passed=passed,
        action=words[:500],
        source=source,
        **clean,
    )

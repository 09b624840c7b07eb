"""When a public-comment window closes: find deadline phrases in one sentence and resolve them.

Phrases are read against the meeting's start in the body's zone (the start's tzinfo, a ZoneInfo),
so a relative deadline lands on the right wall-clock time and UTC offset across a DST change:

- "by 5:00 p.m. on the day before the meeting" → 17:00 local on the previous calendar day;
- "24 hours prior to the meeting", "30 minutes before the start" → elapsed time before the start;
- "two (2) days in advance", "one week before" → calendar days back, same clock time;
  "two business days prior" skips Saturdays and Sundays (holidays are not known here);
- "no later than 5 p.m. Monday" → the Monday on or before the meeting day;
- "end of business" / "close of business" → 17:00;
- a date or day with no time ("deadline October 9, 2023", "the day prior") → 23:59 that day;
- a bare time ("by 5:00 p.m.") → that time on the meeting day, or the day before when it would
  fall more than `SAME_DAY_SLACK` after the start ("by 5 p.m." for a 9 a.m. meeting);
- "before the start of the meeting", "prior to the meeting" → the start itself.

A phrase is a deadline only when the words before it close a window ("by", "no later than",
"until", "deadline:", "between … and"), or it is "N hours/days before the meeting", or "before
the meeting" right after something the public does ("submit", "sign", "complete"). Times that
open a window ("from", "after", "starting"), office hours, staff call-backs and examples are not
deadlines; a window whose end is an event ("… or before approval of the consent calendar") has
no deadline; nor has a time something opens ("available at least one hour before"), a staff act
("24 hours before the meeting, the Clerk shall …") or a rule for meetings at another hour ("For any
9:00 a.m. hearings, …"). Deadlines more than `EARLIEST` before or `LATEST` after the start are
dropped as misreadings (dates of other meetings, times of agenda items), except a named later day
("through Friday, April 8", "5 p.m. the day after the meeting": written comment often stays open).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

SAME_DAY_SLACK = timedelta(hours=3)
EARLIEST, LATEST = timedelta(days=60), timedelta(hours=6)
LATEST_NAMED = timedelta(days=14)  # a named later day ("through Friday, April 8", "the day after")
END_OF_DAY, END_OF_BUSINESS, NOON = time(23, 59), time(17, 0), time(12, 0)
LOOKBACK = 120  # characters before a phrase searched for the words that govern it

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "forty-five": 45, "forty-eight": 48,
    "sixty": 60, "seventy-two": 72, "ninety": 90,
}  # fmt: skip
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

# A count, in digits or words, optionally doubled in parentheses: "two (2)", "3 (three)", "24".
NUM = (
    r"(?:\d{1,3}|"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")(?:\s*\((?:\d{1,3}|[a-z-]{3,12})\))?"
)
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_WEEKDAY = r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
_MEETING = r"(?:(?!end\b|conclusion\b|close\b|adjournment\b|or\b|and\b|during\b|after\b|until\b)[\w-]+\s+){0,3}?(?:meeting|hearing|session)\b"

# A clock time: "5:00 p.m.", "5pm", "10 AM", "noon", "12 noon", "midnight", "close of business".
_CLOCK = re.compile(
    r"\b(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ap>[ap])\.?\s?m\b\.?(?:\s*\(?(?:[CEMP][SD]?T|central|eastern|local(?:\s+time)?)\b\)?)?"
    r"|\b(?P<noon>(?:12(?::00)?\s*)?noon|midnight)\b"
    r"|\b(?P<cob>(?:the\s+)?(?:close|end)\s+of\s+(?:the\s+)?business(?:\s+day)?|cob)\b",
    re.I,
)
# A calendar date: "October 11, 2023", "Wed Sept 6th", "Friday, July 7, 2023", "10/11/2023".
_DATE = re.compile(
    rf"\b(?:{_WEEKDAY}\.?,?\s+)?(?P<mon>{_MONTH})\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>20\d\d)\b)?"
    r"|\b(?P<nm>1[0-2]|0?[1-9])/(?P<nd>[0-3]?\d)(?:/(?P<ny>(?:20)?\d\d))?\b",
    re.I,
)
# A weekday, alone or "the Friday before/immediately prior to the meeting".
_WEEKDAY_RE = re.compile(
    rf"\b(?:the\s+)?(?P<wd>{_WEEKDAY})\b\.?(?P<before>\s+(?:immediately\s+)?(?:before|prior(?:\s+to)?|preceding)(?:\s+(?:the|a|any|each)\s+{_MEETING})?)?",
    re.I,
)
# The meeting's own day: "the day of the Village Board meeting", "the meeting date", "that day".
_SAME_DAY = re.compile(
    rf"\b(?:the\s+)?(?:same\s+)?(?:day|date|night|evening|morning)\s+of\s+(?:the\s+|a\s+)?{_MEETING}"
    r"|\bthe\s+(?:[\w-]+\s+)?(?:meeting|hearing)\s+(?:date|day)\b|\b(?:the\s+same|that)\s+day\b",
    re.I,
)
# The day before: "the day prior to the meeting", "the business day before", "the previous day".
_PREV_DAY = re.compile(
    rf"\bthe\s+(?:(?P<biz>business|working)\s+)?day\s+(?:before|prior(?:\s+to)?|preceding)(?:\s+(?:the|a|any)\s+{_MEETING})?"
    r"|\bthe\s+(?:previous|prior|preceding)\s+(?:(?P<biz2>business|working)\s+)?day\b"
    rf"|\bthe\s+last\s+(?P<biz3>work|business|working)\s*day\s+(?:before|prior(?:\s+to)?|preceding)(?:\s+(?:the|a|any)\s+{_MEETING})?",
    re.I,
)
# The day after: "5 p.m. the day after the Board meeting", "the following day".
_NEXT_DAY = re.compile(
    rf"\bthe\s+(?:day\s+(?:after|following)(?:\s+(?:the|a)\s+{_MEETING})?|following\s+day|next\s+day)\b",
    re.I,
)
# "24 hours prior to", "two (2) business days in advance of", "one week before", "24-hour period prior".
_OFFSET = re.compile(
    rf"\b(?P<n>{NUM})[\s-]*(?P<unit>(?:business|working|calendar)\s+days?|days?|hours?|hrs?|minutes?|mins?|weeks?)"
    r"\s+(?P<period>period\s+)?(?:\w+\s+)?(?P<rel>before|prior(?:\s+to)?|in\s+advance(?:\s+of)?|preceding|ahead\s+of|earlier\s+than)\b"
    rf"(?:\s+(?:the\s+|a\s+|any\s+)?(?:(?:scheduled\s+)?(?:start|beginning|opening)(?:\s+time)?\s+of\s+(?:the\s+|a\s+|each\s+)?)?{_MEETING}(?:\s+(?:date|start\s+time|begins|starts))?)?",
    re.I,
)
# The start itself: "before the start of the meeting", "prior to the meeting", "before the meeting begins".
_START = re.compile(
    r"\b(?:before|prior\s+to|in\s+advance\s+of|ahead\s+of)\s+(?:the\s+|a\s+)?"
    r"(?:(?:noticed\s+)?(?:start|beginning|opening|commencement)(?:\s+time)?\s+of\s+(?:the\s+|a\s+)?)?"
    rf"{_MEETING}(?!\s+(?:ends|concludes|adjourns|is\s+adjourned))(?:\s+(?:begins|starts|start\s+time|itself))?",
    re.I,
)
# Text allowed between the parts of one phrase ("5 p.m. on Monday, three (3) days prior").
_JOIN = re.compile(r"[\s,;:]*(?:(?:on|at|of|the)\b[\s,;:]*){0,3}", re.I)
# Words right before a phrase that close a window on it.
_CLOSES = re.compile(
    r"(?:\b(?:by|before|prior\s+to|(?:no|not)\s+(?:later|less)\s+th[ae]n|until|till|through|thru|up\s+to"
    r"|at\s+least|(?:closes?|closing|ends?|ending|due)(?:\s+(?:at|on|by))?|cut-?\s?off(?:\s+is)?|deadline(?:\s+(?:is|of|for))?)"
    r"|\bdeadline\b[^;]{0,90}?\b(?:is|be|to|at|on)|\b(?:between|from)\b[^;]{0,80}?(?:\band\b|-|\bto\b|\buntil\b)"
    r"|\buntil\b[^;]{0,80}?\b(?:approximately|about|around))[\s,:;]*$",
    re.I,
)
# Words right before a phrase that open a window or only place an event: "from", "after", "starting".
_OPENS = re.compile(
    r"\b(?:after|from|starting|beginning|begins?|starts?|opens?|as\s+of|since|between|available|within"
    r"|at|convene[sd]?|meets?|held|scheduled|recess(?:es)?)[\s,:;]*(?:on\s+)?$",
    re.I,
)
# Something the public does, before "before the meeting": the phrase is then that act's deadline.
_PUBLIC_ACT = re.compile(
    r"\b(?:submit|send|sent|sign|register|complete|fill|turn|hand|e-?mail|call|request|return"
    r"|provide|arrive|receiv|filed|made|accept|come|leav|deliver|brought)\w*",
    re.I,
)
# Staff acts and illustrations: a time in them is not the public's deadline.
_NOT_PUBLIC = re.compile(
    r"\b(?:notif(?:y|ied)|confirmation\s+call|call\s+back|hear\s+back|for\s+example|e\.g\.|such\s+as"
    r"|business\s+hours|office\s+hours)\b",
    re.I,
)
# A range of weekdays ("Monday through Friday, 8:30 a.m."): office hours, not a deadline.
_DAY_RANGE = re.compile(rf"\b{_WEEKDAY}\s*(?:through|thru|to|-)\s*$", re.I)
# A closing made by the end of a range ("from 8 A.M. to 9:30 A.M."): a deadline only when the public acts.
_RANGE_END = re.compile(r"\b(?:between|from)\b", re.I)
# The second half of a range of dates or times ("October 15, 2022 through November 1, 2022").
_AFTER_START = re.compile(
    r"(?:\b\d{4}|\b\d{1,2}(?:st|nd|rd|th)?|[ap]\.?\s?m\.?)\s*,?\s*(?:through|thru|to|until|-)\s*$",
    re.I,
)
# A range's end is a deadline only in a sentence about submitting ("submit testimony from 8 to 9:30").
_SUBMISSION = re.compile(
    r"\b(?:comment|testimony|statement|sign[\s-]?up|regist|request|submi|speak)\w*", re.I
)
# A window that ends at an event instead: "… prior to the start of the meeting or before approval".
_OR_LATER = re.compile(r"^\s*,?\s*or\s+(?:before|prior\s+to|during|at|through)\b", re.I)
# A time something opens or is published: "will be available at least one hour before", "opens 48 hours before".
_AVAILABLE = re.compile(
    r"\b(?:(?:be|is|are|becomes?)\s+(?:available|open|accessible|posted|published|printed)|opens|opened)\b[^.;]{0,60}$",
    re.I,
)
# ... unless the words right before the phrase end the window: "is available up to 24 hours before".
_UNTIL = re.compile(
    r"\b(?:up\s+to|until|till|through|no\s+later\s+than|(?:closes?|closing|ends?|ending)(?:\s+(?:at|on|by))?)\s*$",
    re.I,
)
# A staff act the phrase times: "24 hours before the meeting, the Clerk shall fill the slots".
_STAFF_AFTER = re.compile(
    r"\s*,?\s*(?:the\s+)?(?:clerk|secretary|staff|chair\w*|president|city|village|county|board)\b[^.;]{0,12}\b(?:shall|will|may)\b",
    re.I,
)
# A rule only for meetings at another time: "For any 9:00 a.m. hearings, …".
_FOR_START = re.compile(
    r"\bfor\s+(?:any|all)\s+(?P<h>1[0-2]|0?[1-9])(?::(?P<m>[0-5]\d))?\s*(?P<ap>[ap])\.?\s?m\b\.?\s+(?:hearings?|meetings?|sessions?|start)",
    re.I,
)


_BEFORE_WORDS = ("before", "prior", "advance", "preceding", "ahead", "earlier")
_DIGITS = tuple("0123456789")
# Token kinds in order of preference, each with the words one of which must occur (per group)
# before its regex is worth running: most sentences hold no time at all.
_TOKEN_KINDS: tuple[tuple[str, re.Pattern[str], tuple[tuple[str, ...], ...]], ...] = (
    ("offset", _OFFSET, (("day", "hour", "hr", "min", "week"), _BEFORE_WORDS)),
    ("date", _DATE, (tuple(MONTHS) + ("/",),)),
    ("prev", _PREV_DAY, (("day",), ("before", "prior", "preceding", "previous", "last"))),
    ("next", _NEXT_DAY, (("day",), ("after", "following", "next"))),
    ("same", _SAME_DAY, (("day", "date", "night", "evening", "morning"),)),
    ("start", _START, (_BEFORE_WORDS,)),
    ("weekday", _WEEKDAY_RE, (tuple(WEEKDAYS),)),
    ("clock", _CLOCK, (_DIGITS + ("noon", "midnight", "business", "cob"),)),
)


@dataclass(frozen=True)
class Found:
    """One deadline read from a sentence: when, the words that say so, and whether a time was given."""

    at: datetime
    text: str
    time_given: bool


@dataclass
class _Token:
    kind: str
    start: int
    end: int
    match: re.Match[str]


def count_of(text: str) -> int:
    """The count a `NUM` match stands for: "two (2)" → 2, "24" → 24, "an" → 1."""
    word = text.lower().split("(")[0].strip()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, 0)


def _tokens(sentence: str) -> list[_Token]:
    found: list[_Token] = []
    lower = sentence.lower()
    for kind, regex, needles in _TOKEN_KINDS:
        if all(any(n in lower for n in group) for group in needles):  # cheap test before the regex
            found += [_Token(kind, m.start(), m.end(), m) for m in regex.finditer(sentence)]
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[_Token] = []
    for token in found:  # longest first at each position; later overlapping tokens lose
        if not kept or token.start >= kept[-1].end:
            kept.append(token)
    return kept


def _phrases(sentence: str, tokens: list[_Token]) -> list[list[_Token]]:
    phrases: list[list[_Token]] = []
    for token in tokens:
        if phrases and _JOIN.fullmatch(sentence[phrases[-1][-1].end : token.start]):
            phrases[-1].append(token)
        else:
            phrases.append([token])
    return phrases


def _clock(m: re.Match[str]) -> time:
    groups = m.groupdict()
    if groups.get("cob"):
        return END_OF_BUSINESS
    if groups.get("noon"):
        return time(0, 0) if groups["noon"].lower() == "midnight" else NOON
    hour = int(m["h"]) % 12 + (12 if m["ap"].lower() == "p" else 0)
    return time(hour, int(m["m"] or 0))


def _business_days_back(day: date, n: int) -> date:
    while n > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _calendar_date(m: re.Match[str], meeting: date) -> date | None:
    try:
        if m["mon"]:
            month, day_no = MONTHS[m["mon"].lower()[:3]], int(m["day"])
            year = int(m["year"]) if m["year"] else None
        else:
            month, day_no = int(m["nm"]), int(m["nd"])
            year = int(m["ny"]) % 100 + 2000 if m["ny"] else None
        if year is not None:
            return date(year, month, day_no)
        options = [
            date(y, month, day_no) for y in (meeting.year - 1, meeting.year, meeting.year + 1)
        ]
    except ValueError:  # "February 30", "13/45"
        return None
    usable = [d for d in options if d <= meeting + timedelta(days=31)]
    return min(usable, key=lambda d: abs(d - meeting)) if usable else None


def _resolve(parts: dict[str, re.Match[str]], start: datetime) -> tuple[datetime, bool] | None:
    tz, meeting = start.tzinfo, start.date()
    clock = _clock(parts["clock"]) if "clock" in parts else None

    def at(day: date, when: time | None) -> tuple[datetime, bool]:
        return datetime.combine(day, when or END_OF_DAY, tzinfo=tz), when is not None

    if "offset" in parts:
        m = parts["offset"]
        n, unit = count_of(m["n"]), m["unit"].lower()
        if m[
            "period"
        ]:  # "in the 24-hour period prior to the meeting": that window ends at the start
            return start, True
        if unit.startswith(("hour", "hr", "min")):
            delta = timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n)
            return (start.astimezone(UTC) - delta).astimezone(tz), True
        if unit.startswith(("business", "working")):
            day = _business_days_back(meeting, n)
        else:
            day = meeting - timedelta(days=n * (7 if unit.startswith("week") else 1))
        return at(day, clock or start.time())
    if "date" in parts:
        day_or_none = _calendar_date(parts["date"], meeting)
        return at(day_or_none, clock) if day_or_none else None
    if "next" in parts:
        return at(meeting + timedelta(days=1), clock)
    if "prev" in parts:
        biz = parts["prev"]["biz"] or parts["prev"]["biz2"] or parts["prev"]["biz3"]
        return at(_business_days_back(meeting, 1) if biz else meeting - timedelta(days=1), clock)
    if "weekday" in parts:
        m = parts["weekday"]
        back = (meeting.weekday() - WEEKDAYS[m["wd"].lower()[:3]]) % 7
        if back == 0 and m["before"]:
            back = 7
        found = at(meeting - timedelta(days=back), clock)
        return (found[0] - timedelta(days=7), found[1]) if found[0] > start else found
    if "same" in parts and clock is None:
        return start, True
    if clock is not None:
        result = datetime.combine(meeting, clock, tzinfo=tz)
        if result > start + SAME_DAY_SLACK and "same" not in parts:
            result = datetime.combine(meeting - timedelta(days=1), clock, tzinfo=tz)
        return result, True
    if "start" in parts:
        return start, True
    return None


def find_deadlines(sentence: str, start: datetime) -> list[Found]:
    """Every deadline phrase in `sentence`, resolved against the meeting `start` (aware)."""
    found: list[Found] = []
    condition = _FOR_START.search(sentence)
    if condition and _clock(condition) != start.time().replace(second=0, microsecond=0):
        return found  # the sentence's rule is for meetings starting at another time
    phrases = _phrases(sentence, _tokens(sentence))
    for index, phrase in enumerate(phrases):
        begin, end = phrase[0].start, phrase[-1].end
        floor = phrases[index - 1][-1].end if index else 0
        before = sentence[max(floor, begin - LOOKBACK) : begin]  # up to the previous phrase
        context = sentence[max(0, begin - LOOKBACK) : begin]  # "between <phrase> and" spans one
        parts = {t.kind: t.match for t in phrase}
        if (
            _NOT_PUBLIC.search(context[-80:])
            or _OR_LATER.match(sentence[end : end + 40])
            or _STAFF_AFTER.match(sentence, end)
            or _DAY_RANGE.search(before)
            or (_AVAILABLE.search(before) and not _UNTIL.search(before))
        ):
            continue
        closing = _CLOSES.search(context)
        if closing and (
            not (_RANGE_END.search(closing[0]) or _AFTER_START.search(before))
            or _SUBMISSION.search(sentence, 0, begin)
        ):
            pass
        elif _OPENS.search(before):
            continue
        elif "offset" not in parts and not ("start" in parts and _PUBLIC_ACT.search(before)):
            continue
        resolved = _resolve(parts, start)
        latest = LATEST_NAMED if parts.keys() & {"date", "next"} else LATEST
        if resolved is None or not start - EARLIEST <= resolved[0] <= start + latest:
            continue
        words = sentence[max(floor, begin - 40) : end]
        text = words[words.find(" ") + 1 :] if begin - 40 > floor else words
        found.append(Found(resolved[0], " ".join(text.split()), resolved[1]))
    return found

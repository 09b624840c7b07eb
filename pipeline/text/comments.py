"""Public-comment windows in agenda text: by when, how, and for how long the public may comment.

`extract_comment_window(text, meeting_start)` reads agenda text (an HTML agenda's text, an agenda
document's text, a meeting page, a platform's comment field) and returns a `CommentWindow`, or
None when nothing in it tells the public how or by when to comment. Pure: no I/O, no clock.

1. The text is cut into paragraphs (blank lines) and sentences (end punctuation, bullets, list
   markers at line starts, ">>"); URLs and words hyphen-wrapped across lines are rejoined.
2. A sentence is read when it has a comment cue (comment, speak, testimony, sign up, register,
   "address the Board" …) or a cue sentence sits up to four before it or one after it in the same
   paragraph, so a numbered list of options under "PUBLIC COMMENT" counts; deadlines are read only
   with a cue at most three sentences before or one after (an agenda PDF's text is one long run,
   and dates of warrants or reports near a "Public Comment" heading are not comment deadlines).
   Sentences about something else are never read, cue or not: accommodations/ADA, bids, records,
   lawsuits, help lines ("questions may be directed to"), adding an item to the agenda, agenda
   posting and where to view reports, lobbying, and minutes narrating comment already given
   ("public comments were received"); an off-topic sentence carries on into the next one when
   that has no cue.
3. Each read sentence gives deadlines (`pipeline.text.comment_time`: relative phrases resolved in
   the meeting start's zone), channels and limits (`pipeline.text.comment_channels`: validated
   addresses, URLs, phone numbers and the kinds offered; per-speaker allowances).
4. Deadlines are kept once per instant, earliest first (`CommentWindow.deadline` is the earliest;
   `upcoming_deadline` the first still ahead); channels once per (kind, value); limits once per
   (amount, unit).

Input is hostile: at most `MAX_TEXT` characters are read, sentences are cut at `MAX_SENTENCE`,
every pattern is linear or bounded, and values are validated (pydantic) before they are returned.
"""

from __future__ import annotations

import re
from datetime import datetime

# The result models are part of the stored meeting (`Meeting.comment`), so they live in models.
from pipeline.models import (
    CHANNEL_KINDS,
    LIMIT_UNITS,
    CommentChannel,
    CommentDeadline,
    CommentLimit,
    CommentWindow,
)
from pipeline.text.comment_channels import SUBMITS, channel_key, channels_in, limits_in
from pipeline.text.comment_time import Found, find_deadlines

__all__ = [
    "CHANNEL_KINDS",
    "LIMIT_UNITS",
    "channel_key",
    "CommentChannel",
    "CommentDeadline",
    "CommentLimit",
    "CommentWindow",
    "extract_comment_window",
    "merge_windows",
    "paragraphs",
    "upcoming_deadline",
]

MAX_TEXT = 500_000  # characters read from one document (a 150-page packet's text fits)
MAX_SENTENCE = 1_500  # longer runs (tables, unpunctuated PDF text) are cut into pieces this long
MAX_SOURCE = 2_000  # characters of the read sentences kept in `source_text`
CUE_BEFORE, CUE_AFTER = 4, 1  # a cue sentence this many sentences before / after makes one relevant
DEADLINE_CUE_BEFORE = 3  # … and, for reading deadlines, this many before (or CUE_AFTER after)


# Typographic spaces, dashes and quotes folded to ASCII so one pattern reads them all.
_FOLD = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " ",
                       "\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                       "\u201d": '"', "\r": "\n"})  # fmt: skip
# A URL broken at a line end after "?", "=", "&", "/" or "-" (PDF text): the next line continues it.
_WRAPPED_URL = re.compile(r"((?:https?://|www\.)[^\s<>\"]{1,400}[?=&/-])[ ]*\n[ ]*(?=[\w%])", re.I)
# A paragraph break: a blank line.
_BLANK_LINE = re.compile(r"\n[ ]*\n")
# A line that starts a list entry: bullet, dash, ">>", "1." "2)" "a)" "(b)" "A." markers.
_LIST_LINE = re.compile(r"\n(?=[ ]*(?:[•▪◦●*]|-\s|>>|\d{1,2}[.)]\s|\(?[a-zA-Z]\)\s|[A-Z][.)]\s))")
# Inline list markers that start a new sentence: ">>To submit …", "• The City Council …".
_INLINE_BREAK = re.compile(r"\s(?=>>|•\s)")
# Where a sentence may end: end punctuation, closing quotes, space, then a capital or digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
# An abbreviation, an initial or a list marker ("1.", "B.") at the end of a run: a capital after it
# does not start a sentence.
_ABBREVIATION = re.compile(
    r"(?:\b(?:st|mr|ms|mrs|dr|nos?|ave|blvd|rd|bldg|ste|rm|jr|inc|co|dept|sec|vs|etc|e\.g|i\.e|u\.s|p\.o|approx)|(?:^|\s)(?:\d{1,2}|[a-z]|[ivx]{1,4}))\.$",
    re.I,
)
# "5:00 p.m." then "Monday"/"October"/"CST": the time continues, no new sentence starts.
_TIME_THEN_DAY = re.compile(r"\b[ap]\.\s?m\.$", re.I)
_DAY_WORD = re.compile(
    r"(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|[cemp][sd]?t\b|central|eastern)",
    re.I,
)
# A ZIP code after a state abbreviation ("Chicago, IL. 60611") continues the address.
_ZIP = re.compile(r"\d{5}\b")

# A sentence about the public commenting, speaking or writing to the body.
_CUE = re.compile(
    r"\b(?:e-?comments?|comment(?:s|ing|ers?)?|speak(?:ers?|ing)?|testi(?:mony|fy)|statements?|remarks"
    r"|public\s+(?:input|forum|participation)|citizens?\s+(?:participation|speak|forum)"
    r"|address(?:ing)?\s+the\s+(?:\w+\s+){0,2}?(?:board|council|commission|committee|court|trustees|authority)"
    r"|sign[\s-]?(?:up|in)|regist(?:er|ered|ering|ration|rations)|requests?\s+to\s+(?:speak|address|comment)"
    r"|written\s+(?:communications?|materials?)|audience|(?:wish(?:es|ing)?|want|who)\s+to\s+participate"
    r"|\bto\s+participate\s+in\s+the\s+(?:[\w-]+\s+){0,3}?(?:meeting|hearing)"
    r"|(?:board|council|commission|committee)\s+(?:may|can)\s+(?:also\s+)?be\s+addressed"
    r"|(?:materials?|handouts?|documents?)\s+(?:\w+\s+){0,3}?(?:distributed|submitted|presented)\s+to\s+the\s+(?:[\w/]+\s+){0,2}?(?:board|council|commission|committee))\b",
    re.I,
)
# A sentence about something else, even when it shares comment words; never read.
_OFF_TOPIC = re.compile(
    r"accommodat|disabilit|\bADA\b|americans\s+with|interpret(?:er|ation)|sign\s+language|hearing[\s-]impaired"
    r"|\bTT[YD]\b|\bTDD\b|handicap|special\s+assistance|\bbids?\b|\bbidders?\b|\bRFP\b|\bRFQ\b|records?\s+requests?"
    r"|public\s+inspection|lawsuit|lobby|\bquestions?\s+(?:regarding|concerning|about\s+the|may\s+be|can\s+be|should\s+be)\b"
    r"|\bhave\s+(?:any\s+)?questions\b|answer\s+your\s+questions|\bfor\s+(?:more\s+information|assistance)\b"
    r"|(?:placed|put|added|included)\s+(?:on|to)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}?agenda\b|appear\s+on\s+the\s+agenda"
    r"|request\s+(?:time|an?\s+item)\s+on|agenda\s+(?:appointments?|requests?)",
    re.I,
)
# Agenda posting rules ("agendas are posted 48 hours prior"): off topic unless the sentence asks for a submission.
_AGENDA_POSTING = re.compile(
    r"\bagendas?\b[^.;]{0,80}?\b(?:(?:shall|will|must)\s+be|are|is|was|were|(?:has|have)\s+been)\s+(?:posted|prepared|published|available)\b"
    r"|\b(?:reports?|documents?|materials?|packets?|writings|minutes)\s+(?:[\w()/-]+\s+){0,6}?(?:may|can|will|are|is)\s+(?:be\s+)?(?:viewed|available|inspected|reviewed)\b",
    re.I,
)
# Minutes narrating comment already given.
# Minutes narrate in the past tense; a sentence with a modal or an instruction is a rule, not a narrative.
_RULE_WORDS = re.compile(r"\b(?:will|shall|must|may|should|can|please)\b", re.I)
_NARRATIVE = re.compile(
    r"\b(?:were|was)\s+received\b|\bprovided\s+public\s+comment|\bopened\s+the\s+(?:item|floor|public\s+hearing)"
    r"|\bclosed\s+the\s+public|\bhearing\s+no\s+comment|\breceived\s+(?:one|no|\d+)\s+public\s+comments?"
    r"|\bspoke\s+(?:about|on|in\s+favor)\b|\bthere\s+(?:were|was)\s+no\s+(?:one|persons?|speakers?|public)\b",
    re.I,
)


def _split_sentences(flat: str) -> list[str]:
    out: list[str] = []
    last = 0
    for m in _SENTENCE_END.finditer(flat):
        head = flat[last : m.start()]
        if (
            _ABBREVIATION.search(head)
            or _ZIP.match(flat, m.end())
            or (_TIME_THEN_DAY.search(head) and _DAY_WORD.match(flat, m.end()))
        ):
            continue
        out.append(head)
        last = m.end()
    out.append(flat[last:])
    return [
        piece[i : i + MAX_SENTENCE].strip()
        for piece in out
        for i in range(0, len(piece), MAX_SENTENCE)
    ]


def paragraphs(text: str) -> list[list[str]]:
    """The text as paragraphs of sentences (whitespace-normalised; empty ones dropped)."""
    text = text[:MAX_TEXT].replace("\r\n", "\n").translate(_FOLD)
    text = _WRAPPED_URL.sub(r"\1", text)
    out: list[list[str]] = []
    blocks: list[str] = []
    for block in _BLANK_LINE.split(
        text
    ):  # "… by the following methods:" + a list after a blank line
        if blocks and blocks[-1].rstrip().endswith(":"):
            blocks[-1] += "\n" + block
        else:
            blocks.append(block)
    for block in blocks:
        sentences = []
        for entry in _LIST_LINE.split(block):
            for piece in _INLINE_BREAK.split(entry):
                flat = " ".join(re.sub(r"(?<=[a-z])-\n(?=[a-z])", "-", piece).split())
                sentences += [s for s in _split_sentences(flat) if s]
        if sentences:
            out.append(sentences)
    return out


def _relevant(sentences: list[str]) -> tuple[set[int], set[int]]:
    """Indexes of sentences to read for channels and limits, and (narrower) for deadlines."""
    off: list[bool] = []
    cue: list[bool] = []
    for s in sentences:
        direct = bool(
            _OFF_TOPIC.search(s)
            or (_NARRATIVE.search(s) and not _RULE_WORDS.search(s))
            or (_AGENDA_POSTING.search(s) and not SUBMITS.search(s))
        )
        has_cue = bool(_CUE.search(s))
        # An off-topic sentence carries on into the next one that has no cue of its own
        # (the ADA notice's "Notification of 48 hours prior to the meeting …").
        off.append(direct or (bool(off) and off[-1] and not has_cue))
        cue.append(not off[-1] and has_cue)
    wide = {
        i
        for i in range(len(sentences))
        if not off[i] and any(cue[max(0, i - CUE_BEFORE) : i + CUE_AFTER + 1])
    }
    near = {i for i in wide if any(cue[max(0, i - DEADLINE_CUE_BEFORE) : i + CUE_AFTER + 1])}
    return wide, near


def _distinct_channels(channels: list[CommentChannel]) -> list[CommentChannel]:
    seen: dict[tuple[str, str], CommentChannel] = {}
    for channel in channels:
        seen.setdefault(channel_key(channel.kind, channel.value), channel)
    valued = {kind for kind, value in seen if value}
    return [c for (kind, value), c in seen.items() if value or kind not in valued]


def extract_comment_window(text: str, meeting_start: datetime) -> CommentWindow | None:
    """How and by when the public may comment, read from `text`; None when the text says nothing usable.

    `meeting_start` must be aware, in the body's zone (a ZoneInfo), so that relative deadlines
    ("noon the day before") resolve to the right wall-clock time across DST changes.
    """
    if meeting_start.tzinfo is None or meeting_start.utcoffset() is None:
        raise ValueError("meeting_start must be timezone-aware, in the body's zone")
    deadlines: list[Found] = []
    channels: list[CommentChannel] = []
    limits: list[CommentLimit] = []
    read: list[str] = []
    for sentences in paragraphs(text):
        wide, near = _relevant(sentences)
        for index in sorted(wide):
            sentence = sentences[index]
            if index in near:  # a deadline needs a cue close by (see DEADLINE_CUE_BEFORE)
                deadlines += find_deadlines(sentence, meeting_start)
            channels += [CommentChannel(kind=k, value=v) for k, v in channels_in(sentence)]
            limits += [CommentLimit(amount=a, unit=u, text=t) for a, u, t in limits_in(sentence)]
            read.append(sentence)
    if not (deadlines or channels or limits):
        return None
    by_time: dict[datetime, Found] = {}
    for found in sorted(deadlines, key=lambda f: f.at):
        by_time.setdefault(found.at, found)
    ordered = [
        CommentDeadline(at=f.at, text=f.text[:300], time_given=f.time_given)
        for f in by_time.values()
    ]
    distinct_limits = list({(lim.amount, lim.unit): lim for lim in reversed(limits)}.values())[::-1]
    return CommentWindow(
        deadline=ordered[0].at if ordered else None,
        deadline_text=ordered[0].text if ordered else "",
        deadlines=ordered,
        channels=_distinct_channels(channels),
        limits=distinct_limits,
        limit_text=distinct_limits[0].text if distinct_limits else "",
        source_text=" ".join(read)[:MAX_SOURCE],
    )


def merge_windows(windows: list[CommentWindow]) -> CommentWindow | None:
    """One window from several read from different texts of one meeting (None when none).

    Deadlines are kept once per instant, earliest first; channels once per (kind, value), an
    address dropping its kind's empty entry; limits once per (amount, unit), first text kept.
    """
    if not windows:
        return None
    if len(windows) == 1:
        return windows[0]
    by_time: dict[datetime, CommentDeadline] = {}
    for deadline in sorted((d for w in windows for d in w.deadlines), key=lambda d: d.at):
        by_time.setdefault(deadline.at, deadline)
    ordered = list(by_time.values())
    limits: dict[tuple[int, str], CommentLimit] = {}
    for limit in (lim for w in windows for lim in w.limits):
        limits.setdefault((limit.amount, limit.unit), limit)
    merged_limits = list(limits.values())
    return CommentWindow(
        deadline=ordered[0].at if ordered else None,
        deadline_text=ordered[0].text if ordered else "",
        deadlines=ordered,
        channels=_distinct_channels([c for w in windows for c in w.channels]),
        limits=merged_limits,
        limit_text=merged_limits[0].text if merged_limits else "",
        source_text=" ".join(w.source_text for w in windows if w.source_text)[:MAX_SOURCE],
    )


def upcoming_deadline(window: CommentWindow, now: datetime) -> CommentDeadline | None:
    """The first deadline still ahead of `now` (aware): the one a notice shows and a reminder targets."""
    return next((d for d in window.deadlines if d.at > now), None)

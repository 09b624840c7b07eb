"""The vocabularies: every closed set of words a record may hold, as `Literal` types and tuples."""

from __future__ import annotations

from typing import Literal, get_args

# --- vocabularies -------------------------------------------------------------------------------
# (Platform names are not one of them: they are the spiders' own, see spiders/registry.py.)

MeetingStatus = Literal["scheduled", "tentative", "cancelled", "rescheduled", "passed"]
MEETING_STATUSES: tuple[str, ...] = get_args(MeetingStatus)

Topic = Literal[
    "welcoming_ordinance",
    "enforcement_cooperation",
    "shelter_new_arrivals",
    "benefits_access",
    "legal_services",
    "detention",
    "other_immigration",
]
TOPICS: tuple[str, ...] = get_args(Topic)

LinkKind = Literal["agenda", "minutes", "packet", "attachment", "video", "detail", "other"]
LINK_KINDS: tuple[str, ...] = get_args(LinkKind)

NoticeKind = Literal[
    "new_matches",  # a meeting's first notice: its relevant items (opens the thread)
    "items_added",  # follow-up: relevant items added to the agenda
    "items_changed",  # follow-up: relevant items reworded or renumbered
    "items_removed",  # follow-up: relevant items taken off the agenda
    "meeting_changed",  # follow-up: status, time, place or title changed
    "source_failing",  # ops: a source failed or found nothing too often (opens its thread)
    "source_recovered",  # ops: that source works again
    "bill_new",  # a bill's first notice (opens the thread)
    "bill_update",  # follow-up: amendments, hearings, votes, the governor, a Public Act
    "weekly_digest",  # the week's coming meetings, one message
    "delivery_failed",  # ops: notices Slack refused for good (or that would not render)
    "outcome",  # follow-up: how relevant items were decided (with roll calls); a bill's final action
    "reminder",  # follow-up: a public-comment deadline or a witness-slip hearing is close
    "agenda_unread",  # a meeting's agenda could not be read: a person should look (once a version)
]
NOTICE_KINDS: tuple[str, ...] = get_args(NoticeKind)
# Notices beside a meeting's thread: posted in it when it exists, but never opening it nor counting
# as the meeting's first notice (a later match is still ``new_matches``).
SIDE_NOTE_KINDS: tuple[NoticeKind, ...] = ("agenda_unread",)

# Why a meeting's agenda could not be read (`Unread.reason`), from the document's error.
UnreadReason = Literal[
    "download failed",
    "damaged",
    "encrypted",
    "needs OCR",
    "too large",
    "timed out",
    "unsupported type",
    "no items found",
]
UNREAD_REASONS: tuple[str, ...] = get_args(UnreadReason)

# How the public may comment (see pipeline/text/comments.py, which reads them from agenda text).
ChannelKind = Literal["email", "web", "phone", "video", "in_person", "mail"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = get_args(ChannelKind)
LimitUnit = Literal["minutes", "words", "pages", "characters"]
LIMIT_UNITS: tuple[LimitUnit, ...] = get_args(LimitUnit)

# How an agenda item was decided, in our words (each platform's words map onto these).
OutcomeKind = Literal[
    "adopted",  # passed, approved, adopted, carried, accepted
    "failed",  # failed, defeated, denied, rejected, lost
    "amended",  # adopted as amended / amendment carried
    "tabled",  # laid on the table
    "deferred",  # continued, postponed, held, deferred
    "referred",  # sent to a committee or back to staff
    "withdrawn",  # withdrawn or removed by the sponsor
    "received",  # received and filed, placed on file, presented
    "other",  # an action we do not classify: its words are shown as they are
]
OUTCOME_KINDS: tuple[str, ...] = get_args(OutcomeKind)

# One member's vote, in our words (Legistar's VoteValueName and ILGA's Y/N/P/NV/E map onto these).
VoteValue = Literal["yes", "no", "abstain", "absent", "present", "recused", "other"]
VOTE_VALUES: tuple[str, ...] = get_args(VoteValue)

ReminderKind = Literal["comment_deadline", "witness_slip"]
REMINDER_KINDS: tuple[str, ...] = get_args(ReminderKind)

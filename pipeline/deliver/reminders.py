"""Reminders before it is too late to act: public-comment deadlines and witness-slip hearings.

The scheduler runs `run_reminders` every few minutes. It reads what is stored:

- meetings with relevant items (not cancelled) whose comment window (`Meeting.comment`) has a
  deadline still ahead and within ``comment_reminder_hours`` → a ``reminder`` in the meeting's
  thread;
- tracked bills (relevant or pinned, not ignored) with a committee hearing still ahead and within
  ``witness_slip_reminder_hours`` → a ``reminder`` in the bill's thread, with the hearing's time,
  room and the witness-slip link (the House takes slips until the hearing ends, the Senate until
  the end of its day: the hearing's start is the safe time to remind before).

Each reminder is claimed in the ledger once per (thread, kind, due instant) in the same
transaction as its notice (`Ledger.queue_reminder`): a rerun, a second scheduler or a crash never
sends it twice, and a deadline that moves gets one reminder for its new time. A reminder is never
queued once its moment has passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.clock import utcnow
from pipeline.deliver.outbox import DeliveryReport, deliver
from pipeline.display import truncate
from pipeline.models import Bill, BillHearing, Meeting, Notice, Reminder
from pipeline.settings import Settings
from pipeline.store.files import JsonStore, iter_bills
from pipeline.store.ledger import Ledger
from pipeline.text.comments import upcoming_deadline
from pipeline.views.upcoming import latest_versions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A reminder ready to queue: its notice, kind and due instant."""

    notice: Notice
    kind: str
    due: datetime


def _notice(thread_key: str, source: str, reminder: Reminder, now: datetime) -> Notice:
    key = f"reminder:{thread_key}|{reminder.kind}|{reminder.due.isoformat()}"
    return Notice(
        id=key,
        kind="reminder",
        thread_key=thread_key,
        source=source,
        reminder=reminder,
        created_at=now,
    )


def meeting_reminder(meeting: Meeting, now: datetime, lead: timedelta) -> Due | None:
    """The comment-deadline reminder `meeting` calls for at `now`, if any."""
    if meeting.status == "cancelled" or meeting.comment is None or not meeting.relevant_items():
        return None
    deadline = upcoming_deadline(meeting.comment, now)
    if deadline is None or now < deadline.at - lead:
        return None
    reminder = Reminder(
        kind="comment_deadline",
        due=deadline.at,
        time_known=deadline.time_given,
        timezone=meeting.timezone,
        subject=meeting.body or meeting.title,
        body=meeting.jurisdiction,
        location=meeting.location,
        url=meeting.url,
        deadline_text=truncate(deadline.text, 300),
        channels=meeting.comment.channels,
        limit_text=meeting.comment.limit_text,
    )
    return Due(
        _notice(meeting.thread_key, meeting.source, reminder, now), reminder.kind, deadline.at
    )


def _tracked(bill: Bill) -> bool:
    relevant = bool(bill.classification and bill.classification.relevant)
    return (relevant or bill.watch == "watch") and bill.watch != "ignore"


def hearing_reminder(
    bill: Bill, hearing: BillHearing, now: datetime, lead: timedelta
) -> Due | None:
    """The witness-slip reminder a tracked bill's `hearing` calls for at `now`, if any."""
    if not _tracked(bill) or not now < hearing.start or now < hearing.start - lead:
        return None
    reminder = Reminder(
        kind="witness_slip",
        due=hearing.start,
        time_known=hearing.time_known,
        subject=f"{bill.label} {bill.title}".strip(),
        body=hearing.committee,
        location=hearing.location,
        url=hearing.slip_url(),
    )
    return Due(_notice(bill.thread_key, bill.source, reminder, now), reminder.kind, hearing.start)


def due_reminders(settings: Settings, now: datetime) -> list[Due]:
    """Every reminder due at `now` from the stored meetings and bills, soonest deadline first."""
    comment_lead = timedelta(hours=settings.comment_reminder_hours)
    slip_lead = timedelta(hours=settings.witness_slip_reminder_hours)
    found: list[Due] = []
    # Deadlines fall before their meeting: a meeting that started yesterday has none left ahead.
    since = (now - timedelta(days=1)).date()
    for meeting in latest_versions(JsonStore(settings.data_dir).iter_meetings(since=since)):
        if (due := meeting_reminder(meeting, now, comment_lead)) is not None:
            found.append(due)
    for bill in iter_bills(settings.data_dir):
        for hearing in bill.hearings:
            if (due := hearing_reminder(bill, hearing, now, slip_lead)) is not None:
                found.append(due)
    found.sort(key=lambda d: (d.due, d.notice.thread_key))
    return found


def queue_reminders(
    settings: Settings, ledger: Ledger, now: datetime | None = None
) -> list[Notice]:
    """Queue the reminders due at `now` that were never queued; returns those queued.

    Each goes to its thread's channel (where the meeting's or the bill's first notice went).
    """
    now = now or utcnow()
    queued: list[Notice] = []
    for due in due_reminders(settings, now):
        notice = due.notice.model_copy(
            update={"channel": ledger.thread_channel(due.notice.thread_key)}
        )
        if ledger.queue_reminder(notice, due.kind, due.due):
            queued.append(notice)
            logger.info("reminder queued: %s", notice.id)
    return queued


@dataclass
class ReminderRun:
    """What one reminder job did: the reminders queued and the delivery that followed."""

    queued: list[Notice] = field(default_factory=list)
    delivery: DeliveryReport | None = None


def run_reminders(settings: Settings, ledger: Ledger, now: datetime | None = None) -> ReminderRun:
    """Queue what is due, then deliver the outbox."""
    queued = queue_reminders(settings, ledger, now)
    return ReminderRun(queued=queued, delivery=deliver(settings, ledger))

"""Facts about a meeting that calendars and exchange formats share, in City Scrapers' terms.

- `platform_end` / `DEFAULT_DURATION`: the posted end when there is one, else two hours (the
  default City Scrapers' ``MeetingPipeline`` also applies).
- `export_status`: cancelled, passed, confirmed or tentative at a moment, by the rules in
  City-Bureau/city-scrapers ``docs/06_event_schema.md`` (OCD uses the same four words).
- `classify_body`: one of City Scrapers' classifications (``city_scrapers_core/constants.py``),
  from the body's name, else the meeting's title.
- `split_location`: a location string as a place name and a street address.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from pipeline.models import Meeting

# How long a meeting is taken to last when the platform posts no end (calendars and exports).
DEFAULT_DURATION = timedelta(hours=2)
# City Scrapers: a meeting this close is "confirmed" even before its agenda is posted.
CONFIRMED_WITHIN = timedelta(days=7)

# City Scrapers vocabularies (city_scrapers_core/constants.py); OCD uses the same statuses.
Classification = Literal[
    "Advisory Committee",
    "Board",
    "City Council",
    "Commission",
    "Committee",
    "Forum",
    "Police Beat",
    "Not classified",
]
CLASSIFICATIONS: tuple[str, ...] = get_args(Classification)
ExportStatus = Literal["cancelled", "tentative", "confirmed", "passed"]
EXPORT_STATUSES: tuple[str, ...] = get_args(ExportStatus)

# Body names → classification, first match wins (case-insensitive). Committees before councils
# ("City Council Committee on Finance"); an agency's board ("Library Board of Trustees", "Board of
# Fire and Police Commissioners", "Zoning Board of Appeals") before the elected boards City
# Scrapers counts as councils ("Village Board", "Cook County Board of Commissioners"). Only a few
# words may stand between the agency and its board, so a town's name ("Oak Park Village Board",
# "Park Ridge Board of Trustees") does not read as an agency.
_AGENCY = (
    r"library|park|parks|school|education|pension|retirement|fire|police|health|housing|transit"
    r"|water|sanitary|airport|election|elections|zoning|appeals|hospital|forest preserve|museum"
    r"|mosquito|cemetery|tourism"
)
_BETWEEN = r"district|fund|authority|and|&|of|the|public|police|fire|library|trustees"
_GOVERNING = r"board|boards|trustees|directors|commissioners"
_CLASS_RULES: tuple[tuple[Classification, re.Pattern[str]], ...] = (
    ("Police Beat", re.compile(r"\bpolice (?:district )?beat\b|\bbeat \d+\b", re.I)),
    ("Advisory Committee", re.compile(r"\badvisory\b", re.I)),
    ("Committee", re.compile(r"\b(?:sub)?committees?\b", re.I)),
    (
        "Forum",
        re.compile(
            r"\btown hall meeting\b|\bforum\b|\blistening session\b|\bopen house\b"
            r"|\bcommunity meeting\b",
            re.I,
        ),
    ),
    ("Commission", re.compile(r"\bcommissions?\b", re.I)),
    (
        "Board",
        re.compile(
            rf"\b(?:{_AGENCY})(?: (?:{_BETWEEN})){{0,2}} (?:{_GOVERNING})\b"
            rf"|\b(?:board|trustees|directors) of (?:the )?(?:{_AGENCY})\b",
            re.I,
        ),
    ),
    (
        "City Council",
        re.compile(
            r"\b(?:city|town|township|village|county|common) council\b|^council\b"
            r"|\b(?:village|town|township|county) board\b|\bboard of trustees\b"
            r"|\bboard of (?:county )?commissioners\b|\bboard of alder(?:men|persons)\b",
            re.I,
        ),
    ),
    ("Board", re.compile(r"\bboard\b|\btrustees\b|\bdirectors\b|\bdistrict\b|\bauthority\b", re.I)),
)

# A location part that starts a street address: a house number then a word ("118 North Clark").
_STREET_RE = re.compile(r"^\d+[A-Za-z]?(?:-\d+)?\s+\w")
# Parts after the street that name a room or building rather than continue the address.
_ROOM_RE = re.compile(
    r"\b(?:room|rm\.?|chambers?|hall|floor|conference|auditorium|boardroom|lobby|annex"
    r"|building|bldg\.?|center|centre|library|gym|cafeteria)\b",
    re.I,
)


def platform_end(meeting: Meeting) -> datetime | None:
    """The end the platform posted, when the start time is known and the end is after it."""
    if meeting.time_known and meeting.end is not None and meeting.end > meeting.start:
        return meeting.end
    return None


def local_time(moment: datetime, meeting: Meeting) -> datetime:
    """`moment` on the meeting's own wall clock (its ``timezone``)."""
    return moment.astimezone(ZoneInfo(meeting.timezone))


def _classify(text: str) -> Classification:
    for label, pattern in _CLASS_RULES:
        if pattern.search(text):
            return label
    return "Not classified"


def classify_body(body: str, title: str = "") -> Classification:
    """City Scrapers classification from the body's name, else the meeting's title.

    A title that names a committee ("Committee of the Whole" of the Village Board) makes the
    meeting a committee's, as City Scrapers asks.
    """
    label = _classify(body)
    if label == "Not classified":
        return _classify(title)
    if label in ("Board", "City Council", "Commission") and _classify(title) == "Committee":
        return "Committee"
    return label


def split_location(location: str) -> tuple[str, str]:
    """``(name, address)``: the parts before a street number name the place, the rest is address.

    ``"Cook County Building, Board Room, 118 North Clark Street, Chicago, Illinois"`` →
    ``("Cook County Building, Board Room", "118 North Clark Street, Chicago, Illinois")``; rooms
    named after the street ("…, 123 Madison Street, Council Chambers") join the name. Without a
    street number the whole text is the name.
    """
    parts = [p.strip() for p in re.split(r"[,;\n]", location) if p.strip()]
    street = next((i for i, p in enumerate(parts) if _STREET_RE.match(p)), None)
    if street is None:
        return ", ".join(parts), ""
    name = parts[:street]
    address = [parts[street]]
    for part in parts[street + 1 :]:
        (name if _ROOM_RE.search(part) else address).append(part)
    return ", ".join(name), ", ".join(address)


def _agenda_posted(meeting: Meeting) -> bool:
    return bool(meeting.items or meeting.documents) or any(
        link.kind in ("agenda", "packet") for link in meeting.links
    )


def export_status(meeting: Meeting, now: datetime) -> ExportStatus:
    """The City Scrapers / OCD status at `now` (rules in the module docstring)."""
    if meeting.status in ("cancelled", "rescheduled"):
        return "cancelled"
    if meeting.time_known:
        started = meeting.start <= now
    else:  # a date-only meeting has passed once its local day has
        started = local_time(meeting.start, meeting).date() < local_time(now, meeting).date()
    if meeting.status == "passed" or started:
        return "passed"
    if meeting.status == "tentative":
        return "tentative"  # the site itself says so
    if _agenda_posted(meeting) or meeting.start - now <= CONFIRMED_WITHIN:
        return "confirmed"
    return "tentative"

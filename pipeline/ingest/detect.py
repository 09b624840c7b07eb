"""Recognise a town's agenda platform from its URL and page, and propose a sources.yaml entry.

Host patterns come from docs/platforms.md §3.6; page markers are strings each platform's pages
carry (element ids, endpoint names, JSON field names), checked most specific first — IQM2 pages
mention Granicus (its owner), and CivicPlus and Legistar both have a ``Calendar.aspx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from pipeline.models import slugify

# (platform, host regex): the host alone settles it.
HOST_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("legistar", re.compile(r"(^|\.)(webapi\.)?legistar1?\.com$")),
    ("elms", re.compile(r"chicityclerkelms\.chicago\.gov$")),
    ("civicclerk", re.compile(r"\.(api|portal)\.civicclerk\.com$")),
    ("primegov", re.compile(r"\.primegov\.com$")),
    ("escribe", re.compile(r"\.escribemeetings\.com$")),
    ("iqm2", re.compile(r"\.iqm2\.com$")),
    ("novusagenda", re.compile(r"\.novusagenda\.com$")),
    ("municode", re.compile(r"\.municodemeetings\.com$")),
    # The same meetings service on every host family: KCKPS on community.highbond.com, Tulsa
    # Public Schools on diligent.community, Las Cruces on civicweb.net (docs/platforms.md).
    (
        "diligent",
        re.compile(
            r"\.community\.(?:diligentoneplatform|highbond)\.com$|\.diligent\.community$"
            r"|\.civicweb\.net$"
        ),
    ),
    ("boarddocs", re.compile(r"(^|\.)boarddocs\.com$")),
    ("granicus", re.compile(r"\.granicus\.com$")),
    ("civicplus", re.compile(r"\.civicplus\.com$")),
)

# (platform, markers): the page is that platform's when any marker occurs, first rule wins.
PAGE_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "legistar",
        (
            '"EventBodyName"',
            '"MatterAttachmentId"',
            '"MatterHistoryId"',
            '"MatterGuid"',
            "ctl00_ContentPlaceHolder1_MultiPageCalendar",
            ".legistar.com/",
        ),
    ),
    ("civicclerk", ("api.civicclerk.com", "portal.civicclerk.com")),
    ("primegov", ('"compileOutputType"', "primegov.com")),
    ("escribe", ('"FormattedStart"', "escribemeetings.com")),
    ("elms", ("chicityclerkelms", '"facets"')),
    ("iqm2", ("Detail_Meeting.aspx", "iqm2.com", "IQM2")),
    ("novusagenda", ("NovusAGENDA", "novusagenda.com", '"AgendaItemID"')),
    # Diligent's meetings answer before BoardDocs: KCKPS types some meetings "BoardDocs Imported
    # Meetings".
    ("diligent", ('"MeetingDateTime"',)),
    ("boarddocs", ("boarddocs.com", "BoardDocs", '"numberdate"', "<meetings>")),
    ("diligent", ("diligentoneplatform.com", "MeetingsService.svc")),
    ("municode", ("municodemeetings.com",)),
    ("granicus", ("granicus.com", "ViewPublisher.php", "AgendaViewer.php", "granicusops.com")),
    ("civicplus", ("AgendaCenter", "catAgendaRow", "civicplus.com", "CivicPlus")),
)

# The Legistar client slug in a host such as "countyofkane.legistar.com".
LEGISTAR_HOST_RE = re.compile(r"^([a-z0-9-]+)\.legistar1?\.com$")
# The first label of a tenant host (civicclerk, primegov, iqm2, novusagenda, municode, diligent).
TENANT_HOST_RE = re.compile(r"^(?:pub-)?([a-z0-9-]+)\.")
# A page's <title>, for proposing a name.
TITLE_RE = re.compile(r"<title[^>]*>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)
# Separators between the parts of a page title ("Agenda Center • Gallatin County, MT • CivicEngage").
TITLE_SPLIT_RE = re.compile(r"\s+[•|\-–—:]\s+")
# Title parts that name the page or the vendor, not the body.
GENERIC_TITLE_RE = re.compile(
    r"^(agenda center|agendas?( & minutes)?|meetings?( calendar)?|calendar|home|civicengage|"
    r"legistar|granicus content|iqm2|novusagenda|boarddocs|.*\bview page\b.*)$",
    re.IGNORECASE,
)


# What a saved page of a platform is, decided by its content: (platform, kind, markers), most
# specific first; a kind applies when every one of its markers occurs. The spiders route pages by
# these kinds (``AgendaSpider.parse_saved`` and their listing callbacks), so a page is read by
# what it holds, whatever address it was saved from.
PAGE_KINDS: tuple[tuple[str, str, tuple[re.Pattern[str], ...]], ...] = tuple(
    (platform, kind, tuple(re.compile(m, re.IGNORECASE) for m in markers))
    for platform, kind, markers in (
        # Legistar Web API answers (JSON) and web pages (ASP.NET/Telerik RadGrid).
        ("legistar", "api_events", (r'"EventId"\s*:',)),
        ("legistar", "api_event_items", (r'"EventItemId"\s*:',)),
        ("legistar", "api_matters", (r'"Matter(?:History|Attachment)?Id"\s*:',)),
        ("legistar", "web_meeting_detail", (r"ContentPlaceHolder1_(?:gridMain|hypName|lblDate)",)),
        (
            "legistar",
            "web_calendar",
            (r"\brg(?:MasterTable|Row|AltRow|NoRecords)\b", r">\s*Meeting\s*Date"),
        ),
        # IQM2: a meeting page, or any page listing meetings (Calendar, the Default.aspx home
        # page, a board page).
        ("iqm2", "detail_meeting", (r"lblMeetingGroup|ContentPlaceholder1_lblMeetingDate",)),
        ("iqm2", "meeting_list", (r"\bMeetingRow\b|Detail_Meeting\.aspx\?",)),
        # BoardDocs: the XML feed, the committee list (JSON, also the "ForSEO" variant), the
        # agenda (BD-GetAgenda, PRINT-AgendaDetailed), one meeting's fragment (BD-GetMeeting).
        ("boarddocs", "xml_feed", (r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<meetings\b",)),
        ("boarddocs", "meetings_list", (r'"(?:numberdate|unique)"\s*:',)),
        ("boarddocs", "meetings_list", (r'"Unique"\s*:', r'"(?:Date|Name)"\s*:')),
        (
            "boarddocs",
            "agenda",
            (r"""class=["'][^"']*\b(?:wrap-category|category|item)\b""", r"<(?:dt|li)\b"),
        ),
        ("boarddocs", "meeting_fragment", (r"""id=["'](?:wrap-meeting|view-meeting)["']""",)),
        # PrimeGov: the compiled HTML agenda; any JSON answer holding meetings (the Upcoming and
        # Archived lists, ListArchivedMeetingsByCommitteeId, the portal search).
        ("primegov", "html_agenda", (r"""class=["'][^"']*\bagenda-item\b""",)),
        ("primegov", "meetings", (r'"(?:dateTime|documentList|meetingTypeId|committeeId)"\s*:',)),
        # Granicus: a ViewPublisher listing (any template), else an agenda or minutes page.
        (
            "granicus",
            "listing",
            (r"""listingRow|listingTable|headers=["'][^"']*(?:Name|Date)|class=["']committee""",),
        ),
        (
            "granicus",
            "agenda",
            (
                r"numberspace|<h[23]\b[^>]*>\s*<span|<td\b[^>]*>\s*(?:\d{1,3}|[A-Za-z]|[IVX]{1,5})\.\s*</td>",
            ),
        ),
        # CivicPlus AgendaCenter (index, search results, an UpdateCategoryList fragment) and
        # the Calendar module, which holds no agendas.
        ("civicplus", "agendacenter", (r"catAgendaRow|id=[\"']cat\d+|id=[\"']section\d+",)),
        ("civicplus", "calendar_module", (r"Calendar\.aspx\?EID=|calendar\.aspx",)),
        # CivicClerk OData answers.
        ("civicclerk", "meeting_items", (r'"agendaObjectItem(?:Name|OutlineNumber)"\s*:',)),
        ("civicclerk", "events", (r'"(?:startDateTime|eventName|agendaId)"\s*:',)),
        # Diligent Community / CivicWeb MeetingsService.
        ("diligent", "meeting_documents", (r'"DocumentType"\s*:',)),
        ("diligent", "meetings", (r'"Meeting(?:DateTime|Date|TypeId|TypeName)"\s*:',)),
        # Chicago eLMS.
        ("elms", "meetings", (r'"meetingId"\s*:',)),
        # eScribe: the HTML agenda page, the calendar page method's answer.
        ("escribe", "meeting_page", (r"""class=["'][^"']*\bAgendaItem\b""",)),
        ("escribe", "calendar", (r'"(?:StartDate|MeetingName|MeetingType)"\s*:',)),
        # NovusAGENDA: a county board API in front of it, or the RadGrid meeting list.
        ("novusagenda", "board_api", (r'"dtMtg"\s*:',)),
        ("novusagenda", "meeting_list", (r"radGridMeetings|\brg(?:Row|AltRow|NoRecords)\b",)),
        ("novusagenda", "meeting_view", (r"CoverSheet\.aspx",)),
        # Municode Meetings list (Drupal views).
        ("municode", "meeting_list", (r"date-display-single|data-th=[\"']Date|view-empty",)),
    )
)
# Address hints, used only when the content matched no kind: (platform, kind, path regex).
URL_KINDS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (platform, kind, re.compile(pattern, re.IGNORECASE))
    for platform, kind, pattern in (
        ("legistar", "api_event_items", r"/eventitems$"),
        ("legistar", "api_events", r"/events(?:/\d+)?$"),
        ("legistar", "web_meeting_detail", r"/MeetingDetail\.aspx$"),
        ("legistar", "web_calendar", r"/(?:Calendar|DepartmentDetail)\.aspx$"),
        ("iqm2", "detail_meeting", r"/Detail_Meeting\.aspx$"),
        ("iqm2", "meeting_list", r"/Citizens(?:/.*)?$"),
        ("boarddocs", "xml_feed", r"/XML-ActiveMeetings$"),
        ("boarddocs", "meetings_list", r"/BD-GetMeetingsList"),
        ("boarddocs", "agenda", r"/(?:BD-GetAgenda|PRINT-Agenda\w*)$"),
        ("boarddocs", "meeting_fragment", r"/BD-GetMeeting$"),
        ("primegov", "meetings", r"/api/v\d+/PublicPortal/"),
        ("primegov", "html_agenda", r"/Portal/Meeting$"),
        ("granicus", "listing", r"/ViewPublisher\.php$"),
        ("granicus", "agenda", r"/(?:Agenda|Minutes)Viewer\.php$"),
        ("civicplus", "agendacenter", r"/AgendaCenter(?:/|$)"),
        ("civicclerk", "meeting_items", r"/Meetings/\d+$"),
        ("civicclerk", "events", r"/Events$"),
        ("diligent", "meeting_documents", r"/meetingDocuments$"),
        ("diligent", "meetings", r"/meetings$"),
        ("elms", "meetings", r"/meeting(?:/[^/]+)?$"),
        ("escribe", "meeting_page", r"/Meeting\.aspx$"),
        ("escribe", "calendar", r"/GetCalendarMeetings$"),
        ("novusagenda", "meeting_view", r"/MeetingView\.aspx$"),
        ("novusagenda", "meeting_list", r"\.aspx$"),
        ("municode", "meeting_list", r"^(?!.*\.pdf$)"),
    )
)
# How much of a page the kind markers look at.
KIND_SCAN_CHARS = 2_000_000


def page_kind(platform: str, url: str, page: bytes | str) -> str | None:
    """The kind of a saved `page` of `platform` (see `PAGE_KINDS`); the URL only breaks a tie.

    None when neither the content nor the address says what the page is.
    """
    head = page[:KIND_SCAN_CHARS]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    for name, kind, markers in PAGE_KINDS:
        if name == platform and all(m.search(text) for m in markers):
            return kind
    path = urlsplit(url).path.rstrip("/")
    return next(
        (kind for name, kind, hint in URL_KINDS if name == platform and hint.search(path)), None
    )


def page_kinds(platform: str) -> list[str]:
    """Every page kind `PAGE_KINDS` knows for `platform`, in order (for messages)."""
    return list(dict.fromkeys(kind for name, kind, _ in PAGE_KINDS if name == platform))


@dataclass(frozen=True)
class Detection:
    """What was recognised and how: ``by`` is ``host`` or ``page``."""

    platform: str
    by: str


def looks_like_page(body: bytes) -> bool:
    """True for what a site serves as a page or API answer: HTML or XML markup, or JSON.

    Platform markers are plain strings, so any text that mentions a platform (a config file, a
    note) would otherwise be "recognised"; only a page is worth reading for them.
    """
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:1] in (b"{", b"["):
        return True
    return head[:1] == b"<" or b"<html" in head or b"<!doctype html" in head


def detect(url: str, page: bytes | None = None) -> Detection | None:
    """The platform of `url` (and its saved `page`, if given), or None for an unknown site."""
    host = (urlsplit(url).hostname or "").lower()
    for platform, pattern in HOST_PATTERNS:
        if pattern.search(host):
            return Detection(platform, "host")
    if page:
        text = page[:2_000_000].decode("utf-8", "replace")
        for platform, markers in PAGE_MARKERS:
            if any(marker in text for marker in markers):
                return Detection(platform, "page")
    return None


def propose_slug(platform: str, url: str) -> str | None:
    """The tenant slug from the URL where the platform puts it in the host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if platform == "legistar":
        if host == "webapi.legistar.com":
            segments = [s for s in parts.path.split("/") if s]
            return segments[1] if len(segments) > 1 else None
        match = LEGISTAR_HOST_RE.match(host)
        return match.group(1) if match else None
    if platform == "boarddocs":
        segments = [s for s in parts.path.split("/") if s]
        return "/".join(segments[:2]) if len(segments) >= 2 else None
    if platform == "diligent" and not host.endswith(".community.diligentoneplatform.com"):
        return None  # the spider builds only that host from a slug: others keep their origin
    if platform in (
        "civicclerk",
        "primegov",
        "iqm2",
        "novusagenda",
        "municode",
        "diligent",
        "escribe",
    ):
        match = TENANT_HOST_RE.match(host)
        return match.group(1) if match else None
    return None


def propose_entry(url: str, page: bytes | None, detection: Detection) -> dict[str, object]:
    """A sources.yaml entry for the site: id, name, jurisdiction, platform, slug or base URL."""
    parts = urlsplit(url)
    name = ""
    if page:
        match = TITLE_RE.search(page[:200_000].decode("utf-8", "replace"))
        if match:
            pieces = TITLE_SPLIT_RE.split(" ".join(match.group(1).split()))
            name = next((p for p in pieces if p and not GENERIC_TITLE_RE.match(p)), "")
    slug = propose_slug(detection.platform, url)
    host = (parts.hostname or "").lower()
    label = slug or host.removeprefix("www.").split(".")[0]
    entry: dict[str, object] = {
        "id": slugify(label.replace("-", " "), 40),
        "name": name or label,
        "jurisdiction": name or label,
        "platform": detection.platform,
    }
    if slug:
        entry["slug"] = slug
    else:
        entry["base_url"] = f"{parts.scheme}://{parts.netloc}"
    view_id = parse_qs(parts.query).get("view_id", [""])[0]
    if detection.platform == "granicus" and view_id.isdigit():
        entry["options"] = {"view_id": int(view_id)}
    entry["timezone"] = "America/Chicago"
    return entry

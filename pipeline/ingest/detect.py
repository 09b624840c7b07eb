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
    ("diligent", re.compile(r"\.community\.diligentoneplatform\.com$")),
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


@dataclass(frozen=True)
class Detection:
    """What was recognised and how: ``by`` is ``host`` or ``page``."""

    platform: str
    by: str


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

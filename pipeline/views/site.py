"""``agenda-watch site --out DIR``: a static page of upcoming votes, with calendar and JSON feeds.

One ``index.html`` (inline CSS and a few lines of inline JavaScript, no build step, no server),
``upcoming.json`` and the iCalendar feeds under ``calendar/``. Any web host (or a file:// URL)
serves it. The filters (jurisdiction, topic) live in the URL fragment, e.g.
``index.html#topic=detention``, so a filtered view can be bookmarked or shared; without
JavaScript the page simply shows everything.

Every scraped string is HTML-escaped and only http(s) URLs become links. A Content-Security-Policy
allows exactly the page's own inline style and script (by hash) and nothing else, so even text
that slipped through could not load or run anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from html import escape
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.clock import utcnow
from pipeline.display import item_url, local_start, meeting_links, status_label, topic_label
from pipeline.models import TOPICS, Meeting
from pipeline.store.files import write_atomic
from pipeline.views.calendar import EventVersions, Feed, write_feeds
from pipeline.views.deadlines import Deadline, meeting_deadlines
from pipeline.views.format import comment_text, meeting_topics
from pipeline.views.upcoming import DISPLAY_ZONE, UpcomingQuery, upcoming_json

FEED_DAYS_BACK = 7  # calendar feeds keep last week's meetings, so events do not vanish at once
FEED_DAYS = 372  # …and reach a year ahead: a calendar shows whatever is known

CSS = """
:root { color-scheme: light dark; --fg: #1b1b1b; --muted: #5a5a5a; --bg: #fff; --card: #f6f6f4;
  --accent: #0b5cad; --warn: #a4000f; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --muted: #aaa; --bg: #141414;
  --card: #202020; --accent: #7db7ff; --warn: #ff8a8a; } }
[hidden] { display: none !important; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 1rem; font: 16px/1.5 system-ui, sans-serif;
  color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--muted); }
h3 { font-size: 1rem; margin: 0; }
a { color: var(--accent); }
.lede, .meta, footer { color: var(--muted); }
form { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
label { display: flex; flex-direction: column; font-size: .9rem; min-width: 12rem; flex: 1; }
select { font: inherit; padding: .4rem; max-width: 100%; }
.meeting { background: var(--card); border-radius: .5rem; padding: .75rem 1rem; margin: .5rem 0; }
.meeting p { margin: .25rem 0; }
.meeting.cancelled h3, .meeting.cancelled .items { text-decoration: line-through; }
.badge { font-weight: 700; color: var(--warn); text-decoration: none; display: inline-block; }
.items { padding-left: 1.2rem; margin: .5rem 0; }
.num { font-weight: 600; }
.topic { font-size: .8rem; border: 1px solid var(--muted); border-radius: 1rem;
  padding: 0 .45rem; white-space: nowrap; color: var(--muted); }
.links a { margin-right: .75rem; }
.deadlines { list-style: none; padding: 0; }
.deadlines li { background: var(--card); border-left: 4px solid var(--warn); padding: .4rem .75rem;
  margin: .4rem 0; border-radius: .25rem; }
.comment, .slip { font-size: .95rem; }
""".strip()

SCRIPT = """
(function () {
  var j = document.getElementById("f-jurisdiction"), t = document.getElementById("f-topic");
  function set(sel, v) { sel.value = v; if (sel.value !== v) { sel.value = ""; } }
  function apply() {
    var shown = 0;
    document.querySelectorAll("section.day").forEach(function (day) {
      var inDay = 0;
      day.querySelectorAll("article.meeting").forEach(function (m) {
        var items = 0;
        m.querySelectorAll("li.item").forEach(function (li) {
          var ok = !t.value || li.dataset.topics.split(" ").indexOf(t.value) >= 0;
          li.hidden = !ok;
          if (ok) { items++; }
        });
        var ok = items > 0 && (!j.value || m.dataset.jurisdiction === j.value);
        m.hidden = !ok;
        if (ok) { inDay++; }
      });
      day.hidden = inDay === 0;
      shown += inDay;
    });
    document.getElementById("count").textContent = shown + (shown === 1 ? " meeting" : " meetings");
    document.getElementById("empty").hidden = shown > 0;
  }
  function fromHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    set(j, p.get("jurisdiction") || "");
    set(t, p.get("topic") || "");
    apply();
  }
  function toHash() {
    var p = new URLSearchParams();
    if (j.value) { p.set("jurisdiction", j.value); }
    if (t.value) { p.set("topic", t.value); }
    history.replaceState(null, "", "#" + p.toString());
    apply();
  }
  j.addEventListener("change", toHash);
  t.addEventListener("change", toHash);
  window.addEventListener("hashchange", fromHash);
  document.getElementById("filters").hidden = false;
  fromHash();
})();
""".strip()


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


CSP = (
    f"default-src 'none'; style-src '{_sha256(CSS)}'; script-src '{_sha256(SCRIPT)}'; "
    "base-uri 'none'; form-action 'none'"
)


def _href(url: str | None) -> str | None:
    """An attribute-safe href for http(s) URLs; anything else (javascript:, data:) is dropped."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    return escape(url, quote=True)


def _a(url: str | None, label: str) -> str:
    href = _href(url)
    text = escape(label)
    return f'<a href="{href}" rel="noopener">{text}</a>' if href else text


def _deadline_html(d: Deadline) -> str:
    """One deadline: local time, what to do, for what, and where."""
    how = f" · {escape(', '.join(d.how()))}" if d.how() else ""
    limit = f" · {escape(d.limit_text)}" if d.limit_text else ""
    action = "File a witness slip" if d.kind == "witness_slip" else d.label
    target = f"{d.what} ({d.body})" if d.kind == "witness_slip" else d.what
    return (
        f'<li class="{escape(d.kind)}" data-jurisdiction="{escape(d.jurisdiction, quote=True)}">'
        f'<time datetime="{d.at.isoformat()}"><strong>{escape(d.when)}</strong></time> · '
        f"{_a(d.url, action)}: {escape(target)} · {escape(d.jurisdiction)}{how}{limit}</li>"
    )


def _deadlines_html(meetings: list[Meeting], now: datetime) -> str:
    """The "Deadlines" section, soonest first (empty when nothing is due in the window)."""
    found = sorted(
        (d for m in meetings for d in meeting_deadlines(m, now)), key=lambda d: (d.at, d.what)
    )
    if not found:
        return ""
    items = "\n".join(_deadline_html(d) for d in found)
    return (
        '<section class="deadlines-first" aria-labelledby="deadlines">\n'
        '<h2 id="deadlines">Deadlines: act before these</h2>\n'
        f'<ul class="deadlines">\n{items}\n</ul>\n</section>'
    )


def _meeting_html(m: Meeting, feed_for: dict[str, str], now: datetime) -> str:
    start = local_start(m)
    status = status_label(m.status)
    badge = f' <span class="badge">{escape(status)}</span>' if status else ""
    clock = f"{start:%I:%M %p}".lstrip("0") + f" {start.tzname()}" if m.time_known else ""
    items = []
    for i in m.items:
        topics = list(i.classification.topics) if i.classification else []
        chips = " ".join(f'<span class="topic">{escape(topic_label(t))}</span>' for t in topics)
        number = f'<span class="num">{escape(i.number)}</span> ' if i.number else ""
        slip = (
            f' <span class="slip">{_a(str(i.witness_slip_url), "File a witness slip")}</span>'
            if i.witness_slip_url
            else ""
        )
        items.append(
            f'<li class="item" data-topics="{escape(" ".join(topics), quote=True)}">'
            f"{number}{_a(item_url(i, m), i.title)} {chips}{slip}</li>"
        )
    links = [_a(ln["url"], ln["title"]) for ln in meeting_links(m)]
    if m.source in feed_for:
        links.append(f'<a href="{escape(feed_for[m.source], quote=True)}">Calendar feed</a>')
    location = f'<p class="meta">{escape(m.location)}</p>' if m.location else ""
    if comment := comment_text(m, now):
        location += f'<p class="comment">{escape(comment)}</p>'
    same = m.title.casefold() == m.body.casefold()
    meta = m.jurisdiction if same else f"{m.jurisdiction} · {m.title}"
    return (
        f'<article class="meeting {escape(m.status)}" id="{escape(m.id, quote=True)}"'
        f' data-jurisdiction="{escape(m.jurisdiction, quote=True)}"'
        f' data-source="{escape(m.source, quote=True)}"'
        f' data-topics="{escape(" ".join(meeting_topics(m)), quote=True)}">\n'
        f'<h3><time datetime="{start.isoformat()}">{escape(clock or "Time not posted")}</time>'
        f" · {escape(m.body)}{badge}</h3>\n"
        f'<p class="meta">{escape(meta)}</p>\n{location}'
        f'<ul class="items">\n' + "\n".join(items) + "\n</ul>\n"
        f'<p class="links">{" ".join(links)}</p>\n</article>'
    )


def render_page(
    meetings: list[Meeting],
    query: UpcomingQuery,
    feeds: list[Feed],
    now: datetime | None = None,
) -> str:
    """The whole ``index.html``: meetings grouped by local day, filters, feed links."""
    now = now or utcnow()
    feed_for = {f.source: f.path for f in feeds if f.source}
    jurisdictions = sorted({m.jurisdiction for m in meetings}, key=str.casefold)
    topics = [t for t in TOPICS if any(t in meeting_topics(m) for m in meetings)]
    j_opts = "".join(
        f'<option value="{escape(j, quote=True)}">{escape(j)}</option>' for j in jurisdictions
    )
    t_opts = "".join(f'<option value="{t}">{escape(topic_label(t))}</option>' for t in topics)
    days = []
    for day, group in groupby(meetings, key=lambda m: local_start(m).date()):
        cards = "\n".join(_meeting_html(m, feed_for, now) for m in group)
        days.append(
            f'<section class="day" data-date="{day.isoformat()}">\n'
            f"<h2>{day:%A}, {day:%B} {day.day}, {day.year}</h2>\n{cards}\n</section>"
        )
    span = (
        f"{query.first:%b} {query.first.day} to {query.last:%b} {query.last.day}, {query.last.year}"
    )
    feed_links = " · ".join(
        f'<a href="{escape(f.path, quote=True)}">{escape(f.title)}</a>' for f in feeds
    )
    feeds_html = (
        f"<p>Calendar feeds (subscribe by URL in your calendar app): {feed_links}. "
        '<a href="upcoming.json">JSON</a>.</p>'
        if feeds
        else ""
    )
    empty = "" if meetings else " (none in this window)"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>Upcoming votes · agenda-watch</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Upcoming votes touching immigrants' rights</h1>
<p class="lede">Meetings and hearings from {span} with agenda items that matched{empty}.
Times are local to each body. Cancelled meetings stay listed, struck through.</p>
</header>
<form id="filters" role="search" hidden>
<label>Jurisdiction <select id="f-jurisdiction"><option value="">All jurisdictions</option>{j_opts}</select></label>
<label>Topic <select id="f-topic"><option value="">All topics</option>{t_opts}</select></label>
<p id="count" aria-live="polite">{len(meetings)} meetings</p>
</form>
<main>
{_deadlines_html(meetings, now)}
{chr(10).join(days)}
<p id="empty"{"" if not meetings else " hidden"}>No meetings match.</p>
</main>
<footer>
{feeds_html}
<p>Generated {now.astimezone(DISPLAY_ZONE):%Y-%m-%d %H:%M %Z} by agenda-watch. Always check the
source before acting: agendas change.</p>
</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""


def site_query(query: UpcomingQuery) -> UpcomingQuery:
    """One window covering the page's (`query`) and the feeds' (`feed_query`), same filters."""
    feeds = feed_query(query)
    last = max(query.last, feeds.last)
    return UpcomingQuery(
        first=feeds.first,
        days=(last - feeds.first).days + 1,
        sources=query.sources,
        topics=query.topics,
    )


def feed_query(query: UpcomingQuery) -> UpcomingQuery:
    """The calendar feeds' window: from a week before the page's first day, a year ahead."""
    return UpcomingQuery(
        first=query.first - timedelta(days=FEED_DAYS_BACK),
        days=FEED_DAYS,
        sources=query.sources,
        topics=query.topics,
    )


def _within(meetings: list[Meeting], query: UpcomingQuery) -> list[Meeting]:
    return [m for m in meetings if query.first <= local_start(m).date() <= query.last]


def build_site(
    selected: list[Meeting],
    out_dir: Path,
    query: UpcomingQuery,
    versions: EventVersions,
    now: datetime | None = None,
) -> tuple[list[Meeting], list[Feed]]:
    """Write ``index.html``, ``upcoming.json`` and the calendar feeds under `out_dir`.

    `selected` is the upcoming selection of `site_query(query)` (`load_upcoming`, or
    `select_upcoming` over meetings in hand), read once for the page and the feeds.
    """
    now = now or utcnow()
    meetings = _within(selected, query)
    out_dir.mkdir(parents=True, exist_ok=True)
    feeds = write_feeds(_within(selected, feed_query(query)), out_dir, versions, now)
    versions.save()
    data = json.dumps(upcoming_json(meetings, query), indent=2, ensure_ascii=False)
    write_atomic(out_dir / "upcoming.json", data.encode())
    write_atomic(out_dir / "index.html", render_page(meetings, query, feeds, now).encode())
    return meetings, feeds

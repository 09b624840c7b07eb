"""Render City Scrapers' Legistar row JSON as the Calendar.aspx grid it was read from.

Three real captures (Cook County, MWRD, Cincinnati) are not pages: they are the rows City
Scrapers' ``LegistarSpider`` read from a calendar grid, one dict per row keyed by the grid's
header text, a link cell as ``{label, url}``. To run them through our spider they are put back
into the RadGrid markup a Legistar calendar serves (``table.rgMasterTable``, ``th.rgHeader``,
``tr.rgRow``/``tr.rgAltRow``). The rows are real; the markup around them is BUILT by this module.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        label = escape(str(value.get("label") or ""))
        url = value.get("url")
        if not url:
            return f"<td>{label}</td>"
        inner = label or '<img src="Images/ical.gif" alt="ics" title="ics" />'
        return f'<td><a href="{escape(str(url))}">{inner}</a></td>'
    return f"<td>{escape(str(value or ''))}</td>"


def calendar_page(rows_json: Path, title: str) -> bytes:
    """A Calendar.aspx page whose grid holds the rows of `rows_json`, in their order."""
    rows: list[dict[str, Any]] = json.loads(rows_json.read_text(encoding="utf-8"))
    headers = list(rows[0])
    head = "".join(
        f'<th class="rgHeader">{"" if h == "iCalendar" else escape(h)}</th>' for h in headers
    )
    body = "".join(
        f'<tr class="{"rgRow" if n % 2 == 0 else "rgAltRow"}">'
        + "".join(_cell(row.get(h)) for h in headers)
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
        '<div id="ctl00_ContentPlaceHolder1_MultiPageCalendar">'
        f'<table class="rgMasterTable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div></body></html>"
    ).encode()

"""What the two Legistar spiders share: the ``mode`` option and the id in Legistar's links.

The Web API spider (``legistar.py``) chooses the web-calendar variant (``legistar_web.py``) and
reads its pages through it; the variant imports only this module, so the two never import each
other.
"""

from __future__ import annotations

import re
from typing import Literal

from spiders.base import PlatformOptions

# Event/matter id in MeetingDetail, View.ashx and LegislationDetail links: "?ID=658900&GUID=…",
# and in the API's EventInSiteURL: "MeetingDetail.aspx?LEGID=2907&GID=557".
ID_RE = re.compile(r"[?&](?:ID|LEGID)=(\d+)", re.IGNORECASE)


class LegistarOptions(PlatformOptions):
    """``mode: web`` crawls the web calendar instead of the Web API (disabled for some clients)."""

    mode: Literal["api", "web"] = "api"

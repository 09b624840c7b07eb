"""Illinois General Assembly bills as the pipeline stores and posts them."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import (
    Field,
    HttpUrl,
)

from pipeline.models.fields import AwareDatetime, PlausibleDatetime, StrictModel, Text
from pipeline.models.meeting import SCHEMA_VERSION, Classification

# --- Illinois General Assembly bills -----------------------------------------------------------

BillActionKind = Literal[
    "filed",
    "referred",
    "amendment_filed",
    "amendment_adopted",
    "amendment_other",
    "passed_committee",
    "failed",
    "passed_house",
    "passed_senate",
    "passed_both",
    "concurred",
    "sent_to_governor",
    "signed",
    "vetoed",
    "public_act",
    "died",
    "veto_overridden",  # "Override Total Veto - House Passed …"
    "stalled",  # "Rule 19(a) / Re-referred to Rules Committee": missed a deadline, out of committee
    "other",
]
BILL_ACTION_KINDS: tuple[str, ...] = get_args(BillActionKind)


class BillAction(StrictModel):
    """One row of a bill's action history: date, chamber ("House"/"Senate"), text, its kind."""

    date: date
    chamber: Text
    action: Text
    kind: BillActionKind = "other"


class BillSponsor(StrictModel):
    """A sponsor; ``chief`` for the first sponsor listed in each chamber."""

    name: Text
    chamber: Text
    chief: bool = False
    url: HttpUrl | None = None


class BillSynopsis(StrictModel):
    """A synopsis: ``title`` "Synopsis As Introduced" or the amendment ("Senate Committee Amendment No. 1")."""

    title: Text
    text: Text
    url: HttpUrl | None = None


class BillHearing(StrictModel):
    """A committee hearing a bill is posted for; ``url`` is the hearing page.

    ``witness_slip_url``: where to file a witness slip for this bill at this hearing (the bill
    row's own link on the hearing page, else the hearing page, which carries the slip links).
    """

    committee: Text
    chamber: Text = ""
    start: PlausibleDatetime
    time_known: bool = True
    location: Text = ""
    url: HttpUrl | None = None
    meeting_id: Text | None = None
    witness_slip_url: HttpUrl | None = None

    def slip_url(self) -> str | None:
        """Where to file a witness slip: the bill's own link, else the hearing page."""
        found = self.witness_slip_url or self.url
        return str(found) if found else None


class Bill(StrictModel):
    """A General Assembly bill or resolution with its whole history — what the ilga spider yields.

    - ``id``: ``<source>/<GA>/<label>``; ``ga``: 104; ``doc_type``: HB, SB, HR, SJRCA…;
      ``number``: 1062 (``label`` = "HB1062"; the thread key is ``bill:<GA>:<label>``).
    - ``title``: the short description ("POW MIA RECOGNITION DAY" — often hides the subject).
    - ``synopses``: as introduced, then each amendment's, in page order.
    - ``actions``: the full history, oldest first; ``last_action``: the site's own last action.
    - ``public_act``: "104-0166" once enacted; ``hearings``: posted committee hearings.
    - ``url``: the status page for humans; ``data_url``: what was parsed.
    - ``source_stamp``: the bulk listing's date/size for the file, to skip unchanged files.
    - ``classification``: on title + every synopsis, evidence ``field`` naming the synopsis.
    - ``watch``: "watch" (pinned by config/watchlist.yaml), "ignore" (silenced) or "".
    """

    id: Text
    source: Text
    ga: int
    doc_type: Text
    number: int
    title: Text
    sponsors: list[BillSponsor] = Field(default_factory=list)
    statutes: list[Text] = Field(default_factory=list)
    synopses: list[BillSynopsis] = Field(default_factory=list)
    actions: list[BillAction] = Field(default_factory=list)
    last_action: BillAction | None = None
    public_act: Text | None = None
    hearings: list[BillHearing] = Field(default_factory=list)
    url: HttpUrl | None = None
    data_url: HttpUrl | None = None
    source_stamp: Text | None = None
    classification: Classification | None = None
    watch: Literal["", "watch", "ignore"] = ""
    scraped_at: AwareDatetime | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def label(self) -> str:
        """``HB1062``: type and number without zero padding."""
        return f"{self.doc_type}{self.number}"

    @property
    def thread_key(self) -> str:
        """``bill:104:HB1062``: every notice about the bill goes to this thread."""
        return f"bill:{self.ga}:{self.label}"

    def chief_sponsor(self) -> BillSponsor | None:
        """The first chief sponsor (the filing chamber's), if any."""
        return next((s for s in self.sponsors if s.chief), None)

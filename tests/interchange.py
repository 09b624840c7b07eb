"""Independent checks of exported lines against the published City Scrapers and OCD schemas.

The schemas are restated in tests/fixtures/interchange (see PROVENANCE.md there) and validated with
``jsonschema`` the way each project validates its own items: Draft 7 for City Scrapers, Draft 3
with pupa's ``datetime``/``date`` types and ``uri`` rule for Open Civic Data.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft3Validator, Draft7Validator, FormatChecker, validators
from jsonschema.protocols import Validator

from tests.conftest import FIXTURES

SCHEMAS = FIXTURES / "interchange"
# City Scrapers writes start/end as ``isoformat()[:19]``: naive local time to the second.
NAIVE_LOCAL_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return data


def _web_url(value: object) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


@cache
def _city_scrapers() -> tuple[Validator, Validator, Validator]:
    schema = _schema("city_scrapers_meeting.schema.json")
    # Their pipeline checks no formats; we hold links and the source to absolute web URLs.
    checker = FormatChecker(formats=())
    checker.checks("uri")(_web_url)
    checker.checks("url")(_web_url)
    definitions = schema["definitions"]
    return (
        Draft7Validator(schema, format_checker=checker),
        Draft7Validator(definitions["location"]),
        Draft7Validator(definitions["link"], format_checker=checker),
    )


def city_scrapers_errors(obj: dict[str, Any]) -> list[str]:
    """Every way `obj` breaks the City Scrapers ``Meeting`` schema and its time convention."""
    meeting, location, link = _city_scrapers()
    errors = [f"{list(e.path)}: {e.message}" for e in meeting.iter_errors(obj)]
    errors += [f"location: {e.message}" for e in location.iter_errors(obj.get("location", {}))]
    for each in obj.get("links", []):
        errors += [f"link: {e.message}" for e in link.iter_errors(each)]
    for key in ("start", "end"):
        if key in obj and not NAIVE_LOCAL_RE.fullmatch(str(obj[key])):
            errors.append(f"{key}: {obj[key]!r} is not naive local ISO time")
    return errors


def _pupa_uri(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://", "ftp://"))


@cache
def _ocd() -> Validator:
    types = Draft3Validator.TYPE_CHECKER.redefine(
        "datetime", lambda _checker, value: isinstance(value, datetime)
    ).redefine(
        "date",
        lambda _checker, value: isinstance(value, date) and not isinstance(value, datetime),
    )
    pupa_validator = validators.extend(Draft3Validator, type_checker=types)
    checker = FormatChecker(formats=())
    checker.checks("uri")(_pupa_uri)
    validator: Validator = pupa_validator(_schema("ocd_event.schema.json"), format_checker=checker)
    return validator


def ocd_errors(obj: dict[str, Any]) -> list[str]:
    """Every way `obj` breaks pupa's event schema, plus the fields an OCD Event cannot lack."""
    errors = [f"{list(e.path)}: {e.message}" for e in _ocd().iter_errors(obj)]
    # pupa's Event(name, start_date, location_name) and the Event model's non-blank columns.
    for key in ("name", "start_date", "status", "classification", "sources"):
        if not obj.get(key):
            errors.append(f"{key}: missing or empty")
    return errors


def read_lines(text: str) -> list[dict[str, Any]]:
    """JSON lines back into objects (each line must be exactly one JSON object)."""
    objects = [json.loads(line) for line in text.split("\n") if line]
    assert all(isinstance(obj, dict) for obj in objects)
    return objects

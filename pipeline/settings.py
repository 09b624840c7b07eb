"""Runtime settings: one pydantic `Settings`, read once from the environment (and CLI flags).

Every ``AGENDA_WATCH_*`` and ``SLACK_*`` variable is a field here and is read nowhere else. The CLI
passes its flags as overrides (`load_settings`); the crawl runner hands a crawl process its
settings as environment (`Settings.child_env`); in that process ``spiders/settings.py`` turns them
into Scrapy settings, which is where spiders and pipeline stages read them (`Paths.from_scrapy`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.redact import register_secret
from pipeline.store.ledger.postgres import is_ledger_url, register_url_secrets

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Identify ourselves honestly; sites can reach us through the project page.
DEFAULT_USER_AGENT = (
    "agenda-watch/0.1 (+https://github.com/agenda-watch/agenda-watch; civic agenda monitor)"
)
DEFAULT_DIGEST_CRON = "0 8 * * mon"  # Monday 08:00 America/Chicago
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
# Settings fields holding secrets (field name and variable): registered for redaction as read.
SECRET_FIELDS = {"slack_bot_token": "SLACK_BOT_TOKEN", "slack_webhook_url": "SLACK_WEBHOOK_URL"}


def check_webhook_url(url: str) -> None:
    """Raise ValueError unless `url` is an https URL with a host and no whitespace or controls.

    Plain http is accepted only to this machine (a local relay, the tests' fake Slack): the URL
    is a secret and must never cross a network in clear. The message never contains the URL.
    """
    hidden = "(the value is a secret and is not shown)"
    if any(c.isspace() or ord(c) < 32 or 127 <= ord(c) < 160 for c in url):
        raise ValueError(f"must be one https:// URL without spaces or control characters {hidden}")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ValueError(f"must be an https:// URL {hidden}") from None
    scheme = parts.scheme.lower()
    if not host or not (scheme == "https" or (scheme == "http" and _loopback(host))):
        raise ValueError(f"must be an https:// URL with a host {hidden}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PathsOf:
    """The files under the data and config dirs (for `Paths` and `Settings`, which have them)."""

    data_dir: Path
    config_dir: Path

    @property
    def ledger_path(self) -> Path:
        """The SQLite ledger: seen subjects, source runs, outbox."""
        return self.data_dir / "ledger.sqlite3"  # WAL mode: -wal and -shm files beside it

    @property
    def ledger(self) -> Path | str:
        """Where the ledger is: the PostgreSQL URL when one is set, else `ledger_path`."""
        return self._ledger_url() or self.ledger_path

    def _ledger_url(self) -> str:
        return ""

    @property
    def sources_path(self) -> Path:
        """``sources.yaml`` in the config dir."""
        return self.config_dir / "sources.yaml"  # checked by `agenda-watch check-config`

    @property
    def topics_path(self) -> Path:
        """``topics.yaml`` in the config dir."""
        return self.config_dir / "topics.yaml"  # the classifier's rules

    @property
    def watchlist_path(self) -> Path:
        """``watchlist.yaml`` in the config dir (bills pinned or silenced)."""
        return self.config_dir / "watchlist.yaml"  # optional: missing means no pins


@dataclass(frozen=True)
class Paths(PathsOf):
    """Where things are, from the data and config dirs."""

    data_dir: Path
    config_dir: Path
    ledger_url: str = ""

    @classmethod
    def from_scrapy(cls, settings: Mapping[str, Any]) -> Paths:
        """The dirs (and ledger) a crawl process was given, from its Scrapy settings.

        ``AGENDA_WATCH_DATA_DIR``/``_CONFIG_DIR``/``_LEDGER_URL``: project settings built from
        the environment, or per-job ``-s`` settings (Scrapyd's ``schedule.json``), which win.
        """
        url = str(settings.get("AGENDA_WATCH_LEDGER_URL") or "")
        if url:
            register_url_secrets(url)
        return cls(
            Path(settings["AGENDA_WATCH_DATA_DIR"]), Path(settings["AGENDA_WATCH_CONFIG_DIR"]), url
        )

    def _ledger_url(self) -> str:
        return self.ledger_url


class Settings(PathsOf, BaseSettings):
    """What the environment configures. Secrets are `SecretStr`, so they never print or log.

    An empty variable counts as unset. Paths and Slack:

    - ``AGENDA_WATCH_DATA_DIR``: JSON documents, the SQLite ledger, the file sink (default ``./data``).
    - ``AGENDA_WATCH_CONFIG_DIR``: ``sources.yaml``, ``topics.yaml``, ``watchlist.yaml``
      (default ``./config``).
    - ``SLACK_BOT_TOKEN``: bot-token mode (threads, no double posts across crashes).
    - ``SLACK_WEBHOOK_URL``: webhook mode (no threads; see README for its weaker guarantee); an
      https URL (http only to this machine), refused otherwise without echoing it.
    - ``SLACK_CHANNEL``: default channel id for notices; ``SLACK_OPS_CHANNEL``: for health alerts.
    - ``SLACK_API_URL``: Web API base URL (GovSlack, or a local fake in tests and the demo).
    - ``SLACK_TIMEOUT`` (s): how long one Slack call may take before its answer counts as lost
      (the notice then stays in flight until reconciliation finds it in Slack or not).

    Crawling (the README's settings table says the same):

    - ``AGENDA_WATCH_CRAWL_TIMEOUT`` (s) and ``AGENDA_WATCH_CRAWL_PARALLEL``: per source, at once.
    - ``AGENDA_WATCH_USER_AGENT``, ``AGENDA_WATCH_DOWNLOAD_DELAY`` (s between requests to a host),
      ``AGENDA_WATCH_HTTP_CACHE`` (0 turns the revalidating HTTP cache off),
      ``AGENDA_WATCH_LOG_LEVEL`` (Scrapy's log).
    - ``AGENDA_WATCH_TODAY``: pins "today" (YYYY-MM-DD) for the crawl window, to replay a page
      saved on another date.
    - ``AGENDA_WATCH_PDF_TIMEOUT`` (s per PDF); ``AGENDA_WATCH_PDF_WORKER_DELAY_S``: test-only,
      makes the PDF worker sleep first, to play a stuck PDF deterministically.
    - OCR of pages without a text layer (`pipeline.text.ocr`): ``AGENDA_WATCH_OCR`` (0 turns it
      off), ``AGENDA_WATCH_OCR_ENGINE`` (the tesseract command or its path),
      ``AGENDA_WATCH_OCR_LANGUAGE`` (``eng``, ``eng+spa``…), ``AGENDA_WATCH_OCR_MAX_PAGES`` (per
      document), ``AGENDA_WATCH_OCR_PAGE_TIMEOUT`` (s per page), ``AGENDA_WATCH_OCR_DPI``.
    - ``AGENDA_WATCH_LEGISTAR_PAGE_SIZE``: records per Legistar Web API page (at most 1000).
    - ``AGENDA_WATCH_DIGEST_CRON``: when `agenda-watch run` posts the weekly digest.
    - ``AGENDA_WATCH_WITNESS_SLIP_REMINDER_HOURS``: how long before a watched bill's committee
      hearing its thread is reminded to file witness slips (default 24).
    - ``AGENDA_WATCH_COMMENT_REMINDER_HOURS``: how long before a public-comment deadline the
      meeting's thread is reminded, for meetings with relevant items (default 24).
    - ``AGENDA_WATCH_LEDGER_URL``: a ``postgresql://`` URL for a ledger shared by several
      machines (Scrapyd nodes, delivery workers); unset: the SQLite file in the data dir.
    - ``AGENDA_WATCH_LOG_MAX_BYTES`` and ``AGENDA_WATCH_LOG_BACKUPS``: each log under
      ``<data>/logs`` is rotated at this size, keeping this many older files (``x.log.1``…).
    - ``AGENDA_WATCH_PROGRESS_EVERY`` (s): how often `agenda-watch run` logs a progress summary
      while crawling when its output is not a terminal (a terminal gets live lines instead).
    - ``AGENDA_WATCH_REPLAY_HOSTS``: demo and tests only, ``PUBLIC_ORIGIN=LOCAL_BASE`` pairs: those
      public sites are answered by a local replay server (`pipeline.ingest.replayhosts`).
    """

    # hide_input_in_errors: a malformed secret must not be echoed by a validation error.
    model_config = SettingsConfigDict(
        env_prefix="",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(default=Path("data"), alias="AGENDA_WATCH_DATA_DIR")
    config_dir: Path = Field(default=Path("config"), alias="AGENDA_WATCH_CONFIG_DIR")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_webhook_url: SecretStr | None = Field(default=None, alias="SLACK_WEBHOOK_URL")
    slack_channel: str | None = Field(default=None, alias="SLACK_CHANNEL")
    slack_ops_channel: str | None = Field(default=None, alias="SLACK_OPS_CHANNEL")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    slack_timeout_s: int = Field(default=30, alias="SLACK_TIMEOUT", ge=1, le=300)
    crawl_timeout_s: int = Field(default=900, alias="AGENDA_WATCH_CRAWL_TIMEOUT", ge=10)
    crawl_parallel: int = Field(default=2, alias="AGENDA_WATCH_CRAWL_PARALLEL", ge=1, le=16)
    user_agent: str = Field(
        default=DEFAULT_USER_AGENT, alias="AGENDA_WATCH_USER_AGENT", min_length=8
    )
    download_delay_s: float = Field(default=1.0, alias="AGENDA_WATCH_DOWNLOAD_DELAY", ge=0)
    http_cache: bool = Field(default=True, alias="AGENDA_WATCH_HTTP_CACHE")
    log_level: LogLevel = Field(default="INFO", alias="AGENDA_WATCH_LOG_LEVEL")
    today: date | None = Field(default=None, alias="AGENDA_WATCH_TODAY")
    pdf_timeout_s: float = Field(default=30.0, alias="AGENDA_WATCH_PDF_TIMEOUT", gt=0)
    pdf_worker_delay_s: float = Field(default=0.0, alias="AGENDA_WATCH_PDF_WORKER_DELAY_S", ge=0)
    ocr: bool = Field(default=True, alias="AGENDA_WATCH_OCR")
    ocr_engine: str = Field(default="tesseract", alias="AGENDA_WATCH_OCR_ENGINE", min_length=1)
    # Tesseract language codes joined by "+" (they become one command-line argument).
    ocr_language: str = Field(
        default="eng", alias="AGENDA_WATCH_OCR_LANGUAGE", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$"
    )
    ocr_max_pages: int = Field(default=10, alias="AGENDA_WATCH_OCR_MAX_PAGES", ge=0, le=200)
    ocr_page_timeout_s: float = Field(
        default=20.0, alias="AGENDA_WATCH_OCR_PAGE_TIMEOUT", gt=0, le=600
    )
    ocr_dpi: int = Field(default=250, alias="AGENDA_WATCH_OCR_DPI", ge=72, le=600)
    legistar_page_size: int = Field(
        default=1000, alias="AGENDA_WATCH_LEGISTAR_PAGE_SIZE", ge=1, le=1000
    )
    digest_cron: str = Field(default=DEFAULT_DIGEST_CRON, alias="AGENDA_WATCH_DIGEST_CRON")
    witness_slip_reminder_hours: float = Field(
        default=24.0, alias="AGENDA_WATCH_WITNESS_SLIP_REMINDER_HOURS", gt=0, le=24 * 14
    )
    comment_reminder_hours: float = Field(
        default=24.0, alias="AGENDA_WATCH_COMMENT_REMINDER_HOURS", gt=0, le=24 * 14
    )
    replay_hosts: str = Field(default="", alias="AGENDA_WATCH_REPLAY_HOSTS")
    # A secret (its password), so never printed; checked for its scheme only here.
    ledger_url: SecretStr | None = Field(default=None, alias="AGENDA_WATCH_LEDGER_URL")
    # Logs under <data>/logs (the scheduler's, each worker's, each source's) rotate by size.
    log_max_bytes: int = Field(
        default=10_000_000, alias="AGENDA_WATCH_LOG_MAX_BYTES", ge=1000, le=10_000_000_000
    )
    log_backups: int = Field(default=5, alias="AGENDA_WATCH_LOG_BACKUPS", ge=0, le=100)
    progress_every_s: float = Field(
        default=30.0, alias="AGENDA_WATCH_PROGRESS_EVERY", gt=0, le=3600
    )

    @model_validator(mode="before")
    @classmethod
    def _register_secrets(cls, data: Any) -> Any:
        """Known to the redaction layer as soon as read, even when a value is then refused."""
        if isinstance(data, dict):
            for name, alias in SECRET_FIELDS.items():
                for key in (name, alias):
                    value = data.get(key)
                    if isinstance(value, SecretStr):
                        value = value.get_secret_value()
                    if isinstance(value, str):
                        register_secret(value.strip())
                        register_secret(value)
            for key in ("ledger_url", "AGENDA_WATCH_LEDGER_URL"):
                url = data.get(key)
                if isinstance(url, SecretStr):
                    url = url.get_secret_value()
                if isinstance(url, str) and url.strip():
                    register_url_secrets(url.strip())
        return data

    @field_validator("ledger_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            if not is_ledger_url(value.get_secret_value().strip()):
                raise ValueError(
                    "must be a postgresql:// URL (leave it unset for the SQLite ledger in the data"
                    " dir; the value is a secret and is not shown)"
                )
            return SecretStr(value.get_secret_value().strip())
        return None

    def _ledger_url(self) -> str:
        return self.ledger_url.get_secret_value() if self.ledger_url else ""

    @field_validator("slack_webhook_url")
    @classmethod
    def _https_webhook(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            check_webhook_url(value.get_secret_value())
        return value

    @property
    def paths(self) -> Paths:
        """The data and config dirs, without the rest of the settings."""
        return Paths(self.data_dir, self.config_dir)

    def delivery_mode(self) -> str:
        """``bot`` when a bot token is set, else ``webhook``, else ``file``."""
        if self.slack_bot_token and self.slack_bot_token.get_secret_value():
            return "bot"
        if self.slack_webhook_url and self.slack_webhook_url.get_secret_value():
            return "webhook"
        return "file"

    def child_env(self) -> dict[str, str]:
        """These settings as environment variables for a crawl process.

        Every field but the Slack secrets (a crawl never posts); the dirs made absolute; unset
        ones left out. The ledger URL is passed: the crawl records into the same ledger.
        """
        env: dict[str, str] = {}
        if self.ledger_url:
            env["AGENDA_WATCH_LEDGER_URL"] = self.ledger_url.get_secret_value()
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None or isinstance(value, SecretStr) or info.alias is None:
                continue
            if isinstance(value, Path):
                value = value.resolve()
            elif isinstance(value, bool):
                value = int(value)
            env[info.alias] = str(value)
        return env

    @classmethod
    def aliases(cls) -> set[str]:
        """Every environment variable a field is read from."""
        return {info.alias for info in cls.model_fields.values() if info.alias}


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the current environment; `overrides` (by field name) win over it.

    Raises pydantic's ``ValidationError`` naming the variable when a value is malformed.
    """
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def settings_problems(exc: ValidationError) -> str:
    """A malformed environment, one line per variable (the value is not echoed: it may be secret)."""
    lines = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
    return "bad settings in the environment:\n  " + "\n  ".join(lines)

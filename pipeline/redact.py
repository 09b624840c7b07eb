"""One redaction layer: no secret the process knows leaves it in text.

Secrets are known two ways:

- By value: `register_secret` is called wherever one is read: the Slack bot token and webhook URL
  (`pipeline.settings.Settings`), each source's platform token (the variable its
  ``api_token_env`` names: `pipeline.config.check_sources`, the Legistar spider, and
  `register_source_secrets` for processes that never load the sources). Each value is also
  known in its URL-, JSON- and repr-escaped forms, and a webhook URL by its path alone.
- By shape: any ``token=``, ``key=``, ``sig=``, ``signature=``, ``api_key=`` … query value (also
  percent-encoded inside another URL), an ``Authorization`` header or a bearer credential, a
  Slack token (``xoxb-…``), a Slack webhook path, a password in a URL's user info.

`redact` applies both. It is applied wherever text leaves the process: every log record (a
record factory plus `RedactingFilter` on the root logger and its handlers, installed by
`install_log_redaction`, which the CLI, the scheduler and every crawl process call), uncaught
exceptions (``sys.excepthook``/``threading.excepthook``), the ledger's run messages and notice
errors, Slack health alerts (`pipeline.models.SourceAlert`), delivery errors and CLI output of
stored messages.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, urlsplit

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

REDACTED = "[redacted]"
# Shorter values are not secrets worth the name, and redacting them would shred every log line.
MIN_SECRET_LEN = 4

# Query parameters that carry credentials: token, key, sig, signature, secret, password, apikey,
# auth, alone or as the last word of a longer name (api_key, access_token, X-Amz-Signature,
# subscription-key), also percent-encoded inside another URL (``%26token%3D…``).
_QUERY_NAME = (
    r"(?:[a-z0-9]+[_.-])*(?:token|key|apikey|sig|signature|secret|password|passwd|pwd|auth)"
)
QUERY_SECRET_RE = re.compile(
    rf"(?i)((?:[?&;]|%26|%3f){_QUERY_NAME}(?:=|%3d))(?!\[redacted\])(?:(?!%26)[^&#\s'\"<>\\\])])*",
)
# ``Authorization: Bearer x``, ``{b'Authorization': [b'Basic x']}``, ``"authorization": "x"``.
AUTH_HEADER_RE = re.compile(
    r"""(?i)(\b(?:proxy-)?authorization\b['"]?\s*[:=]\s*\[?\s*(?:b?['"])?)"""
    r"""((?:bearer|basic|token|bot|digest)\s+)?([^\s'"\],;]+)"""
)
BEARER_RE = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}")
# Slack tokens: bot, user, app-level, configuration, refresh.
SLACK_TOKEN_RE = re.compile(r"\b(?:xox[a-z]|xapp|xoxe\.xox[a-z])-[A-Za-z0-9-]{6,}")
# An incoming-webhook (or workflow trigger) URL's path is its secret.
SLACK_HOOK_RE = re.compile(
    r"(?i)(hooks\.slack(?:-gov)?\.com/)(?:services|workflows|triggers)/[^\s'\"<>]+"
)
# ``https://user:password@host``.
URL_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:'\"<>]*:[^/\s@'\"<>]*@")
# ``"api_key": "…"``, ``'token': '…'``, ``password='…'``: how libraries print keyword arguments.
KEYWORD_SECRET_RE = re.compile(
    r"""(?i)(['"]?\b(?:[a-z0-9]+_)*(?:token|api_?key|secret|password|signature)['"]?"""
    r"""\s*(?::|=)\s*['"])[^'"]+(['"])"""
)

_lock = threading.Lock()
_values: set[str] = set()
_values_re: re.Pattern[str] | None = None


def _forms(secret: str) -> set[str]:
    """`secret` as it may appear in text: raw, URL-encoded, JSON- and repr-escaped; a URL's path."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
    }
    parts = urlsplit(secret) if "://" in secret else None
    if parts is not None and parts.netloc:
        # A webhook URL's path and query are its secret; the host alone is not.
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        if len(tail.strip("/")) >= 8:
            forms.add(tail)
            forms.add(tail.strip("/"))
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


def register_secret(value: str | None) -> None:
    """Make `redact` remove `value` (and its escaped forms) from now on. Too-short values are ignored."""
    global _values_re
    if not value or len(value) < MIN_SECRET_LEN:
        return
    forms = _forms(value)
    with _lock:
        if forms <= _values:
            return
        _values.update(forms)
        ordered = sorted(_values, key=len, reverse=True)  # longest first: no partial leftovers
        _values_re = re.compile("|".join(re.escape(v) for v in ordered))


def register_env_secret(name: str | None) -> None:
    """Register the value of environment variable `name` (a source's ``api_token_env``), if set."""
    if name:
        register_secret(os.environ.get(name))


# ``api_token_env: LEGISTAR_TOKEN`` in sources.yaml (a scan, not a parse: it runs on every command).
_TOKEN_ENV_RE = re.compile(
    r"""^[ \t-]*api_token_env[ \t]*:[ \t]*['"]?([A-Za-z_][A-Za-z0-9_]*)""", re.M
)


def register_source_secrets(sources_path: Path) -> None:
    """Register the tokens every source of `sources_path` names, without validating the file.

    For processes that never load the sources (``deliver``) but may print what a crawl stored.
    """
    try:
        text = sources_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for name in _TOKEN_ENV_RE.findall(text):
        register_env_secret(name)


def _auth_header(match: re.Match[str]) -> str:
    if match.group(3).startswith(("[redacted", "redacted")):  # already redacted
        return match.group(0)
    return f"{match.group(1)}{match.group(2) or ''}{REDACTED}"


# Credential-shaped patterns, each with the lower-case words one of which a match must contain
# (cheap substring tests skip the regexes on the usual log line).
_SHAPES: tuple[tuple[re.Pattern[str], Any, tuple[str, ...]], ...] = (
    (SLACK_HOOK_RE, rf"\1{REDACTED}", ("hooks.slack",)),
    (SLACK_TOKEN_RE, REDACTED, ("xox", "xapp")),
    (URL_USERINFO_RE, rf"\1{REDACTED}@", ("@",)),
    (QUERY_SECRET_RE, rf"\1{REDACTED}", ("token", "key", "sig", "secret", "passw", "pwd", "auth")),
    (AUTH_HEADER_RE, _auth_header, ("authorization",)),
    (BEARER_RE, rf"\1{REDACTED}", ("bearer",)),
    (KEYWORD_SECRET_RE, rf"\1{REDACTED}\2", ("token", "key", "secret", "password", "signature")),
)


def redact(text: str) -> str:
    """`text` with every known secret and every credential-shaped value replaced by ``[redacted]``."""
    if not text:
        return text
    pattern = _values_re
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    lowered = text.lower()
    for shape, replacement, words in _SHAPES:
        if any(word in lowered for word in words):
            text = shape.sub(replacement, text)
    return text


def carries_secret(text: str) -> bool:
    """True when `text` holds a known secret or a credential-shaped value."""
    return redact(text) != text


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, redacted (for errors shown, stored or posted)."""
    return redact(f"{type(exc).__name__}: {exc}")


# --- logging and uncaught exceptions ------------------------------------------------------------

_FORMATTER = logging.Formatter()

# What a log line must not carry as is, because log messages quote scraped text: a lone surrogate
# (a UTF-8 log file cannot hold it: the handler would drop the record), a terminal control (an
# escape sequence recolours or rewrites the operator's screen; CR overwrites the line), a bidi
# control (reorders what is shown). Tab and newline stay (our own messages use them).
_UNSAFE_LOG_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    r"""`text` with each control, bidi control and lone surrogate written as an escape (``\x1b``).

    For text that is shown or logged rather than stored: the operator sees what the page held.
    """
    if _UNSAFE_LOG_RE.search(text) is None:
        return text
    return _UNSAFE_LOG_RE.sub(_escape, text)


def redact_record(record: logging.LogRecord) -> None:
    """Redact a log record in place: its message, its traceback text, its stack.

    The message and traceback text are also made `printable`: scraped text quoted in a log line
    cannot break the log file's encoding or the operator's terminal.
    """
    done = getattr(record, "_agenda_watch_redacted", None)
    if done is not None and done[0] is record.msg and done[1] is record.args:
        return  # redacted when made, unchanged since (makeLogRecord changes a made record)
    try:
        message = record.getMessage()
    except Exception:  # a malformed format string: the handler reports it, as logging does
        return
    clean = printable(redact(message))
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = printable(redact(_FORMATTER.formatException(record.exc_info)))
    elif record.exc_text:
        record.exc_text = printable(redact(record.exc_text))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._agenda_watch_redacted = (record.msg, record.args)


class RedactingFilter(logging.Filter):
    """A filter that redacts each record it sees (and never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record`; always keep it."""
        redact_record(record)
        return True


def _add_filter(target: logging.Filterer) -> None:
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def _record_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        redact_record(record)
        return record

    factory.agenda_watch_redacting = True  # type: ignore[attr-defined]
    return factory


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(redact(text))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.write(redact(f"Exception in thread {name}:\n{text}"))


def install_log_redaction() -> None:
    """Redact every log record and uncaught exception of this process from now on (idempotent).

    Every record is redacted when it is made (a record factory: whatever handler, file or logger
    later handles it), and again by a `RedactingFilter` on the root logger and on each of its
    handlers present now (Scrapy's log file handler, once the crawl has set it up: the
    `LogRedaction` extension calls this again then).
    """
    current = logging.getLogRecordFactory()
    if not getattr(current, "agenda_watch_redacting", False):
        logging.setLogRecordFactory(_record_factory(current))
    root = logging.getLogger()
    _add_filter(root)
    for handler in root.handlers:
        _add_filter(handler)
    if sys.excepthook is not _excepthook:
        sys.excepthook = _excepthook
    if threading.excepthook is not _thread_excepthook:
        threading.excepthook = _thread_excepthook


def setup_logging(
    level: int, fmt: str, *, force: bool = False, handlers: list[logging.Handler] | None = None
) -> None:
    """The process's logging at `level`: stderr, or `handlers` when given; redaction on.

    `fmt` is the format of the stderr handler (and of given handlers without a formatter);
    slack_sdk is kept quiet.
    """
    if handlers is None:
        logging.basicConfig(level=level, format=fmt, force=force)
    else:
        logging.basicConfig(level=level, format=fmt, force=force, handlers=handlers)
    # slack_sdk logs request details (headers included) at DEBUG; keep it quiet even with -v.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    install_log_redaction()


class LogRedaction:
    """Scrapy extension: redaction on in a crawl process, on Scrapy's own log handlers too.

    Listed in ``spiders/settings.py`` (``EXTENSIONS``), so ``scrapy crawl`` and any runner that
    builds crawlers from those settings install it; it also registers the crawled source's token.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's factory: install now (Scrapy's handlers exist by the time crawlers are built)."""
        install_log_redaction()
        spidercls = getattr(crawler, "spidercls", None)
        source = getattr(spidercls, "source", None)
        register_env_secret(getattr(source, "api_token_env", None))
        return cls(crawler)

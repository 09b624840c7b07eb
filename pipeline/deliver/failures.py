"""What a failed call to Slack means, and which failures a call may retry by itself.

`DeliveryError` says whether the message may have landed (``posted``: "no" or "unknown") and
whose fault it was (``cause``); `api_error` and `transport_error` read Slack's answers and
socket errors that way. `retry_handlers` are slack-sdk retry handlers that retry only what cannot
post twice: a rate limit (Slack did not take the post) with a short Retry-After, a refused
connection, and Slack's own 5xx answers.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Slack's answers that refuse this one message for good: it goes to the dead letters.
REJECTED = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_attachments",
        "too_many_attachments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "thread_not_found",
        "cannot_reply_to_message",
        "restricted_action",
        "invalid_payload",  # webhooks
    }
)
# Answers about our credentials or app: nothing will post until someone fixes the setup.
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "team_access_not_granted",
        "access_denied",
        "ekm_access_denied",
        "org_login_required",
    }
)
MAX_RETRY_AFTER_S = 30  # a longer Retry-After ends the run (and pauses delivery) instead
Cause = Literal["notice", "slack", "setup", "rate"]


class DeliveryError(Exception):
    """A call failed.

    - ``cause``: "notice" (Slack refused this message for good), "slack" (an outage or an
      unexplained error: try one other notice before giving up), "setup" (credentials, channel
      config, webhook gone: stop now), "rate" (rate limited: stop now, wait ``retry_after`` s).
    - ``posted``: "no" when the message is known not to be in Slack, "unknown" when it may be.
    """

    def __init__(
        self,
        message: str,
        *,
        cause: Cause,
        posted: Literal["no", "unknown"] = "no",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.posted = posted
        self.retry_after = retry_after

    @property
    def stop(self) -> bool:
        """Whether the rest of this run should wait for the next one."""
        return self.cause in ("setup", "rate")


class SafeRetry(RateLimitErrorRetryHandler):
    """Retry only what cannot post twice.

    That is a refused connection (the request never left) and a 429 with a short Retry-After
    (Slack took nothing; it is waited for). A longer Retry-After ends the run instead.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None:
            return response.status_code == 429 and (
                retry_after(response.headers) <= MAX_RETRY_AFTER_S
            )
        return _refused(error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait before the next attempt: Retry-After for a 429, the usual backoff otherwise."""
        if response is None:
            RetryHandler.prepare_for_next_attempt(self, state=state, request=request, error=error)
        else:
            super().prepare_for_next_attempt(state=state, request=request, response=response)


def retry_after(headers: Any) -> float:
    """The Retry-After header in seconds (1 when absent or unreadable)."""
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(1.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def _refused(error: BaseException | None) -> bool:
    if isinstance(error, URLError):
        error = error.reason if isinstance(error.reason, BaseException) else None
    return isinstance(error, ConnectionRefusedError)


def retry_handlers() -> list[RetryHandler]:
    """The handlers every Slack client of ours is built with."""
    # The retry state is shared: at most two retries per call in all.
    return [SafeRetry(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]


def transport_error(what: str, exc: OSError) -> DeliveryError:
    """A failure below HTTP: refused means not sent; anything else (timeout, reset) may have."""
    if _refused(exc):
        return DeliveryError(f"cannot reach {what}: connection refused", cause="slack")
    return DeliveryError(
        f"no answer from {what}: {type(exc).__name__}: {exc}", cause="slack", posted="unknown"
    )


def api_error(exc: SlackApiError) -> DeliveryError:
    """What a Slack Web API error answer means for the message and for the run."""
    response = exc.response
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or "")
    status = response.status_code
    said = f"Slack said {error}" if error else f"Slack answered HTTP {status}"
    if status == 429 or error == "ratelimited":
        return DeliveryError(said, cause="rate", retry_after=retry_after(response.headers))
    if error in REJECTED:
        return DeliveryError(said, cause="notice")
    if error in AUTH_ERRORS or status in (401, 403, 404):
        return DeliveryError(said, cause="setup")
    # An error Slack explained was not posted; a bare 5xx (a proxy's 502/504) may have been.
    return DeliveryError(said, cause="slack", posted="no" if error else "unknown")

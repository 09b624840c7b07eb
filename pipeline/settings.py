"""Runtime settings from the environment (and CLI flags, which set the same variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """What the environment configures. Secrets are `SecretStr`, so they never print or log.

    - ``AGENDA_WATCH_DATA_DIR``: JSON documents, the SQLite ledger, the file sink (default ``./data``).
    - ``AGENDA_WATCH_CONFIG_DIR``: ``sources.yaml`` and ``topics.yaml`` (default ``./config``).
    - ``SLACK_BOT_TOKEN``: bot-token mode (threads, no double posts across crashes).
    - ``SLACK_WEBHOOK_URL``: webhook mode (no threads; see README for its weaker guarantee).
    - ``SLACK_CHANNEL``: default channel id for notices; ``SLACK_OPS_CHANNEL``: for health alerts.
    - ``SLACK_API_URL``: Web API base URL (GovSlack, or a local fake in tests and the demo).
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), alias="AGENDA_WATCH_DATA_DIR")
    config_dir: Path = Field(default=Path("config"), alias="AGENDA_WATCH_CONFIG_DIR")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_webhook_url: SecretStr | None = Field(default=None, alias="SLACK_WEBHOOK_URL")
    slack_channel: str | None = Field(default=None, alias="SLACK_CHANNEL")
    slack_ops_channel: str | None = Field(default=None, alias="SLACK_OPS_CHANNEL")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    crawl_timeout_s: int = Field(default=900, alias="AGENDA_WATCH_CRAWL_TIMEOUT", ge=10)
    crawl_parallel: int = Field(default=2, alias="AGENDA_WATCH_CRAWL_PARALLEL", ge=1, le=16)

    @property
    def ledger_path(self) -> Path:
        """The SQLite ledger: seen subjects, source runs, outbox."""
        return self.data_dir / "ledger.sqlite3"

    @property
    def sources_path(self) -> Path:
        """``sources.yaml`` in the config dir."""
        return self.config_dir / "sources.yaml"

    @property
    def topics_path(self) -> Path:
        """``topics.yaml`` in the config dir."""
        return self.config_dir / "topics.yaml"

    def delivery_mode(self) -> str:
        """``bot`` when a bot token is set, else ``webhook``, else ``file``."""
        if self.slack_bot_token and self.slack_bot_token.get_secret_value():
            return "bot"
        if self.slack_webhook_url and self.slack_webhook_url.get_secret_value():
            return "webhook"
        return "file"


def load_settings() -> Settings:
    """Read settings from the current environment."""
    return Settings()

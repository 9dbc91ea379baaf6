"""Runtime settings, read from the environment (and nothing else)."""

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.database import DEFAULT_DATABASE_TIMEOUT_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the app needs to know about where it runs."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'zhihuiyang.db'}")
    # How long a database call waits for a busy SQLite file or a PostgreSQL connection
    # before it fails (and a report is spooled instead).
    database_timeout_seconds: float = Field(default=DEFAULT_DATABASE_TIMEOUT_SECONDS, gt=0)
    app_host: str = "127.0.0.1"
    app_port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    # Rasa processes `laoyang run` starts, each serving its own residents (api/shards);
    # 0 means one per CPU core.
    rasa_shards: int = Field(default=0, ge=0)
    # Rasa servers run elsewhere (comma-separated base URLs), when no launcher on this
    # host manages them; the app routes residents over them by the same stable hash.
    rasa_urls: str = ""
    # The route table the launcher keeps (shard → URL; set by the launcher). Without
    # it the app routes by RASA_URLS, or to RASA_HOST:RASA_PORT alone.
    rasa_routes_file: Path | None = None
    rasa_token: str = ""
    # Where `laoyang run` leaves the token it made up, so `laoyang training promote`
    # on the same host can reach Rasa's model API (owner-only, removed on stop).
    rasa_token_file: Path = PROJECT_ROOT / "var" / "run" / "rasa-token"
    # The whole of one call to Rasa. Shorter than the chat page's own 30 s (core.js
    # REQUEST_TIMEOUT_MS), so a resident hears "try again" before the page gives up.
    rasa_timeout_seconds: float = Field(default=25.0, gt=0)
    # Where Rasa and the health check reach the action server; by default the
    # app itself, which mounts it under /action-server.
    action_server_url: str = ""
    default_district_code: str = "500107"
    # Reports that could not be filed wait here until the database is back.
    spool_dir: Path = PROJECT_ROOT / "var" / "spool"
    # How often the app tries to file spooled reports (`laoyang tickets replay` does it now).
    spool_replay_seconds: float = Field(default=60.0, gt=0)
    timezone: str = "Asia/Shanghai"
    # Webhooks (api/webhooks): private, loopback and link-local targets are refused
    # unless allowed here, all at once or as comma-separated CIDRs.
    webhook_allow_private: bool = False
    webhook_allowed_networks: str = ""
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = Field(default=8, ge=1)
    # A claimed delivery whose worker died becomes due again after this lease.
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_poll_seconds: float = 5.0
    webhook_worker: bool = True
    # Open311 filing per API key (api/open311/limits.py): a token bucket that allows
    # OPEN311_BURST posts at once, then refills OPEN311_RATE_PER_MINUTE a minute.
    open311_burst: int = Field(default=10, ge=1)
    open311_rate_per_minute: float = Field(default=60.0, gt=0)
    # The periodic 督办 sweep (api/tickets/escalation.py); `laoyang tickets escalate` runs one.
    escalation_sweep: bool = True
    # PIPL Art. 19: days a ticket stays closed before its resident's personal data is
    # removed (api/retention); `laoyang tickets purge-personal` runs the sweep.
    retention_days: int = Field(default=180, ge=1)
    # The operators' loop (api/training). Rasa's SQL tracker store, read for the
    # review inbox; by default beside the app's database (the launcher sets it).
    tracker_url: str = ""
    # The model Rasa was started with (the launcher sets it): the first serving version.
    rasa_model_path: Path = PROJECT_ROOT / "models" / "zhihuiyang.tar.gz"
    training_data_dir: Path = PROJECT_ROOT / "data"
    model_store: Path = PROJECT_ROOT / "models" / "versions"
    training_workspace: Path = PROJECT_ROOT / "var" / "training"
    conversation_tests_dir: Path = PROJECT_ROOT / "tests" / "bot" / "reviewed"
    # Messages the bot was less sure of than this are flagged for review.
    review_confidence: float = Field(default=0.6, ge=0, le=1)
    # The promotion guard: how much worse a candidate may score (0.01 = one point).
    promotion_macro_f1_margin: float = Field(default=0.005, ge=0)
    promotion_code_f1_margin: float = Field(default=0.03, ge=0)
    # The WeChat Official Account channel (api/wechat): off (404) without a token.
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    # The 43-character EncodingAESKey, for the compatible and safe modes.
    wechat_aes_key: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # The template message for progress outside the 48-hour customer-service window.
    wechat_template_id: str = ""
    # WeChat gives up after 5 s: a slower turn answers `success` and sends the reply later.
    wechat_reply_budget_seconds: float = Field(default=4.5, gt=0)
    wechat_poll_seconds: float = Field(default=2.0, gt=0)

    @property
    def rasa_url(self) -> str:
        """Where the Rasa server listens (loopback by default)."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def launcher_routes_file(self) -> Path:
        """Where `laoyang run` keeps its route table: RASA_ROUTES_FILE, else by the token."""
        return self.rasa_routes_file or self.rasa_token_file.with_name("rasa-routes.json")

    @property
    def shard_count(self) -> int:
        """How many Rasa processes the launcher starts."""
        return self.rasa_shards or os.cpu_count() or 1

    @property
    def effective_tracker_url(self) -> str:
        """Rasa's tracker store as the app reads it (with the app's database driver)."""
        url = self.tracker_url or default_tracker_url(self.database_url, PROJECT_ROOT / "var")
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    @property
    def effective_action_server_url(self) -> str:
        """The action server base URL, defaulting to this app's own mount."""
        if self.action_server_url:
            return self.action_server_url.rstrip("/")
        return f"http://{self.app_host}:{self.app_port}/action-server"


def default_tracker_url(database_url: str, var_dir: Path) -> str:
    """Rasa's conversation store: its own SQLite file, or the app's PostgreSQL database.

    Rasa 3.6 has its own SQLAlchemy and driver, so the URL names no driver.
    """
    if database_url.startswith("sqlite"):
        return f"sqlite:///{var_dir / 'tracker.db'}"
    return database_url.replace("+psycopg2", "").replace("+psycopg", "")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return Settings()

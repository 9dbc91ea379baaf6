"""Runtime settings, read from the environment (and nothing else)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the app needs to know about where it runs."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'zhihuiyang.db'}")
    app_host: str = "127.0.0.1"
    app_port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    rasa_token: str = ""
    rasa_timeout_seconds: float = 30.0
    # Where Rasa and the health check reach the action server; by default the
    # app itself, which mounts it under /action-server.
    action_server_url: str = ""
    default_district_code: str = "500107"
    # Reports that could not be filed wait here until the database is back.
    spool_dir: Path = PROJECT_ROOT / "var" / "spool"
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
    # The periodic 督办 sweep (api/tickets/escalation.py); `laoyang tickets escalate` runs one.
    escalation_sweep: bool = True

    @property
    def rasa_url(self) -> str:
        """Where the Rasa server listens (loopback by default)."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def effective_action_server_url(self) -> str:
        """The action server base URL, defaulting to this app's own mount."""
        if self.action_server_url:
            return self.action_server_url.rstrip("/")
        return f"http://{self.app_host}:{self.app_port}/action-server"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return Settings()

"""Configuration from CMELEDGER_* environment variables, with `*_FILE` variants for secrets."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_path
from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from cmeledger.errors import ConfigurationError

ENV_PREFIX = "CMELEDGER_"


def _default_home() -> Path:
    return user_data_path("cmeledger", appauthor=False)


class _FileVariantSource(PydanticBaseSettingsSource):
    """`CMELEDGER_X_FILE=/run/secrets/x` supplies field `x` from that file (Docker/K8s secrets)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        path = os.environ.get(f"{ENV_PREFIX}{field_name.upper()}_FILE")
        if path is None or field_name.endswith("_file"):
            return None, field_name, False
        try:
            return Path(path).read_text(encoding="utf-8").strip(), field_name, False
        except OSError as exc:
            raise ConfigurationError(
                f"{ENV_PREFIX}{field_name.upper()}_FILE points at {path!r}, which cannot be read "
                f"({exc.strerror})"
            ) from None

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, info in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(info, name)
            if value is not None:
                values[key] = value
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: SecretStr | None = None
    keys_file: Path | None = None
    keys: SecretStr | None = None
    max_upload_bytes: int = 50 * 1024 * 1024
    max_pdf_pages: int = 1000
    max_ocr_pages: int = 100
    # PARS web services. ACCME issues the real base URL with credentials; the default is
    # the local sandbox (`cmeledger pars-sandbox`).
    pars_url: str = "http://127.0.0.1:8765"
    pars_transport: Literal["xml", "json", "soap"] = "xml"
    pars_timeout: float = Field(default=30.0, gt=0)
    pars_max_attempts: int = Field(default=8, ge=1)
    pars_retry_base: float = Field(default=2.0, ge=0)
    pars_lease_seconds: float = Field(default=120.0, gt=0)
    pars_poll_seconds: float = Field(default=60.0, ge=0)
    pars_batch_size: int = Field(default=50, ge=1, le=1000)
    pars_reporting_window: Literal["accme_faq", "current_and_previous"] = "accme_faq"
    pars_abp_whole_points: bool = True
    # The web server (`cmeledger serve`).
    public_url: str = "http://127.0.0.1:8000"
    session_hours: float = Field(default=12.0, gt=0)
    cookie_secure: bool = True
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    status_cache_entries: int = Field(default=1000, ge=0)
    # Per server process: threads for blocking work (database, files) and the connections
    # kept open for them. Python runs one thread at a time, so a few threads serve as many
    # requests as forty and hold fewer transactions open while they wait for their turn.
    threads: int = Field(default=4, ge=1, le=200)
    db_pool_size: int = Field(default=10, ge=1, le=500)
    # smtp://user:password@host:port[?starttls=1][&timeout=30] or smtps://… (mail/message.py)
    smtp_url: SecretStr | None = None
    mail_from: str = "CME Ledger <noreply@localhost>"
    reminder_days: tuple[int, ...] = (90, 30, 7)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileVariantSource(settings_cls), file_secret_settings)

    @property
    def sqlite_path(self) -> Path:
        return self.home / "ledger.db"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.sqlite_path}"

    @property
    def resolved_keys_file(self) -> Path:
        return self.keys_file if self.keys_file is not None else self.home / "keys.json"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

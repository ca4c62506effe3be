"""Typed settings: one object read from the environment (prefix ``PARITRANA_``).

Every field is documented in docs/configuration.md; ``tests/core/test_config.py`` fails when one is not.
Defaults work embedded: a SQLite file under ``var/``, debug off, loopback hosts.
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from paritrana.core.errors import ConfigurationError

__all__ = ["PLACEHOLDER_SECRETS", "Settings", "get_settings"]

PROJECT_DIR = Path(__file__).resolve().parents[3]

#: Secret keys that are refused outside debug: they are in this repository and so known to everyone.
PLACEHOLDER_SECRETS = frozenset({"changethis", "change-me", "changeme", "secret", "insecure", "django-insecure"})


class Settings(BaseSettings):
    """Paritrana's settings. Field descriptions are the documentation's first line."""

    model_config = SettingsConfigDict(env_prefix="PARITRANA_", env_file=None, extra="ignore")

    data_dir: Path = Field(PROJECT_DIR / "var", description="Folder for the SQLite database, uploads and exports.")
    database_url: str = Field("", description="Database URL; empty means the SQLite file `DATA_DIR/paritrana.sqlite3`.")
    replica_url: str = Field(
        "",
        description="PostgreSQL URL of a streaming replica of the database: pages and reports read from it "
        "(`paritrana.core.replica`). Empty: everything reads the database.",
    )
    replica_pin_seconds: int = Field(
        10, ge=1, description="Seconds after a write during which that browser or API key reads from the primary."
    )
    secret_key: str = Field(
        "",
        description="Django secret key. Empty: a random key is made once and kept in `DATA_DIR/secret_key`. "
        "A placeholder (`changethis`, ...) is refused unless debug is on.",
    )
    debug: bool = Field(False, description="Development mode: detailed error pages, placeholder secret allowed.")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"],
        description="Host names the server answers to (JSON list or comma-separated).",
    )
    https: bool = Field(False, description="Served over HTTPS: secure cookies, HSTS and redirect to HTTPS.")
    time_zone: str = Field("Asia/Jakarta", description="Time zone for showing timestamps (stored in UTC).")
    language: str = Field("id", description="Default interface language: `id` (Bahasa Indonesia) or `en`.")
    login_failure_limit: int = Field(5, ge=1, description="Failed logins before an account and address is locked.")
    login_cooloff_minutes: int = Field(15, ge=1, description="Minutes a locked login stays locked.")
    session_age_minutes: int = Field(480, ge=5, description="Minutes of inactivity after which a session expires.")
    max_body_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest request body accepted outside file uploads (bytes)."
    )
    analytics_store: str = Field(
        "",
        description="Where the coverage facts live: a DuckDB file (`.duckdb`), a folder of Parquet files, or a "
        "PostgreSQL URL. Empty means the DuckDB file `DATA_DIR/analytics.duckdb`.",
    )
    spark_master: str = Field(
        "local[2]", description="Spark master for `--engine spark`: `local[N]` on this machine, or a cluster URL."
    )
    page_size: int = Field(50, ge=1, le=1000, description="Default page size of lists and API pages.")
    log_format: Literal["plain", "json"] = Field(
        "plain", description="Log lines as plain text, or one JSON object per line for a log collector."
    )
    rules_file: Path | None = Field(
        None,
        description="Site rule file merged over the packaged rule book (new figures without a release); empty means "
        "`DATA_DIR/rules.toml`, used when it exists. A file that fails validation is refused whole.",
    )
    metrics_token: str = Field(
        "", description="Bearer token a Prometheus scraper sends to `/metrics`; empty turns the endpoint off."
    )
    import_max_line_bytes: int = Field(
        1024 * 1024, ge=1024, description="Longest line of an imported CSV (bytes); a longer one refuses the file."
    )
    import_max_field_chars: int = Field(
        10_000, ge=100, description="Longest cell of an imported CSV or XLSX (characters); a longer one refuses it."
    )
    import_max_columns: int = Field(1000, ge=10, description="Most columns an imported CSV or XLSX may have.")
    import_max_xlsx_unpacked_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024 * 1024,
        description="Most bytes the parts of an imported XLSX (a ZIP) may unpack to, as the ZIP declares them.",
    )
    import_max_xlsx_cells: int = Field(
        5_000_000, ge=1000, description="Most cells (rows x columns) of the sheet an XLSX import reads."
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in {"id", "en"}:
            raise ValueError("language must be 'id' or 'en'")
        return value

    @model_validator(mode="after")
    def _replica_of_postgresql(self) -> Settings:
        if self.replica_url and not (
            self.replica_url.startswith(("postgres://", "postgresql://"))
            and self.database_url.startswith(("postgres://", "postgresql://"))
        ):
            raise ValueError(
                "PARITRANA_REPLICA_URL must be a PostgreSQL URL, and PARITRANA_DATABASE_URL the PostgreSQL server it "
                "replicates (a streaming replica made with pg_basebackup -R)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if not self.debug and self.secret_key.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "PARITRANA_SECRET_KEY is a placeholder; set a long random value (or PARITRANA_DEBUG=1 for development)"
            )
        return self

    def effective_secret_key(self) -> str:
        """The configured key, or the one kept in ``DATA_DIR/secret_key`` (made on first use, owner-readable)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(50), encoding="ascii")
        return path.read_text(encoding="ascii").strip()

    @property
    def effective_rules_file(self) -> Path:
        return self.rules_file or self.data_dir / "rules.toml"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'paritrana.sqlite3'}"

    @property
    def fact_store(self) -> str:
        """Where the fact store lives: a DuckDB file (the default), a Parquet folder or a PostgreSQL URL."""
        return self.analytics_store or str(self.data_dir / "analytics.duckdb")


#: The fact store's one table of participant-months (the analytics app writes it; backups count its rows).
FACTS_TABLE = "facts_participants"


def fact_store_kind(location: str) -> str:
    """``postgres``, ``duckdb`` or ``parquet``, from the form of the location."""
    if location.startswith(("postgresql://", "postgres://")):
        return "postgres"
    if location.endswith(".duckdb") or location == ":memory:":
        return "duckdb"
    return "parquet"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigurationError(problem=str(exc)) from exc

"""One validated Settings object, read from `VEZA_*` environment variables and `.env`."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Secrets that appear in docs and examples; a production start refuses them.
EXAMPLE_SECRETS = frozenset({"change-me", "changeme", "secret", "veza", "example", "dev-secret"})
MIN_PRODUCTION_SECRET_LENGTH = 32
# One step of VEZA_CHAT_SANCTION_LADDER: `warn`, or `mute:<N><unit>` / `ban:<N><unit>`.
_SANCTION = r"(?:warn|(?:mute|ban):[1-9][0-9]{0,5}[smhd])"


class ConfigError(Exception):
    """A configuration that must not start; the message is one line for the operator."""


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Everything an operator can configure. Each field maps to `VEZA_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="VEZA_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Literal["development", "production", "test"] = Field(
        "development", description="Deployment kind; production refuses unsafe defaults."
    )
    data_dir: Path = Field(Path("./var"), description="Where embedded state lives.")
    database_url: str = Field(
        "sqlite+aiosqlite:///./var/veza.db",
        description="SQLAlchemy async URL (SQLite or PostgreSQL).",
    )
    redis_url: str | None = Field(None, description="Redis for cache, rate limits, presence.")
    redis_prefix: str = Field("veza:", description="Prefix of every Redis key Veza writes.")
    nats_url: str | None = Field(None, description="NATS for pub/sub fan-out and job queues.")
    storage_url: str = Field("file://./var/media", description="Media storage: file:// or s3://.")
    secret_key: SecretStr | None = Field(
        None, description="Signs tokens; generated in development."
    )
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="Older keys still accepted for verification (rotation)."
    )
    public_url: str = Field("http://127.0.0.1:8080", description="How clients reach this server.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS (comma-separated)."
    )
    trusted_proxies: str = Field(
        "", description="Comma-separated proxy IPs whose X-Forwarded-For is believed (nginx)."
    )
    smtp_url: str | None = Field(None, description="Outgoing mail server.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    log_format: Literal["json", "console"] = Field("json", description="Log line format.")
    otlp_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP collector for traces (e.g. http://127.0.0.1:4318); unset: none.",
    )
    metrics_enabled: bool = Field(
        True, description="Per-request HTTP metrics by route template (off: bench)."
    )
    max_upload_mb: int = Field(200, ge=1, le=10_000, description="Largest media upload.")
    max_json_body_kb: int = Field(256, ge=1, le=65_536, description="Largest JSON request body.")
    auto_migrate: bool | None = Field(
        None, description="Migrate on start; defaults to on for SQLite, off for PostgreSQL."
    )

    # Tokens.
    access_token_ttl_seconds: int = Field(900, ge=30, le=86_400, description="Access JWT lifetime.")
    refresh_token_ttl_days: int = Field(30, ge=1, le=365, description="Refresh token lifetime.")
    jwt_issuer: str = Field("veza", description="`iss` of access tokens.")
    jwt_audience: str = Field("veza", description="`aud` of access tokens.")

    # Password hashing (argon2id); see bench/README.md for why these values.
    argon2_time_cost: int = Field(2, ge=1, le=10, description="argon2id iterations.")
    argon2_memory_kib: int = Field(19_456, ge=8, le=1_048_576, description="argon2id memory (KiB).")
    argon2_parallelism: int = Field(1, ge=1, le=8, description="argon2id lanes.")

    # Rate limits.
    rate_limit_enabled: bool = Field(True, description="Turn every rate limit on or off.")
    rate_limit_per_ip_per_minute: int = Field(1200, ge=1, description="Global per-IP request cap.")
    login_failures_per_15min: int = Field(5, ge=1, description="Failed logins per account and IP.")
    registrations_per_10min: int = Field(5, ge=1, description="Registrations per IP.")

    # Media processing and streaming.
    transcode_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Processes that transcode media (default: one per CPU).",
    )
    embedded_workers: bool = Field(
        True, description="Run the media workers inside `veza serve` (off when `veza worker` runs)."
    )
    max_track_seconds: int = Field(
        1800, ge=1, le=86_400, description="Longest audio accepted, in seconds."
    )
    job_lease_seconds: int = Field(
        60, ge=5, le=3600, description="A running job not renewed for this long is retried."
    )
    jobs_stream: str = Field(
        "VEZA_MEDIA_JOBS",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="JetStream stream (and subject token) of the media job queue, when scaled.",
    )
    stream_url_ttl_seconds: int = Field(
        6 * 3600, ge=60, le=7 * 86_400, description="How long signed playback URLs stay valid."
    )
    download_url_ttl_seconds: int = Field(
        600, ge=60, le=86_400, description="How long a signed download link of an original lasts."
    )

    # Chat.
    chat_messages_per_minute: int = Field(
        30, ge=1, le=10_000, description="Chat messages a user may send per minute."
    )
    chat_connections_per_user: int = Field(
        10, ge=1, le=1000, description="Chat connections per user, across every chat process."
    )
    chat_connections_per_ip: int = Field(
        200, ge=1, le=1_000_000, description="Chat connections per client address, per process."
    )
    chat_sanction_ladder: str = Field(
        "warn,mute:5m,mute:1h,ban:24h",
        pattern=rf"^{_SANCTION}(?:,{_SANCTION})*$",
        description="Automatic sanctions for repeated offences, in order (warn, mute:N, ban:N "
        "with N in s, m, h or d); the last one repeats.",
    )
    chat_profanity_words_file: Path | None = Field(
        None, description="Extra words for the profanity filter, one a line (# comments)."
    )

    # Sign-in beyond passwords (docs/sign-in.md).
    mail_from: str = Field("Veza <noreply@localhost>", description="From: of outgoing mail.")
    mail_dir: Path | None = Field(
        None,
        description="Without SMTP, mail is written here as .eml files (default data_dir/mail).",
    )
    require_verified_email: bool = Field(
        False, description="Refuse REST writes (outside /auth) from accounts with unverified email."
    )
    mail_requests_per_hour: int = Field(
        5, ge=1, description="Mailed links (verify, reset, magic) per address per hour."
    )
    mail_requests_per_ip_per_hour: int = Field(
        30, ge=1, description="Mailed-link requests per client address per hour."
    )
    mfa_failures_per_15min: int = Field(
        5, ge=1, description="Wrong 2FA codes per account before a 15-minute lockout."
    )
    personal_tokens_per_user: int = Field(
        50, ge=1, le=1000, description="Live personal access tokens one user may hold."
    )
    oauth_google_client_id: str | None = Field(None, description="Google OAuth client id.")
    oauth_google_client_secret: SecretStr | None = Field(None, description="Its secret.")
    oauth_github_client_id: str | None = Field(None, description="GitHub OAuth app client id.")
    oauth_github_client_secret: SecretStr | None = Field(None, description="Its secret.")
    oauth_discord_client_id: str | None = Field(None, description="Discord OAuth client id.")
    oauth_discord_client_secret: SecretStr | None = Field(None, description="Its secret.")
    oidc_name: str = Field(
        "oidc", pattern=r"^[a-z0-9_-]{1,32}$", description="URL name of the generic OIDC provider."
    )
    oidc_label: str = Field("Single sign-on", description="Button label of the OIDC provider.")
    oidc_discovery_url: str | None = Field(
        None, description="Generic OIDC provider: its .well-known/openid-configuration URL."
    )
    oidc_client_id: str | None = Field(None, description="Generic OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(None, description="Generic OIDC client secret.")

    # Analytics.
    analytics_retention_days: int = Field(
        90, ge=1, le=3650, description="Days raw analytics events are kept (rollups stay)."
    )

    @field_validator("chat_profanity_words_file")
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @field_validator("previous_secret_keys", "cors_origins", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key is None:
            raise ValueError("VEZA_SECRET_KEY is required in production")
        secret = self.secret_key.get_secret_value()
        if secret.lower() in EXAMPLE_SECRETS or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ValueError(
                "VEZA_SECRET_KEY is an example or shorter than "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    def signing_keys(self) -> list[str]:
        """The current key first, then older ones still accepted for verification."""
        if self.secret_key is None:
            raise ConfigError("no secret key; call ensure_secret_key() first")
        return [self.secret_key.get_secret_value()] + [
            key.get_secret_value() for key in self.previous_secret_keys
        ]

    def ensure_secret_key(self) -> None:
        """In development, generate a secret once and keep it under the data directory."""
        if self.secret_key is not None:
            return
        if self.env == "test":
            self.secret_key = SecretStr(secrets.token_urlsafe(48))
            return
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        self.secret_key = SecretStr(key_file.read_text().strip())


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation failures into a one-line `ConfigError`."""
    from pydantic import ValidationError

    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        field = f"VEZA_{where.upper()}: " if where else ""
        raise ConfigError(f"invalid configuration: {field}{first['msg']}") from None
    settings.ensure_secret_key()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built once."""
    return load_settings()

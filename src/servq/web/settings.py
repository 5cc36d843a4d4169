"""One typed settings object, read from ``SERVQ_*`` environment variables.

Outside development mode insecure defaults are refused: the server will not start with a
missing or short secret key or with every host allowed.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ..errors import UsageError

MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """``SERVQ_MODE``, ``SERVQ_DATABASE_URL``, ``SERVQ_SECRET_KEY``, ``SERVQ_ALLOWED_HOSTS``
    (comma-separated), ``SERVQ_SESSION_HOURS``, ``SERVQ_LOGIN_ATTEMPTS`` (failed logins per
    address and account in ``SERVQ_LOGIN_WINDOW`` seconds), ``SERVQ_PUBLIC_URL`` (the address
    respondents use, e.g. ``https://survey.example.org``, for links and QR codes; default:
    the address of the request), ``SERVQ_SUBMIT_LIMIT`` (questionnaire pages posted per
    address in ``SERVQ_SUBMIT_WINDOW`` seconds; 0 = no limit), ``SERVQ_SURVEY_CACHE_SECONDS``
    (how long a server process keeps a survey's settings for the respondent's pages),
    ``SERVQ_CONTACT_RETENTION_DAYS`` (complainants' contact details older than this are
    erased by ``servq privacy purge`` and at every server start), ``SERVQ_COMPLAINT_EARLIEST``
    and ``SERVQ_COMPLAINT_FUTURE_DAYS`` (a complaint received before that date, default
    2000-01-01, or more than that many days after now, default 1, is refused), ``SERVQ_THREADS``
    (requests a server process works on at once; each has a database connection).

    Protection against floods and oversized input (docs/web.md, "Deploying safely"):
    ``SERVQ_LOGIN_ADDRESS_ATTEMPTS`` (failed sign-ins per address, whatever the account, in
    ``SERVQ_LOGIN_WINDOW``), ``SERVQ_TRUSTED_PROXIES`` (comma-separated addresses or networks
    of reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed; default none),
    ``SERVQ_MAX_PENDING`` (requests a process works on or queues at once; beyond, 503),
    ``SERVQ_MAX_BODY_KB`` (largest request body; ``SERVQ_MAX_UPLOAD_MB`` where a file is
    uploaded), ``SERVQ_BODY_SECONDS`` (the longest a request's body may stop arriving before
    it is answered 408), ``SERVQ_WRITE_WAIT_SECONDS`` (longest wait for the database's write
    lock before a request is answered 503).

    ``servq worker`` (docs/runs.md): ``SERVQ_SMTP_HOST``, ``SERVQ_SMTP_PORT`` (default 587),
    ``SERVQ_SMTP_SECURITY`` (``starttls``, ``tls`` or ``none``), ``SERVQ_SMTP_USERNAME``,
    ``SERVQ_SMTP_PASSWORD``, ``SERVQ_SMTP_TIMEOUT`` (seconds), ``SERVQ_MAIL_FROM`` (the
    sender, e.g. ``Kundenkät <survey@example.org>``), ``SERVQ_MAIL_RATE`` (messages per
    minute), ``SERVQ_MAIL_ATTEMPTS`` and ``SERVQ_MAIL_RETRY_SECONDS`` (attempts of a message
    and the first wait between them, doubled after each), ``SERVQ_WEBHOOK_RETRY_SECONDS``
    and ``SERVQ_WEBHOOK_TIMEOUT`` (the first wait between a webhook's attempts, and the
    longest wait for its answer), ``SERVQ_WEBHOOK_NETWORKS`` (comma-separated addresses or
    networks outside the public internet that webhooks may go to; default none),
    ``SERVQ_WORKER_POLL_SECONDS`` (how often an idle worker looks for work),
    ``SERVQ_WORKER_LEASE_SECONDS`` (how long a job is a worker's before another may take it).

    Customer supervisors (docs/supervisors.md): ``SERVQ_SUPERVISOR_PHOTOS`` (photos per
    evaluation), ``SERVQ_SUPERVISOR_PHOTO_KB`` (largest photo), ``SERVQ_SUPERVISOR_INVITE_DAYS``
    (how long a sign-up link works)."""

    model_config = SettingsConfigDict(env_prefix="SERVQ_", extra="ignore")

    mode: Literal["development", "production"] = "production"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'servq.db'}")
    secret_key: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = ["localhost", "127.0.0.1"]
    session_hours: float = Field(default=8.0, gt=0)
    login_attempts: int = Field(default=5, ge=1)
    login_window: int = Field(default=300, ge=1)
    public_url: str | None = None
    submit_limit: int = Field(default=120, ge=0)
    submit_window: int = Field(default=60, ge=1)
    survey_cache_seconds: float = Field(default=5.0, ge=0)
    threads: int = Field(default=16, ge=1, le=200)
    contact_retention_days: int = Field(default=365, ge=1)
    complaint_earliest: date = date(2000, 1, 1)
    complaint_future_days: int = Field(default=1, ge=0, le=366)
    complaint_model: Path | None = None
    complaint_embeddings: bool = False
    login_address_attempts: int = Field(default=20, ge=1)
    trusted_proxies: Annotated[list[str], NoDecode] = []
    max_pending: int = Field(default=256, ge=1)
    max_body_kb: int = Field(default=256, ge=1)
    max_upload_mb: int = Field(default=20, ge=1)
    body_seconds: float = Field(default=30.0, gt=0, le=3600)
    write_wait_seconds: float = Field(default=10.0, gt=0, le=300)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=30.0, gt=0, le=600)
    mail_from: str | None = None
    mail_rate: int = Field(default=60, ge=1, le=100_000)
    mail_attempts: int = Field(default=5, ge=1, le=50)
    mail_retry_seconds: float = Field(default=60.0, gt=0)
    webhook_retry_seconds: float = Field(default=30.0, gt=0)
    webhook_timeout: float = Field(default=10.0, gt=0, le=120)
    webhook_networks: Annotated[list[str], NoDecode] = []
    worker_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    worker_lease_seconds: float = Field(default=300.0, ge=1, le=86_400)
    report_keep_days: int = Field(default=90, ge=1, le=3650)  # how long a manager's report stays behind its link
    supervisor_photos: int = Field(default=4, ge=0, le=20)
    supervisor_photo_kb: int = Field(default=4096, ge=16, le=51_200)
    supervisor_invite_days: int = Field(default=14, ge=1, le=365)

    @field_validator("allowed_hosts", "trusted_proxies", "webhook_networks", mode="before")
    @classmethod
    def _split_hosts(cls, value):
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("trusted_proxies", "webhook_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return value

    @property
    def development(self) -> bool:
        return self.mode == "development"

    @property
    def secure_cookies(self) -> bool:
        return not self.development

    def secret(self) -> str:
        """The session-signing key (a random one per process in development mode)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if not self.development:
            raise UsageError("SERVQ_SECRET_KEY is not set")
        key = self.__dict__.get("_dev_secret") or secrets.token_urlsafe(32)
        self.__dict__["_dev_secret"] = key
        return key

    def problems(self) -> list[str]:
        """What makes these settings unsafe outside development mode."""
        if self.development:
            return []
        out = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < MIN_SECRET_LENGTH:
            out.append(f"SERVQ_SECRET_KEY must be set to a random string of at least {MIN_SECRET_LENGTH} "
                       "characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
        if not self.allowed_hosts or "*" in self.allowed_hosts:
            out.append("SERVQ_ALLOWED_HOSTS must name the host names the server answers to (not '*')")
        if self.smtp_username and self.smtp_security == "none" and not _loopback(self.smtp_host):
            out.append("SERVQ_SMTP_SECURITY=none would send the SMTP password in clear to another host: "
                       "use starttls or tls")
        return out

    def worker_problems(self) -> list[str]:
        """What ``servq worker`` lacks to send invitations (beyond :meth:`problems`)."""
        out = [f"{name} is not set ({why})" for name, value, why in (
            ("SERVQ_SMTP_HOST", self.smtp_host, "the SMTP server that sends invitations"),
            ("SERVQ_MAIL_FROM", self.mail_from, "the sender of invitations"),
            ("SERVQ_PUBLIC_URL", self.public_url, "the address of the survey links in invitations"),
            ("SERVQ_SECRET_KEY", self.secret_key, "invitation and unsubscribe links are derived from it"),
        ) if not value]
        if self.mail_from and "@" not in self.mail_from:
            out.append(f"SERVQ_MAIL_FROM is not an e-mail address: {self.mail_from!r}")
        return out

    def check(self) -> Settings:
        """Raise :class:`UsageError` naming every unsafe setting (production mode only)."""
        problems = self.problems()
        if problems:
            raise UsageError("refusing to start with insecure settings (set SERVQ_MODE=development for a "
                             "local trial): " + "; ".join(problems))
        return self


def _loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with ``overrides`` taking precedence."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        details = "; ".join(f"SERVQ_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"invalid settings: {details}") from None

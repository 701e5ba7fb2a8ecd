"""Server configuration: a TOML file plus `VIDEOTERMIN_<SECTION>_<KEY>` environment overrides.

Every key has a default that runs on one laptop with no file at all. Values are checked once at
start-up; anything wrong raises `ConfigError` naming the key, so an operator sees one clear
message instead of a traceback from deep inside the server. Every key is documented in
docs/configuration.md (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "VIDEOTERMIN_"
MAX_RETENTION_DAYS = 90  # the service promises deletion at the latest after 90 days


class ConfigError(Exception):
    """A configuration value is missing, malformed or out of range; `key` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"configuration error in {key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class HttpConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # empty: derived from the bound address (fine on one laptop)
    tls_cert: str = ""
    tls_key: str = ""
    graceful_shutdown_seconds: float = 10.0
    trust_forwarded_for: bool = False

    @property
    def tls_enabled(self) -> bool:
        return bool(self.tls_cert and self.tls_key)


@dataclass(frozen=True, slots=True)
class MediaConfig:
    udp_host: str = "127.0.0.1"
    udp_port: int = 3479  # 0 (ephemeral) is for tests only: browsers must be told a fixed port
    announced_addresses: tuple[str, ...] = ()
    dev_signalling: bool = False  # test-only HTTP signalling for media tests and the benchmark
    adaptation: bool = True  # bandwidth adaptation; off = always the highest layer (comparisons)


@dataclass(frozen=True, slots=True)
class StorageConfig:
    data_dir: str = "./var"

    @property
    def database_path(self) -> Path:
        return Path(self.data_dir) / "videotermin.sqlite3"


@dataclass(frozen=True, slots=True)
class MailConfig:
    mode: str = "outbox"  # "outbox" writes .eml files; "smtp" delivers
    outbox_dir: str = ""  # empty: <storage.data_dir>/outbox
    from_address: str = "videotermin@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""  # empty: the system's trusted CAs
    smtp_timeout_seconds: float = 30.0
    max_attempts: int = 8
    retry_base_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class SiteConfig:
    organisation: str = "Videotermin"
    timezone: str = "Europe/Berlin"
    contact_phone: str = ""
    contact_address: str = ""
    default_language: str = "de"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class AccountsConfig:
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    lockout_minutes: int = 15


@dataclass(frozen=True, slots=True)
class AccessConfig:
    opens_minutes_before: int = 30
    closes_minutes_after_end: int = 0


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    days: int = MAX_RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class TurnConfig:
    servers: tuple[str, ...] = ()
    shared_secret: str = ""
    credential_lifetime_seconds: int = 3600


@dataclass(frozen=True, slots=True)
class SignallingConfig:
    advisor_token_secret: str = ""  # empty: a random secret per process


@dataclass(frozen=True, slots=True)
class LogConfig:
    level: str = "INFO"


@dataclass(frozen=True, slots=True)
class Config:
    http: HttpConfig = HttpConfig()
    media: MediaConfig = MediaConfig()
    storage: StorageConfig = StorageConfig()
    mail: MailConfig = MailConfig()
    site: SiteConfig = SiteConfig()
    accounts: AccountsConfig = AccountsConfig()
    access: AccessConfig = AccessConfig()
    retention: RetentionConfig = RetentionConfig()
    turn: TurnConfig = TurnConfig()
    signalling: SignallingConfig = SignallingConfig()
    log: LogConfig = LogConfig()

    @property
    def outbox_path(self) -> Path:
        return Path(self.mail.outbox_dir or Path(self.storage.data_dir) / "outbox")


SECTIONS: dict[str, type[Any]] = {f.name: type(f.default) for f in dataclasses.fields(Config)}


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any), apply environment overrides, check every value."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as f:
                raw = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError("--config", f"file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("--config", f"not valid TOML: {exc}") from None
    sections: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        if name not in SECTIONS:
            raise ConfigError(name, f"unknown section (known: {', '.join(SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(name, "must be a table, e.g. [" + name + "]")
        sections[name] = dict(value)
    _apply_environment(sections, os.environ if environ is None else environ)
    built = {
        name: _build_section(name, cls, sections.get(name, {})) for name, cls in SECTIONS.items()
    }
    config = Config(**built)
    _check(config)
    return config


def _apply_environment(sections: dict[str, dict[str, Any]], environ: Mapping[str, str]) -> None:
    """`VIDEOTERMIN_MAIL_SMTP_HOST=x` sets mail.smtp_host; unrelated VIDEOTERMIN_* are ignored."""
    for var, value in environ.items():
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX):].lower()
        for section in SECTIONS:
            if rest.startswith(section + "_"):
                key = rest[len(section) + 1:]
                known = {f.name for f in dataclasses.fields(SECTIONS[section])}
                if key not in known:
                    raise ConfigError(var, f"unknown key {section}.{key}")
                sections.setdefault(section, {})[key] = _EnvText(value, var)
                break


class _EnvText(str):
    """A value that came from the environment as text and still needs converting."""

    variable: str

    def __new__(cls, value: str, variable: str) -> _EnvText:
        self = super().__new__(cls, value)
        self.variable = variable
        return self


def _build_section(section: str, cls: type[Any], values: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{section}.{key}", "unknown key")
        kwargs[key] = _convert(f"{section}.{key}", hints[key], value)
    return cls(**kwargs)


def _convert(key: str, hint: Any, value: Any) -> Any:
    if isinstance(value, _EnvText):
        return _convert_env(f"{key} (from {value.variable})", hint, str(value))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(key, f"must be true or false, not {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(key, f"must be a whole number, not {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(key, f"must be a number, not {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(key, f"must be a string, not {value!r}")
    if typing.get_origin(hint) is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(key, f"must be a list of strings, not {value!r}")
    raise ConfigError(key, f"unsupported type {hint}")  # pragma: no cover - programming error


def _convert_env(key: str, hint: Any, text: str) -> Any:
    if hint is bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(key, f"must be true or false, not {text!r}")
    if hint is int or hint is float:
        try:
            return hint(text.strip())
        except ValueError:
            raise ConfigError(key, f"must be a number, not {text!r}") from None
    if typing.get_origin(hint) is tuple:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def _require(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ConfigError(key, message)


def _check(c: Config) -> None:
    _require(0 <= c.http.port <= 65535, "http.port", "must be between 0 and 65535")
    _require(bool(c.http.host), "http.host", "must not be empty")
    if c.http.public_url:
        parts = urlsplit(c.http.public_url)
        _require(
            parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query,
            "http.public_url", "must be an absolute http(s) URL such as https://termin.example.org",
        )
    _require(bool(c.http.tls_cert) == bool(c.http.tls_key), "http.tls_key",
             "tls_cert and tls_key must be given together")
    for key, file in (("http.tls_cert", c.http.tls_cert), ("http.tls_key", c.http.tls_key)):
        _require(not file or Path(file).is_file(), key, f"file not found: {file}")
    _require(c.http.graceful_shutdown_seconds > 0, "http.graceful_shutdown_seconds",
             "must be greater than 0")
    _require(0 <= c.media.udp_port <= 65535, "media.udp_port", "must be between 0 and 65535")
    _require(bool(c.storage.data_dir), "storage.data_dir", "must not be empty")
    _require(c.mail.mode in ("outbox", "smtp"), "mail.mode", 'must be "outbox" or "smtp"')
    _require(not (c.mail.smtp_tls and c.mail.smtp_starttls), "mail.smtp_starttls",
             "smtp_tls (implicit TLS) and smtp_starttls exclude each other")
    _require(1 <= c.mail.smtp_port <= 65535, "mail.smtp_port", "must be between 1 and 65535")
    _require(_looks_like_address(c.mail.from_address), "mail.from_address",
             "must be an e-mail address such as termine@agency.example")
    _require(not c.mail.smtp_ca_file or Path(c.mail.smtp_ca_file).is_file(), "mail.smtp_ca_file",
             f"file not found: {c.mail.smtp_ca_file}")
    _require(c.mail.max_attempts >= 1, "mail.max_attempts", "must be at least 1")
    _require(c.mail.retry_base_seconds > 0, "mail.retry_base_seconds", "must be greater than 0")
    _require(c.mail.smtp_timeout_seconds > 0, "mail.smtp_timeout_seconds", "must be > 0")
    try:
        ZoneInfo(c.site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("site.timezone", f"unknown time zone {c.site.timezone!r}") from None
    _require(c.site.default_language in ("de", "en"), "site.default_language",
             'must be "de" or "en"')
    _require(c.accounts.session_idle_minutes >= 1, "accounts.session_idle_minutes", "must be ≥ 1")
    _require(c.accounts.session_max_hours >= 1, "accounts.session_max_hours", "must be ≥ 1")
    _require(c.accounts.max_failures_per_account >= 1, "accounts.max_failures_per_account",
             "must be ≥ 1")
    _require(c.accounts.max_failures_per_address >= 1, "accounts.max_failures_per_address",
             "must be ≥ 1")
    _require(c.accounts.lockout_minutes >= 1, "accounts.lockout_minutes", "must be ≥ 1")
    _require(0 <= c.access.opens_minutes_before <= 24 * 60, "access.opens_minutes_before",
             "must be between 0 and 1440")
    _require(0 <= c.access.closes_minutes_after_end <= 24 * 60, "access.closes_minutes_after_end",
             "must be between 0 and 1440")
    _require(1 <= c.retention.days <= MAX_RETENTION_DAYS, "retention.days",
             f"must be between 1 and {MAX_RETENTION_DAYS}")
    for url in c.turn.servers:
        _require(url.split(":", 1)[0] in ("stun", "stuns", "turn", "turns"), "turn.servers",
                 f"not a stun:/turn: URL: {url!r}")
    has_turn = any(url.startswith("turn") for url in c.turn.servers)
    _require(not has_turn or bool(c.turn.shared_secret), "turn.shared_secret",
             "is required when turn.servers lists a TURN server")
    _require(60 <= c.turn.credential_lifetime_seconds <= 7 * 86400,
             "turn.credential_lifetime_seconds", "must be between 60 and 604800")
    _require(c.log.level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR"), "log.level",
             "must be DEBUG, INFO, WARNING or ERROR")


def _looks_like_address(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in value)


def describe_defaults() -> dict[str, dict[str, Any]]:
    """Every section and key with its default, for docs and `check-config`."""
    out: dict[str, dict[str, Any]] = {}
    for name, cls in SECTIONS.items():
        out[name] = {f.name: f.default for f in dataclasses.fields(cls)}
    return out


def as_dict(config: Config) -> dict[str, dict[str, Any]]:
    """The effective configuration with secrets masked (safe to print)."""
    out: dict[str, dict[str, Any]] = {}
    for f in dataclasses.fields(config):
        section = getattr(config, f.name)
        values: dict[str, Any] = {}
        for sf in dataclasses.fields(section):
            value = getattr(section, sf.name)
            if ("password" in sf.name or "secret" in sf.name) and value:
                value = "********"
            values[sf.name] = list(value) if isinstance(value, tuple) else value
        out[f.name] = values
    return out


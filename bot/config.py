"""Settings, read once by the entry point from the environment and an optional ``.env``."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///regulars.db"
PROXY_SCHEMES = ("socks5", "socks4", "http")  # what aiohttp-socks connects through


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str | None = None
    telegram_proxy: SecretStr | None = None
    owner_ids: Annotated[tuple[int, ...], NoDecode] = ()
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    group_reply_window: float = Field(default=3.0, ge=0.05, le=60.0)
    shop_channel: str | None = None
    shop_currency: str = "CNY"

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be a comma-separated list of numeric Telegram user ids") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (example: Asia/Shanghai)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("telegram_proxy", mode="before")
    @classmethod
    def _check_proxy(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value.get_secret_value() if isinstance(value, SecretStr) else value).strip()
        problem = "must be a proxy URL such as socks5://user:password@host:1080 or http://host:3128"
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise ValueError(problem) from None
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
            raise ValueError(problem)
        return text

    @field_validator("shop_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        value = value.strip()
        if value.startswith("@") and len(value) > 5:
            return value
        if value.startswith("-100") and value[1:].isdigit():
            return value
        raise ValueError("must be the channel's @username or its numeric id (-100...)")

    @field_validator("shop_currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("must be a three-letter currency code such as CNY")
        return value.upper()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # ---- broadcast engine: the frequency cap and quiet hours of campaigns and reminders -----------
    campaign_cap: str = "1/24h"
    quiet_hours: str = "23:00-08:00"

    @field_validator("campaign_cap")
    @classmethod
    def _check_cap(cls, value: str) -> str:
        from games.broadcasts import CapError, parse_cap

        try:
            parse_cap(value)
        except CapError:
            raise ValueError("must look like 1/24h or 2/7d (messages per hours or days), or off") from None
        return value.strip()

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        from games.windows import QuietHoursError, parse_quiet_hours

        try:
            parse_quiet_hours(value)
        except QuietHoursError:
            raise ValueError("must look like 23:00-08:00 (local time), or off") from None
        return value.strip()


class SettingsError(Exception):
    """One clear line naming the setting that is missing or malformed."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Setting {name} is invalid: {msg}") from None


def require_token(settings: Settings) -> str:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise SettingsError("Setting BOT_TOKEN is missing: get one from @BotFather and set BOT_TOKEN=...")
    token = settings.bot_token.get_secret_value().strip()
    head, _, tail = token.partition(":")
    if not head.isdigit() or not tail:
        raise SettingsError("Setting BOT_TOKEN is invalid: expected the form 123456789:AA... from @BotFather")
    return token

"""Settings: defaults, parsing, and one clear line for anything wrong."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_DATABASE_URL, SettingsError, load_settings, require_token


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "OWNER_IDS", "TIMEZONE", "DEFAULT_LANGUAGE",
                 "GROUP_REPLY_WINDOW", "SHOP_CHANNEL", "SHOP_CURRENCY", "TELEGRAM_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.timezone == "Asia/Shanghai" and s.default_language == "zh" and s.owner_ids == ()
    assert s.telegram_api_url is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWNER_IDS", "11, 22;33")
    monkeypatch.setenv("TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    s = load_settings()
    assert s.owner_ids == (11, 22, 33)
    assert s.tz.key == "Europe/Berlin" and s.default_language == "en"
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert require_token(s) == "123:abc"


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("OWNER_IDS=5\nDEFAULT_LANGUAGE=en\n")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.owner_ids == (5,) and s.default_language == "en"


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("OWNER_IDS", "alice,bob", "OWNER_IDS"),
    ("TIMEZONE", "Mars/Olympus", "TIMEZONE"),
    ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL"),
    ("GROUP_REPLY_WINDOW", "0", "GROUP_REPLY_WINDOW"),
])
def test_a_bad_setting_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                           needle: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert needle in message and "\n" not in message


@pytest.mark.parametrize("token", [None, "", "nonsense", "abc:def", "123:"])
def test_missing_or_malformed_token(token: str | None) -> None:
    s = load_settings(bot_token=token)
    with pytest.raises(SettingsError) as info:
        require_token(s)
    assert "BOT_TOKEN" in str(info.value)


def test_shop_channel_and_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert s.shop_channel is None and s.shop_currency == "CNY"
    monkeypatch.setenv("SHOP_CHANNEL", "@tea_news")
    monkeypatch.setenv("SHOP_CURRENCY", "usd")
    s = load_settings()
    assert s.shop_channel == "@tea_news" and s.shop_currency == "USD"
    assert load_settings(shop_channel="-1001234567890").shop_channel == "-1001234567890"
    for name, value in (("SHOP_CHANNEL", "tea_news"), ("SHOP_CURRENCY", "yuan")):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=name):
            load_settings()
        monkeypatch.delenv(name)


def test_env_example_lists_every_setting_and_loads(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from bot.config import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert names == {name.upper() for name in Settings.model_fields}
    (tmp_path / ".env").write_text(example)
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.telegram_proxy is None and s.shop_channel is None and s.shop_currency == "CNY"

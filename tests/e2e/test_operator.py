"""Operator basics (issue 8, point 11): a proxy for the Bot API, no webhook in the way of polling."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import TelegramConflictError

from bot.config import SettingsError, load_settings
from bot.emulator import BotAPIEmulator
from bot.factory import create_bot, poll
from tests.harness import TOKEN, harness


async def test_polling_removes_a_webhook_first(db_url: str) -> None:
    async with harness(db_url, http=True) as h:
        assert await h.bot.set_webhook("https://shop.example/telegram")
        with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook is active"):
            await h.bot.get_updates()
        task = asyncio.create_task(poll(h.dp, h.bot, handle_signals=False, polling_timeout=1))
        try:
            ann = h.emu.create_user("Ann")
            h.emu.user_sends(ann, "/start")
            await h.emu.wait_sent(ann.id, 1, timeout=10)
            assert h.emu.webhook_url == "" and (await h.bot.get_webhook_info()).url == ""
            assert any(c.method.lower() == "deletewebhook" and c.params.get("drop_pending_updates") in
                       (False, "false", "False", None) for c in h.emu.calls)
        finally:
            await h.dp.stop_polling()
            await task


def test_a_malformed_proxy_is_one_clear_line() -> None:
    for bad in ("socks5://proxy.example", "ftp://proxy.example:21", "127.0.0.1:1080", "socks5://:1080"):
        with pytest.raises(SettingsError) as error:
            load_settings(telegram_proxy=bad)
        assert str(error.value).startswith("Setting TELEGRAM_PROXY is invalid: must be a proxy URL")
        assert "\n" not in str(error.value)


async def _connect_proxy(seen: list[str]) -> asyncio.Server:
    """A minimal HTTP CONNECT proxy that records where it was asked to connect."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readline()).decode()
        seen.append(request.strip())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        host, port = request.split()[1].rsplit(":", 1)
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer), return_exceptions=True)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_the_bot_api_is_reached_through_telegram_proxy() -> None:
    seen: list[str] = []
    proxy = await _connect_proxy(seen)
    port = proxy.sockets[0].getsockname()[1]
    try:
        async with BotAPIEmulator(token=TOKEN) as emu:
            settings = load_settings(bot_token=TOKEN, telegram_api_url=emu.base_url,
                                     telegram_proxy=f"http://127.0.0.1:{port}")
            bot = create_bot(settings, TOKEN)
            assert bot.session._connector_type.__name__ == "ProxyConnector"  # type: ignore[attr-defined]
            try:
                me = await bot.get_me()
            finally:
                await bot.session.close()
        assert me.username == "regulars_bot"
        assert seen and seen[0].startswith("CONNECT 127.0.0.1:")
    finally:
        proxy.close()
        await proxy.wait_closed()
    socks = create_bot(load_settings(bot_token=TOKEN, telegram_proxy="socks5://user:secret@10.0.0.2:1080"), TOKEN)
    init = socks.session._connector_init  # type: ignore[attr-defined]
    assert (init["host"], init["port"], init["username"]) == ("10.0.0.2", 1080, "user")
    await socks.session.close()

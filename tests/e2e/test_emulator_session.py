"""The in-process session (bot.emulator.session) against aiogram's HTTP session: the emulator sees the
same parameters, the bot gets the same answers, errors and file downloads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramUnauthorizedError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
)

from bot.emulator import BotAPIEmulator, UploadedFile
from bot.emulator.session import EmulatorSession

TOKEN = "4242:EMU"


async def _script(http: bool) -> tuple[list[tuple[str, Any, bool, Any]], list[Any]]:
    """The same conversation through one transport: (what the emulator recorded, what the bot got)."""
    emu = BotAPIEmulator(token=TOKEN)
    if http:
        await emu.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)) if http else EmulatorSession(emu)
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    got: list[Any] = []
    try:
        ann = emu.create_user("Ann")
        group = emu.create_group("Tea", members=[ann])
        upload = emu.user_sends_document(ann, "orders.csv", b"order_id\nT-1\n")
        got.append((await bot.get_me()).username)
        sent = await bot.send_message(group.id, "<b>Hi</b> there", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Tap", callback_data="x:1")]]),
            link_preview_options=LinkPreviewOptions(is_disabled=True))
        got.append((sent.message_id, sent.text, sent.chat.id))
        got.append((await bot.send_message(ann.id, "plain", parse_mode=None, entities=[
            MessageEntity(type="bold", offset=0, length=5)], disable_notification=False)).text)
        got.append(await bot.set_my_commands([BotCommand(command="checkin", description="签到")],
                                             scope=BotCommandScopeAllChatAdministrators(), language_code="zh"))
        got.append(await bot.ban_chat_member(group.id, ann.id, until_date=datetime(2030, 1, 1, tzinfo=UTC)))
        photo = await bot.send_photo(group.id, BufferedInputFile(b"\x89PNG fake", filename="shelf.png"),
                                     caption="<i>new</i> shelf")
        got.append((bool(photo.photo), photo.caption))
        file_id = upload["message"]["document"]["file_id"]
        got.append((await bot.download(file_id)).read())  # type: ignore[union-attr]
        for call in (bot.send_message(group.id, "<b>broken"), bot.send_message(4040, "nobody"),
                     bot.set_my_commands([BotCommand(command="bad command", description="x")])):
            with pytest.raises((TelegramBadRequest, TelegramForbiddenError)) as error:
                await call
            got.append((type(error.value).__name__, error.value.message))
        stranger = Bot("1:WRONG", session=EmulatorSession(emu) if not http else AiohttpSession(
            api=TelegramAPIServer.from_base(emu.base_url)))
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
        await stranger.session.close()
    finally:
        await bot.session.close()
        await emu.stop()
    attach = re.compile(r"attach://[\w-]+")
    seen = []
    for c in emu.calls:
        # A file travels as a part under a random name, referred to as "attach://<name>"; file ids are random.
        params = {("<file>" if isinstance(v, UploadedFile) else k): (
            "<file id>" if k == "file_id" else attach.sub("attach://<file>", v) if isinstance(v, str) else v)
            for k, v in c.params.items()}
        seen.append((c.method, params, c.ok, c.description))
    return seen, got


async def test_the_emulator_sees_the_same_requests_in_process_as_over_http() -> None:
    over_http, got_http = await _script(http=True)
    in_process, got_in_process = await _script(http=False)
    assert got_in_process == got_http
    assert in_process == over_http
    # Values arrive as a form sends them: scalars as strings, complex fields decoded from JSON.
    send = next(params for method, params, _ok, _d in in_process if method == "sendMessage")
    assert send["chat_id"] == str(-1001000000001) and send["parse_mode"] == "HTML"
    assert send["reply_markup"] == {"inline_keyboard": [[{"text": "Tap", "callback_data": "x:1"}]]}
    assert got_in_process[-1] == ("TelegramBadRequest", "Bad Request: BOT_COMMAND_INVALID")

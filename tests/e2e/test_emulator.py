"""The emulator speaks the Bot API the way aiogram's real HTTP session expects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.emulator import BotAPIEmulator

TOKEN = "4242:EMU"


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, enforce_limits=True) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    try:
        yield b
    finally:
        await b.session.close()


async def test_get_me_and_messages(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 4242 and me.is_bot
    ann = emu.create_user("Ann")
    group = emu.create_group("G", members=[ann])
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
    sent = await bot.send_message(group.id, "<b>hello</b> &amp; bye", parse_mode="HTML", reply_markup=markup)
    assert sent.chat.id == group.id and sent.message_id == 1
    edited = await bot.edit_message_text("new", chat_id=group.id, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "new"
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text("new", chat_id=group.id, message_id=sent.message_id)
    assert await bot.delete_message(group.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(group.id, sent.message_id)
    assert [m.text for m in emu.sent(group.id)] == ["new"]


async def test_error_shapes(emu: BotAPIEmulator, bot: Bot) -> None:
    stranger = emu.create_user("Stranger")
    group = emu.create_group("G")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-1, "hi")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(group.id, "Tom <& Jerry", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(group.id, " ")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(group.id, "x" * 4097)
    emu.push_my_chat_member(group, "kicked")
    with pytest.raises(TelegramForbiddenError, match="kicked"):
        await bot.send_message(group.id, "hi")
    wrong = Bot("4242:WRONG", session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await wrong.get_me()
    finally:
        await wrong.session.close()
    with pytest.raises(TelegramNotFound):
        await bot.session.make_request(bot, _Unknown())  # type: ignore[arg-type]


class _Unknown:
    """A method the emulator does not know, built like aiogram's own."""

    __api_method__ = "sendTelepathy"
    __returning__ = bool

    def model_dump(self, **_: object) -> dict[str, object]:
        return {}

    def build_response(self, data: dict[str, object], bot: Bot) -> object:
        from aiogram.methods.base import Response

        return Response[bool].model_validate(data, context={"bot": bot})


async def test_group_limit_answers_429_with_retry_after(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    for i in range(20):
        await bot.send_message(group.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(group.id, "one too many")
    assert 1 <= info.value.retry_after <= 60
    assert emu.rate_violations and emu.rate_violations[0].rule.startswith("20 messages per minute")


async def test_long_polling_and_callbacks_through_a_dispatcher(emu: BotAPIEmulator, bot: Bot) -> None:
    router = Router()

    @router.message(F.text == "ping")
    async def pong(message: Message) -> None:
        await message.answer("pong", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]]))

    @router.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("done", show_alert=True)

    dp = Dispatcher()
    dp.include_router(router)
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        ann = emu.create_user("Ann")
        emu.user_sends(ann, "ping")
        [reply] = await emu.wait_sent(ann.id, 1)
        assert reply.text == "pong" and reply.button_labels() == ["Again"]
        cq = emu.press_button(ann, reply.message_id, emu.chat(ann.id), "again")
        answer = await emu.wait_callback_answer(cq)
        assert answer["text"] == "done" and answer["show_alert"] is True
    finally:
        await dp.stop_polling()
        await task


async def test_get_updates_waits_then_returns_and_confirms_by_offset(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    emu.user_sends(ann, "hello")
    updates = await asyncio.wait_for(waiting, 2)
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []


async def test_members_invite_links_and_join_requests(emu: BotAPIEmulator, bot: Bot) -> None:
    owner, ann = emu.create_user("Owner"), emu.create_user("Ann")
    group = emu.create_group("G", admins=[owner])
    assert (await bot.get_chat_member(group.id, 4242)).status == "administrator"
    assert (await bot.get_chat_member(group.id, ann.id)).status == "left"
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {owner.id, 4242}
    link = await bot.create_chat_invite_link(group.id, name="spring", creates_join_request=True)
    assert link.creates_join_request and link.name == "spring"
    emu.push_join_request(ann, group, link.invite_link)
    assert await bot.approve_chat_join_request(group.id, ann.id)
    assert emu.join_request_decisions == [(group.id, ann.id, "approved")]
    assert (await bot.get_chat_member(group.id, ann.id)).status == "member"

"""The emulator speaks the Bot API the way aiogram's real HTTP session expects.

Every test drives a real ``aiogram.Bot`` with aiogram's own ``AiohttpSession`` over HTTP, so each
result is also parsed by aiogram's types.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetMe
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BufferedInputFile,
    CallbackQuery,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)

from bot.emulator import BotAPIEmulator, EmuUser
from bot.emulator.html_check import HtmlError, parse_html

TOKEN = "4242:EMU"


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=t.lower())
                                                  for t in labels]])


def _bot(emu: BotAPIEmulator, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    """Telegram's flood limits enforced (the ``bot`` fixture comes from conftest.py)."""
    async with BotAPIEmulator(token=TOKEN, enforce_limits=True) as emulator:
        yield emulator


def _started(emu: BotAPIEmulator, name: str = "Ann") -> EmuUser:
    """A user who has written to the bot (so the bot may write to them); the update is consumed."""
    user = emu.create_user(name)
    emu.user_sends(user, "/start")
    return user


# ---- the HTML parse mode, on its own ------------------------------------------------------------------


@pytest.mark.parametrize(("html", "plain", "entities"), [
    ("<b>hello</b> &amp; bye", "hello & bye", [{"type": "bold", "offset": 0, "length": 5}]),
    ("😀 <i>x</i>", "😀 x", [{"type": "italic", "offset": 3, "length": 1}]),  # UTF-16 offsets
    ('<a href="https://e.x/?a=1&amp;b=2">link</a>', "link",
     [{"type": "text_link", "offset": 0, "length": 4, "url": "https://e.x/?a=1&b=2"}]),
    ('<pre><code class="language-py">x = 1</code></pre>', "x = 1",
     [{"type": "pre", "offset": 0, "length": 5, "language": "py"}]),
    ("<b><u>ab</u>c</b>", "abc", [{"type": "bold", "offset": 0, "length": 3},
                                  {"type": "underline", "offset": 0, "length": 2}]),
    ("&lt;3 &#169; &#x41; &quot;q&quot;", '<3 © A "q"', []),
    ("  <s>x</s>\n", "x", [{"type": "strikethrough", "offset": 0, "length": 1}]),
    ('<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span><blockquote expandable>c</blockquote>', "abc",
     [{"type": "spoiler", "offset": 0, "length": 1}, {"type": "spoiler", "offset": 1, "length": 1},
      {"type": "expandable_blockquote", "offset": 2, "length": 1}]),
])
def test_html_becomes_plain_text_and_entities(html: str, plain: str, entities: list[dict[str, Any]]) -> None:
    assert parse_html(html) == (plain, entities)


@pytest.mark.parametrize(("html", "error"), [
    ("Tom & Jerry", 'Unescaped "&"'),
    ("Tom <& Jerry", 'Unsupported start tag "&" at byte offset 4'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("<3 Ann", 'Unsupported start tag "3"'),
    ("<br>", 'Unsupported start tag "br"'),
    ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
    ("bold</b>", "Unexpected end tag at byte offset 4"),
    ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("&nbsp;", 'Unescaped "&"'),
    ("<span>x</span>", 'must have class "tg-spoiler"'),
])
def test_invalid_html_is_refused_like_telegram(html: str, error: str) -> None:
    with pytest.raises(HtmlError, match=error.replace("(", r"\(")):
        parse_html(html)


# ---- messages -------------------------------------------------------------------------------------------


async def test_get_me_and_the_world(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (4242, True, "regulars_bot", "Regulars")
    assert emu.bot_id == 4242 and emu.bot_user["is_bot"] is True
    alice = emu.create_user("Alice", username="alice")
    bob = emu.create_user("Bob", last_name="Li", language_code="zh-hans")
    assert (alice.id, bob.id) == (1001, 1002) and bob.full_name == "Bob Li"
    group = emu.create_group("Shop VIP", members=[alice], admins=[bob])
    channel = emu.create_channel("Shop News", members=[alice])
    assert group.id == -1001000000001 and group.type == "supergroup" and channel.id < -1002000000000
    info = await bot.get_chat(group.id)
    assert isinstance(info, ChatFullInfo) and info.title == "Shop VIP" and info.type == "supergroup"
    private = await bot.get_chat(alice.id)
    assert private.type == "private" and private.username == "alice"
    assert await bot.get_chat_member_count(group.id) == 3  # Alice, Bob and the bot


async def test_send_edit_and_delete(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    sent = await bot.send_message(group.id, "<b>Hello</b> &amp; welcome", parse_mode="HTML",
                                  reply_markup=_keyboard("Go"), disable_notification=True,
                                  link_preview_options=LinkPreviewOptions(is_disabled=True))
    # Telegram answers with the parsed text and its entities, like aiogram expects.
    assert sent.message_id == 1 and sent.chat.id == group.id and sent.from_user and sent.from_user.id == 4242
    assert sent.text == "Hello & welcome" and sent.html_text == "<b>Hello</b> &amp; welcome"
    assert sent.reply_markup and sent.reply_markup.inline_keyboard[0][0].callback_data == "go"
    [stored] = emu.sent(group.id)
    assert stored.text == "<b>Hello</b> &amp; welcome" and stored.parse_mode == "HTML"
    assert stored.shown == "Hello & welcome"
    assert stored.reply_markup == {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    assert emu.calls[-1].params["reply_markup"] == stored.reply_markup  # JSON fields decoded

    edited = await bot.edit_message_text("Bye", chat_id=group.id, message_id=sent.message_id,
                                         reply_markup=_keyboard("Again"))
    assert isinstance(edited, Message) and edited.text == "Bye" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Bye", chat_id=group.id, message_id=sent.message_id,
                                    reply_markup=_keyboard("Again"))
    await bot.edit_message_reply_markup(chat_id=group.id, message_id=sent.message_id, reply_markup=_keyboard("X"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=group.id, message_id=sent.message_id,
                                            reply_markup=_keyboard("X"))
    assert [e.text for e in emu.edits] == ["Bye", "Bye"] and emu.edits[0].button_labels() == ["Again"]
    assert emu.sent(group.id)[0].button_labels() == ["X"]

    reply = await bot.send_message(group.id, "re", reply_parameters=ReplyParameters(message_id=sent.message_id))
    assert reply.reply_to_message and reply.reply_to_message.message_id == sent.message_id
    ann = emu.create_user("Ann")
    mention = await bot.send_message(group.id, f'Hi <a href="tg://user?id={ann.id}">Ann</a>!', parse_mode="HTML")
    assert mention.entities and mention.entities[0].type == "text_mention"
    assert mention.entities[0].user and mention.entities[0].user.id == ann.id
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(group.id, "re", reply_parameters=ReplyParameters(message_id=99))

    assert await bot.delete_message(group.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(group.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=group.id, message_id=sent.message_id)
    assert [m.message_id for m in emu.messages(group.id)] == [reply.message_id, mention.message_id]
    assert [m.message_id for m in emu.sent(group.id)] == [1, 2, 3]  # every message sent, deleted ones too
    assert [m.method for m in emu.sent(method="sendMessage")] == ["sendMessage"] * 3


async def test_forwarding_keeps_who_sent_the_original_and_when(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    owner = emu.create_user("Olivia")
    ann = emu.create_user("Ann")
    post = await bot.send_message(group.id, "<b>New</b> tea", parse_mode="HTML", reply_markup=_keyboard("Buy"))
    emu.user_sends(ann, "hi all", chat=group)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.forward_message(owner.id, group.id, post.message_id)
    emu.user_sends(owner, "/start")
    copy = await bot.forward_message(owner.id, group.id, post.message_id, disable_notification=True)
    assert copy.chat.id == owner.id and copy.text == "New tea" and copy.html_text == "<b>New</b> tea"
    assert copy.reply_markup is None  # a forwarded copy loses the inline keyboard
    origin = copy.forward_origin
    assert origin is not None and origin.type == "user" and origin.date == post.date
    assert origin.sender_user.id == 4242  # type: ignore[union-attr]
    theirs = await bot.forward_message(owner.id, group.id, post.message_id + 1)
    assert theirs.forward_origin and theirs.forward_origin.sender_user.id == ann.id  # type: ignore[union-attr]
    again = await bot.forward_message(owner.id, owner.id, copy.message_id)  # the origin stays the first one
    assert again.forward_origin == origin
    with pytest.raises(TelegramBadRequest, match="message to forward not found"):
        await bot.forward_message(owner.id, group.id, post.message_id + 2)  # none yet
    await bot.delete_message(group.id, post.message_id)
    with pytest.raises(TelegramBadRequest, match="message to forward not found"):
        await bot.forward_message(owner.id, group.id, post.message_id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.forward_message(owner.id, -100123, 1)
    assert [m.method for m in emu.sent(owner.id)] == ["forwardMessage"] * 3
    group.protected = True  # "restrict saving content"
    assert (await bot.get_chat(group.id)).has_protected_content
    with pytest.raises(TelegramBadRequest, match="message can't be forwarded"):
        await bot.forward_message(owner.id, group.id, post.message_id + 1)


async def test_photos_and_polls(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    ann = emu.create_user("Ann")
    upload = await bot.send_photo(group.id, BufferedInputFile(b"\x89PNG...", filename="tea.png"))
    assert upload.photo
    file_id = upload.photo[-1].file_id
    by_id = await bot.send_photo(group.id, file_id, caption="<i>tea</i>", parse_mode="HTML")
    assert by_id.photo and by_id.photo[-1].file_id == file_id and by_id.caption == "tea"
    by_url = await bot.send_photo(group.id, "https://example.com/tea.jpg")
    assert by_url.photo and by_url.photo[-1].file_id != file_id
    assert [m.method for m in emu.sent(group.id)] == ["sendPhoto"] * 3
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(group.id, file_id, caption="x" * 1025)

    message = await bot.send_poll(group.id, "Best tea?", ["Oolong", "Pu'er"], is_anonymous=False)
    assert message.poll and [o.text for o in message.poll.options] == ["Oolong", "Pu'er"]
    update = emu.push_poll_answer(ann, message.poll.id, [1])
    [received] = await bot.get_updates(offset=update["update_id"], timeout=0)
    assert received.poll_answer and received.poll_answer.option_ids == [1]
    assert received.poll_answer.user and received.poll_answer.user.id == ann.id
    stopped = await bot.stop_poll(group.id, message.message_id)
    assert stopped.is_closed and stopped.options[1].voter_count == 1 and stopped.total_voter_count == 1
    with pytest.raises(TelegramBadRequest, match="poll has already been closed"):
        await bot.stop_poll(group.id, message.message_id)
    with pytest.raises(TelegramBadRequest, match="at least 2 option"):
        await bot.send_poll(group.id, "Q?", ["only"])


async def test_error_shapes(emu: BotAPIEmulator, bot: Bot) -> None:
    stranger = emu.create_user("Stranger")
    group = emu.create_group("G")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hi")
    emu.user_sends(stranger, "hello")  # now the bot may answer
    assert (await bot.send_message(stranger.id, "hi")).chat.id == stranger.id
    emu.user_blocks_bot(stranger)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(stranger.id, "hi")
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(-1, "hi")
    for text in ("Tom <& Jerry", "Tom & Jerry", "<b>unclosed"):
        with pytest.raises(TelegramBadRequest, match="Bad Request: can't parse entities: "):
            await bot.send_message(group.id, text, parse_mode="HTML")
    assert (await bot.send_message(group.id, "Tom & Jerry <3")).text == "Tom & Jerry <3"  # no parse mode: fine
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(group.id, " ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(group.id, "x" * 4097)
    assert await bot.send_message(group.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # markup is free
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(group.id, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="x", callback_data="x" * 65)]]))

    emu.push_my_chat_member(group, "kicked")
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "hi")
    emu.push_my_chat_member(group, "left")
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "hi")
    channel = emu.create_channel("News", bot_is_admin=False)
    with pytest.raises(TelegramBadRequest, match="need administrator rights in the channel chat"):
        await bot.send_message(channel.id, "hi")

    wrong = _bot(emu, "4242:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await wrong.get_me()
    finally:
        await wrong.session.close()
    GetMe.__api_method__ = "sendTelepathy"  # type: ignore[misc]
    try:
        with pytest.raises(TelegramNotFound, match="Not Found"):
            await bot(GetMe())
    finally:
        GetMe.__api_method__ = "getMe"  # type: ignore[misc]
    failed = [c for c in emu.calls if not c.ok]
    assert failed[0].method == "sendMessage" and failed[0].error_code == 403
    assert {c.error_code for c in failed} == {400, 401, 403, 404}


# ---- callback queries and long polling -------------------------------------------------------------------


async def test_callback_queries_are_answered_once_within_15_seconds(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    ann = emu.create_user("Ann")
    post = await bot.send_message(group.id, "Check in?", reply_markup=_keyboard("Yes"))
    cq = emu.press_button(ann, post.message_id, group, "yes")
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query and query.id == cq and query.data == "yes" and query.from_user.id == ann.id
    assert isinstance(query.message, Message) and query.message.text == "Check in?"
    assert await bot.answer_callback_query(cq, text="+5 points", show_alert=True)
    assert emu.callback_answers[cq]["text"] == "+5 points" and emu.callback_answers[cq]["show_alert"] is True
    assert (await emu.wait_callback_answer(cq))["user_id"] == ann.id
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired or query ID is"):
        await bot.answer_callback_query(cq, text="again")
    late = emu.press_button(ann, post.message_id, group, "yes")
    emu._open_callbacks[late] = (time.monotonic() - 16, ann.id)  # pressed 16 s ago
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late)
    with pytest.raises(TimeoutError):
        await emu.wait_callback_answer(late, timeout=0.05)


async def test_get_updates_long_polls_and_confirms_by_offset(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    assert await bot.get_updates(timeout=0) == []
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []  # waited the whole timeout for nothing
    assert time.monotonic() - started >= 0.9
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    first = emu.user_sends(ann, "/start")
    updates = await asyncio.wait_for(waiting, 1)
    assert [u.update_id for u in updates] == [first["update_id"]] == [1]
    message = updates[0].message
    assert message and message.text == "/start" and message.chat.type == "private" and message.chat.id == ann.id
    assert message.entities and message.entities[0].type == "bot_command"
    for i in range(3):
        emu.user_sends(ann, f"m{i}")
    # Not confirmed yet: delivered again, limited.
    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == [1, 2]
    assert [u.update_id for u in await bot.get_updates(offset=3, timeout=0)] == [3, 4]
    assert await bot.get_updates(offset=5, timeout=0) == [] and emu.pending_updates == []
    # Telegram delivering the very same update again: it comes back once.
    emu.push_update(dict(first))
    assert [u.update_id for u in await bot.get_updates(offset=5, timeout=0)] == [1]
    assert await bot.get_updates(offset=5, timeout=0) == []


async def test_allowed_updates_and_a_second_poller(emu: BotAPIEmulator, bot: Bot) -> None:
    ann, dee = emu.create_user("Ann"), emu.create_user("Dee")
    group = emu.create_group("G", members=[ann])
    emu.push_join_request(dee, group)  # a member sends none: Telegram just opens the chat
    emu.user_sends(ann, "hi", chat=group)
    updates = await bot.get_updates(allowed_updates=["message"], timeout=0)
    assert [u.message.text for u in updates if u.message] == ["hi"] and len(updates) == 1
    emu.push_join_request(dee, group)  # still filtered: the setting sticks
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)
    assert await second == []


async def test_a_dispatcher_answers_messages_and_buttons(emu: BotAPIEmulator, bot: Bot) -> None:
    router = Router()

    @router.message(F.text == "ping")
    async def pong(message: Message) -> None:
        await message.answer(f"pong, {message.from_user.first_name if message.from_user else '?'}",
                             reply_markup=_keyboard("Again"))

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
        assert reply.text == "pong, Ann" and reply.button_labels() == ["Again"]
        cq = emu.press_button(ann, reply.message_id, emu.chat(ann.id), "again")
        answer = await emu.wait_callback_answer(cq)
        assert answer["text"] == "done" and answer["show_alert"] is True
    finally:
        await dp.stop_polling()
        await task


# ---- rate limits -------------------------------------------------------------------------------------------


async def test_group_limit_answers_429_with_retry_after(emu: BotAPIEmulator, bot: Bot) -> None:
    group = emu.create_group("G")
    first = await bot.send_message(group.id, "m0")
    for i in range(1, 19):
        await bot.send_message(group.id, f"m{i}")
    await bot.edit_message_text("edited", chat_id=group.id, message_id=first.message_id)  # edits count too
    with pytest.raises(TelegramRetryAfter, match="Too Many Requests: retry after") as info:
        await bot.send_message(group.id, "one too many")
    assert 55 <= info.value.retry_after <= 60
    [violation] = emu.rate_violations
    assert violation.rule.startswith("20 messages per minute") and violation.chat_id == group.id
    failed = emu.calls[-1]
    assert (failed.ok, failed.error_code) == (False, 429)
    # Answering callback queries and getters are never limited.
    ann = emu.create_user("Ann")
    for _ in range(5):
        assert await bot.answer_callback_query(emu.press_button(ann, first.message_id, group, "x"))
        await bot.get_chat_member(group.id, ann.id)
    assert len(emu.rate_violations) == 1


async def test_private_chats_allow_a_burst_of_three_then_one_per_second(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = _started(emu)
    for i in range(3):
        await bot.send_message(ann.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(ann.id, "too fast")
    assert info.value.retry_after == 1
    await asyncio.sleep(1.0)
    assert await bot.send_message(ann.id, "after a second")


async def test_thirty_messages_per_second_overall() -> None:
    async with BotAPIEmulator(token=TOKEN) as emu:  # limits watched, not enforced
        bot = _bot(emu)
        try:
            groups = [emu.create_group(f"G{i}") for i in range(35)]
            await asyncio.gather(*(bot.send_message(g.id, "hi") for g in groups))
        finally:
            await bot.session.close()
        assert len(emu.sent()) == 35  # all delivered...
        assert emu.rate_violations and all(v.rule.startswith("30 messages per second") for v in emu.rate_violations)


# ---- members, invite links, join requests, commands ----------------------------------------------------------


async def test_members_invite_links_and_join_requests(emu: BotAPIEmulator, bot: Bot) -> None:
    owner, admin, ann, bea, cy, dee = (emu.create_user(n) for n in ("Owner", "Admin", "Ann", "Bea", "Cy", "Dee"))
    group = emu.create_group("G", members=[cy], admins=[admin], owner=owner)
    emu.add_member(group, bea, status="restricted")
    assert isinstance(await bot.get_chat_member(group.id, 4242), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(group.id, owner.id), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(group.id, ann.id), ChatMemberLeft)
    assert isinstance(await bot.get_chat_member(group.id, bea.id), ChatMemberRestricted)
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {owner.id, admin.id, 4242}

    link = await bot.create_chat_invite_link(group.id, name="spring", creates_join_request=True,
                                             expire_date=int(time.time()) + 3600)
    assert link.invite_link.startswith("https://t.me/+") and link.creates_join_request and link.name == "spring"
    with pytest.raises(TelegramBadRequest, match="member limit"):
        await bot.create_chat_invite_link(group.id, creates_join_request=True, member_limit=5)
    update = emu.push_join_request(ann, group, link.invite_link)
    [received] = await bot.get_updates(offset=update["update_id"], timeout=0)
    request = received.chat_join_request
    assert request and request.user_chat_id == ann.id and request.invite_link
    assert request.invite_link.name == "spring"
    assert await bot.approve_chat_join_request(group.id, ann.id)
    assert (await bot.get_chat_member(group.id, ann.id)).status == "member"
    with pytest.raises(TelegramBadRequest, match="USER_ALREADY_PARTICIPANT"):
        await bot.approve_chat_join_request(group.id, ann.id)
    emu.push_join_request(dee, group)
    assert await bot.decline_chat_join_request(group.id, dee.id)
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.decline_chat_join_request(group.id, dee.id)
    assert emu.join_request_decisions == [(group.id, ann.id, "approved"), (group.id, dee.id, "declined")]
    assert (await bot.get_chat_member(group.id, dee.id)).status == "left"
    revoked = await bot.revoke_chat_invite_link(group.id, link.invite_link)
    assert revoked.is_revoked

    assert await bot.ban_chat_member(group.id, ann.id)
    assert isinstance(await bot.get_chat_member(group.id, ann.id), ChatMemberBanned)
    with pytest.raises(TelegramBadRequest, match="user is an administrator of the chat"):
        await bot.ban_chat_member(group.id, admin.id)
    assert await bot.unban_chat_member(group.id, ann.id, only_if_banned=True)
    assert (await bot.get_chat_member(group.id, ann.id)).status == "left"
    assert await bot.unban_chat_member(group.id, cy.id)  # without only_if_banned a member is removed
    assert (await bot.get_chat_member(group.id, cy.id)).status == "left"

    emu.set_bot_admin(group, False)
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.create_chat_invite_link(group.id)
    assert await bot.get_chat_member_count(group.id) == 4  # the owner, the admin, restricted Bea and the bot
    with pytest.raises(TelegramBadRequest, match="there are no administrators in the private chat"):
        await bot.get_chat_administrators(ann.id)


async def test_commands_and_menu_button(emu: BotAPIEmulator, bot: Bot) -> None:
    assert await bot.get_my_commands() == []
    await bot.set_my_commands([BotCommand(command="checkin", description="Check in")])
    await bot.set_my_commands([BotCommand(command="top", description="排行")], scope=BotCommandScopeAllGroupChats(),
                              language_code="zh")
    assert [c.command for c in await bot.get_my_commands()] == ["checkin"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(),
                                                         language_code="zh")] == ["top"]
    assert emu.commands[('{"type": "all_group_chats"}', "zh")] == [{"command": "top", "description": "排行"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="bad command", description="x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    assert await bot.set_chat_menu_button()
    assert (await bot.get_chat_menu_button()).type == "default"
    assert await bot.delete_webhook(drop_pending_updates=True) and await bot.log_out() and await bot.close()


# ---- who hears what, and the live event feed -------------------------------------------------------------------


async def test_privacy_mode_and_groups_the_bot_left() -> None:
    async with BotAPIEmulator(token=TOKEN, privacy_mode=True) as emu:
        ann = emu.create_user("Ann")
        group = emu.create_group("G", members=[ann], bot_is_admin=False)
        hidden = emu.user_sends(ann, "签到", chat=group)
        emu.user_sends(ann, "/checkin@regulars_bot", chat=group)
        emu.user_sends(ann, "/checkin@other_bot", chat=group)
        assert [u["message"]["text"] for u in emu.pending_updates] == ["/checkin@regulars_bot"]
        assert hidden["message"]["text"] == "签到" and len(emu.messages(group.id)) == 3
        emu.set_bot_admin(group, True)  # administrators see everything
        emu.user_sends(ann, "签到", chat=group)
        emu.push_my_chat_member(group, "left")
        emu.user_sends(ann, "/checkin", chat=group)
        kinds = [next(k for k in u if k != "update_id") for u in emu.pending_updates]
        assert kinds == ["message", "message", "my_chat_member"]  # not the command sent after the bot left


async def test_events_narrate_the_conversation(emu: BotAPIEmulator, bot: Bot) -> None:
    events: list[dict[str, Any]] = []
    emu.on_event(events.append)
    ann = _started(emu)
    sent = await bot.send_message(ann.id, "Hi <b>Ann</b>", parse_mode="HTML", reply_markup=_keyboard("Ok"))
    cq = emu.press_button(ann, sent.message_id, emu.chat(ann.id), "ok")
    await bot.answer_callback_query(cq, text="Done")
    await bot.edit_message_text("Bye", chat_id=ann.id, message_id=sent.message_id)
    assert [e["type"] for e in events] == ["user_message", "bot_message", "button", "callback_answer", "bot_edit"]
    assert events[1]["text"] == "Hi <b>Ann</b>" and events[1]["buttons"] == ["Ok"]
    assert events[2]["button"] == "Ok" and events[3]["text"] == "Done"


async def test_waiting_helpers_time_out(emu: BotAPIEmulator) -> None:
    with pytest.raises(TimeoutError):
        await emu.wait_sent(12345, timeout=0.05)
    with pytest.raises(TimeoutError):
        await emu.wait_until(lambda: False, timeout=0.05)
    await emu.wait_until(lambda: True, timeout=0)


async def test_a_thousand_requests_a_second(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    group = emu.create_group("G", members=[ann])
    post = await bot.send_message(group.id, "post")
    started = time.monotonic()
    taps = [emu.press_button(ann, post.message_id, group, "x") for _ in range(500)]
    await asyncio.gather(*(bot.answer_callback_query(t) for t in taps),
                         *(bot.get_chat_member(group.id, ann.id) for _ in range(500)))
    assert time.monotonic() - started < 2.5  # about a thousand a second, with room for slow machines
    assert len(emu.callback_answers) == 500


async def test_join_request_opens_a_private_window_and_documents_download(emu: BotAPIEmulator, bot: Bot) -> None:
    ann, bob = emu.create_user("Ann"), emu.create_user("Bob")
    group = emu.create_group("G")
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(ann.id, "hello")
    emu.push_join_request(ann, group)
    assert (await bot.send_message(ann.id, "Send the password")).chat.id == ann.id  # via user_chat_id
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(bob.id, "hello")
    # Two requests in a row get distinct dates (the bot tells duplicates apart by date).
    assert await bot.decline_chat_join_request(group.id, ann.id)
    first = emu.last_update["chat_join_request"]["date"]
    emu.push_join_request(ann, group)
    assert emu.last_update["chat_join_request"]["date"] > first

    content = b"order_id,amount\nA-1,12.50\n"
    update = emu.user_sends_document(bob, "orders.csv", content, caption="/import_orders")
    received = (await bot.get_updates(timeout=0))[-1]
    assert received.update_id == update["update_id"]
    message = received.message
    assert message and message.document and message.document.file_name == "orders.csv"
    assert message.caption == "/import_orders" and message.caption_entities
    assert message.document.file_size == len(content)
    downloaded = await bot.download(message.document.file_id)
    assert downloaded is not None and downloaded.read() == content
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_length_limits_count_utf16_units_after_entity_parsing(emu: BotAPIEmulator, bot: Bot) -> None:
    """Telegram's limits: text 4,096 and caption 1,024 UTF-16 code units of the text as shown (an emoji
    outside the BMP counts 2, ``&amp;`` counts 1, tags count nothing); a popup 200; callback_data 64 bytes."""
    group = emu.create_group("G")
    ann = emu.create_user("Ann")
    assert await bot.send_message(group.id, "😀" * 2048)  # 4,096 units
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(group.id, "😀" * 2048 + "x")  # 2,049 characters in Python, 4,097 units
    assert await bot.send_message(group.id, "&amp;" * 4096, parse_mode="HTML")  # 20,480 sent, 4,096 shown
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(group.id, "&amp;" * 4097, parse_mode="HTML")
    sent = await bot.send_message(group.id, "short")
    with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
        await bot.edit_message_text("😀" * 2049, chat_id=group.id, message_id=sent.message_id)
    photo = emu.user_sends_photo(ann)["message"]["photo"][-1]["file_id"]
    assert await bot.send_photo(group.id, photo, caption="😀" * 512)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_photo(group.id, photo, caption="😀" * 512 + "x")
    assert await bot.send_message(group.id, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="x", callback_data="é" * 32)]]))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(group.id, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="x", callback_data="é" * 32 + "x")]]))  # 33 characters, 65 bytes
    post = await bot.send_message(group.id, "Tap", reply_markup=_keyboard("Yes"))
    cq = emu.press_button(ann, post.message_id, group, "yes")
    with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(cq, text="😀" * 100 + "x")
    assert await bot.answer_callback_query(cq, text="😀" * 100)

"""The emulator's basic-group migration and forum topics, as aiogram sees them over HTTP."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramMigrateToChat
from aiogram.types import Update

from bot.emulator import BotAPIEmulator


async def test_a_basic_group_upgraded_to_a_supergroup(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    basic = emu.create_group("Corner", members=[ann], supergroup=False)
    assert (await bot.send_message(basic.id, "before")).chat.type == "group"
    new = emu.upgrade_to_supergroup(basic, by=ann)
    assert new.type == "supergroup" and new.id != basic.id and new.members == basic.members
    # Telegram's two service messages, old chat first.
    to_old, to_new = (Update.model_validate(u) for u in emu.pending_updates[-2:])
    assert to_old.message is not None and to_old.message.chat.id == basic.id
    assert to_old.message.migrate_to_chat_id == new.id
    assert to_new.message is not None and to_new.message.chat.id == new.id
    assert to_new.message.migrate_from_chat_id == basic.id
    # Anything addressed to the old id: 400 with parameters.migrate_to_chat_id.
    for call in (bot.send_message(basic.id, "after"), bot.get_chat(basic.id), bot.get_chat_member(basic.id, ann.id),
                 bot.edit_message_text("x", chat_id=basic.id, message_id=1)):
        with pytest.raises(TelegramMigrateToChat) as raised:
            await call
        assert raised.value.migrate_to_chat_id == new.id
    failed = emu.calls[-1]
    assert failed.error_code == 400
    assert failed.description == "Bad Request: group chat was upgraded to a supergroup chat"
    assert (await bot.send_message(new.id, "after")).chat.type == "supergroup"
    with pytest.raises(ValueError):
        emu.user_sends(ann, "hi", chat=basic)  # members now write in the supergroup
    with pytest.raises(ValueError):
        emu.upgrade_to_supergroup(new)
    # Either order, or none at all (the bot learns of it from a 400).
    other = emu.create_group("Other", supergroup=False)
    emu.upgrade_to_supergroup(other, new_first=True)
    assert "migrate_from_chat_id" in emu.pending_updates[-2]["message"]
    quiet = emu.create_group("Quiet", supergroup=False)
    queued = len(emu.pending_updates)
    emu.upgrade_to_supergroup(quiet, notify=False)
    assert len(emu.pending_updates) == queued


async def test_forum_topics_and_message_thread_id(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    group = emu.create_group("Forum", members=[ann])
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=5)  # not a forum
    emu.enable_topics(group)
    assert (await bot.get_chat(group.id)).is_forum is True
    news = emu.create_topic(group, "News")
    update = Update.model_validate(emu.user_sends(ann, "hello", chat=group, thread_id=news))
    assert update.message is not None and update.message.message_thread_id == news
    assert update.message.is_topic_message is True
    sent = await bot.send_message(group.id, "in news", message_thread_id=news)
    assert sent.message_thread_id == news and sent.is_topic_message
    reply = await bot.send_message(group.id, "a reply", reply_to_message_id=update.message.message_id)
    assert reply.message_thread_id == news  # a reply goes to its message's topic
    general = await bot.send_message(group.id, "in General")
    assert general.message_thread_id is None and emu.sent(group.id)[-1].thread_id is None
    with pytest.raises(TelegramBadRequest, match="Bad Request: message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=999)
    emu.close_topic(group, news)
    with pytest.raises(TelegramBadRequest, match="Bad Request: TOPIC_CLOSED"):
        await bot.send_message(group.id, "x", message_thread_id=news)
    emu.close_topic(group, None)  # General
    with pytest.raises(TelegramBadRequest, match="Bad Request: TOPIC_CLOSED"):
        await bot.send_message(group.id, "x")
    with pytest.raises(ValueError):
        emu.user_sends(ann, "hi", chat=group)  # members cannot write in a closed topic
    emu.set_bot_rights(group, can_manage_topics=True)  # an admin with can_manage_topics may
    assert (await bot.send_message(group.id, "still here")).message_thread_id is None
    emu.delete_topic(group, news)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=news)

"""The emulator checks the bot's administrator rights one by one, as Telegram does, with Telegram's
error texts: join requests, invite links, bans, deletes (and their 48 hours), pins, channel posts,
channel member lists; and it validates command menus like setMyCommands does."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BotCommand, ChatMemberAdministrator

from bot.emulator import BotAPIEmulator
from bot.emulator.world import ADMIN_RIGHTS


async def test_each_method_checks_its_own_right(emu: BotAPIEmulator, bot: Bot) -> None:
    owner, ann, bob = emu.create_user("Owner"), emu.create_user("Ann"), emu.create_user("Bob")
    group = emu.create_group("G", members=[ann, bob], owner=owner)
    # An administrator with only "Delete messages".
    emu.set_bot_rights(group, **{right: right == "can_delete_messages" for right in ADMIN_RIGHTS})
    me = await bot.get_chat_member(group.id, emu.bot_id)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_delete_messages and not me.can_invite_users and not me.can_restrict_members
    assert not me.can_pin_messages and me.can_post_messages is None  # a channel right, absent in groups
    [listed] = [a for a in await bot.get_chat_administrators(group.id) if a.user.id == emu.bot_id]
    assert isinstance(listed, ChatMemberAdministrator) and not listed.can_invite_users

    with pytest.raises(TelegramBadRequest, match="Bad Request: not enough rights to manage chat invite link"):
        await bot.create_chat_invite_link(group.id, creates_join_request=True)
    with pytest.raises(TelegramBadRequest, match="not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(group.id, ann.id)
    with pytest.raises(TelegramBadRequest, match="not enough rights to restrict/unrestrict chat member"):
        await bot.unban_chat_member(group.id, ann.id)
    said = emu.user_sends(bob, "spam", chat=group)["message"]["message_id"]
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage pinned messages in the chat"):
        await bot.pin_chat_message(group.id, said)
    assert await bot.delete_message(group.id, said)  # the one right it has

    # A join request reaches only a bot with "Invite users via link"; the admins decide by hand.
    cat, dan = emu.create_user("Cat"), emu.create_user("Dan")  # not members: members send no join request
    emu.push_join_request(cat, group)
    assert not [u for u in emu.pending_updates if "chat_join_request" in u]
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage chat join requests"):
        await bot.approve_chat_join_request(group.id, cat.id)

    emu.set_bot_rights(group, can_invite_users=True, can_restrict_members=True, can_pin_messages=True)
    assert (await bot.create_chat_invite_link(group.id, creates_join_request=True)).creates_join_request
    emu.push_join_request(dan, group)
    assert [u["chat_join_request"]["from"]["id"] for u in emu.pending_updates if "chat_join_request" in u] == [dan.id]
    assert await bot.decline_chat_join_request(group.id, dan.id)
    assert await bot.ban_chat_member(group.id, ann.id)
    said = emu.user_sends(bob, "read the rules", chat=group)["message"]["message_id"]
    assert await bot.pin_chat_message(group.id, said) and emu.pinned[group.id] == [said]
    assert await bot.unpin_chat_message(group.id)


async def test_join_requests_only_in_supergroups(emu: BotAPIEmulator) -> None:
    ann = emu.create_user("Ann")
    basic = emu.create_group("Basic", supergroup=False)
    emu.push_join_request(ann, basic)
    assert emu.pending_updates == []
    member_only = emu.create_group("Not admin", bot_is_admin=False)
    emu.push_join_request(ann, member_only)
    assert emu.pending_updates == []
    emu.push_join_request(ann, emu.create_group("Super"))
    assert [next(k for k in u if k != "update_id") for u in emu.pending_updates] == ["chat_join_request"]


async def test_my_chat_member_carries_the_rights(emu: BotAPIEmulator) -> None:
    group = emu.create_group("G")
    update = emu.push_my_chat_member(group, "administrator", can_invite_users=False)
    old, new = update["my_chat_member"]["old_chat_member"], update["my_chat_member"]["new_chat_member"]
    assert old["status"] == new["status"] == "administrator"
    assert old["can_invite_users"] is True and new["can_invite_users"] is False and new["can_delete_messages"]
    demoted = emu.push_my_chat_member(group, "member")["my_chat_member"]
    assert demoted["old_chat_member"]["can_invite_users"] is False and demoted["new_chat_member"]["status"] == "member"
    with pytest.raises(ValueError, match="unknown administrator rights"):
        emu.set_bot_rights(group, can_fly=True)


async def test_deleting_follows_the_48_hour_rule(emu: BotAPIEmulator, bot: Bot) -> None:
    ann = emu.create_user("Ann")
    emu.user_sends(ann, "/start")
    group = emu.create_group("G", members=[ann])
    own = await bot.send_message(group.id, "mine")
    theirs = emu.user_sends(ann, "hello", chat=group)["message"]["message_id"]
    in_private = await bot.send_message(ann.id, "hi")
    emu.advance_clock(47 * 3600)
    fresh = await bot.send_message(group.id, "newer")
    emu.advance_clock(2 * 3600)  # the first messages are 49 hours old now
    with pytest.raises(TelegramBadRequest, match=r"Bad Request: message can't be deleted$"):
        await bot.delete_message(group.id, own.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(group.id, theirs)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await bot.delete_message(ann.id, in_private.message_id)
    assert await bot.delete_message(group.id, fresh.message_id)  # 2 hours old

    # Without "Delete messages" the bot deletes only its own messages.
    emu.set_bot_rights(group, can_delete_messages=False)
    mine = await bot.send_message(group.id, "mine again")
    said = emu.user_sends(ann, "hi again", chat=group)["message"]["message_id"]
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(group.id, said)
    assert await bot.delete_message(group.id, mine.message_id)
    basic = emu.create_group("Basic", members=[ann], bot_is_admin=False, supergroup=False)
    said = emu.user_sends(ann, "in a basic group", chat=basic)["message"]["message_id"]
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await bot.delete_message(basic.id, said)


async def test_channels_need_admin_rights(emu: BotAPIEmulator, bot: Bot) -> None:
    fan = emu.create_user("Fan")
    channel = emu.create_channel("News", members=[fan], username="news", bot_is_admin=False)
    for chat_id in (channel.id, "@news"):
        with pytest.raises(TelegramBadRequest, match="Bad Request: member list is inaccessible"):
            await bot.get_chat_member(chat_id, fan.id)
    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member(channel.id, emu.bot_id)
    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_administrators(channel.id)
    emu.set_bot_rights(channel, can_post_messages=False)
    assert (await bot.get_chat_member(channel.id, fan.id)).status == "member"
    me = await bot.get_chat_member(channel.id, emu.bot_id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages is False and me.can_pin_messages is None
    with pytest.raises(TelegramBadRequest, match="need administrator rights in the channel chat"):
        await bot.send_message(channel.id, "hi")
    emu.set_bot_rights(channel, can_post_messages=True)
    assert await bot.send_message(channel.id, "hi")
    # Channel posts reach the bot only where it is an administrator.
    emu.push_channel_post(channel, "/start")
    assert [u["channel_post"]["text"] for u in emu.pending_updates] == ["/start"]


@pytest.mark.parametrize(("command", "description", "error"), [
    ("Checkin", "x", "BOT_COMMAND_INVALID"),
    ("check-in", "x", "BOT_COMMAND_INVALID"),
    ("签到", "x", "BOT_COMMAND_INVALID"),
    ("", "x", "command must be non-empty"),
    ("c" * 33, "x", "command length must not exceed 32"),
    ("checkin", " ", "command description must be non-empty"),
    ("checkin", "d" * 257, "command description length must not exceed 256"),
])
async def test_set_my_commands_is_validated(emu: BotAPIEmulator, bot: Bot, command: str, description: str,
                                            error: str) -> None:
    with pytest.raises(TelegramBadRequest, match=f"Bad Request: {error}"):
        await bot.set_my_commands([BotCommand(command="ok", description="fine"),
                                   BotCommand(command=command, description=description)])
    assert await bot.get_my_commands() == []  # nothing of a refused list is kept


async def test_set_my_commands_limits(emu: BotAPIEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="BOT_COMMANDS_TOO_MUCH"):
        await bot.set_my_commands([BotCommand(command=f"c{i}", description="x") for i in range(101)])
    edge = [BotCommand(command=f"/{'c' * 30}{i:02d}", description="d" * 256) for i in range(100)]
    assert await bot.set_my_commands(edge)
    stored = await bot.get_my_commands()
    assert len(stored) == 100 and stored[0].command == "c" * 30 + "00"

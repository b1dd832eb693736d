"""Admin rights, not just "is admin": what staff are told in /setup, /settings, /gate and /ban, the
bot noticing its rights change (once), and channels (the shop channel's hint goes to the owners,
nothing is ever posted into a channel)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, Group
from bot.emulator.world import ADMIN_RIGHTS
from tests.factories import staff_says
from tests.harness import Harness


def only(*granted: str) -> dict[str, bool]:
    return {right: right in granted for right in ADMIN_RIGHTS}


async def test_setup_with_only_delete_messages_names_what_is_missing(h: Harness) -> None:
    h.emu.set_bot_rights(h.group, **only("can_delete_messages"))
    reply = await staff_says(h, "/setup vip")
    assert "is now a shop group" in reply
    assert '✅ deleting passwords and order checks' in reply
    assert '⚠️ join requests (entry thresholds, welcomes) and /invite links: not working, I need the right ' \
           '"Invite users via link"' in reply
    assert '⚠️ removing banned customers (/ban): not working, I need the right "Ban users"' in reply
    assert ('Group → Administrators → @regulars_bot → enable "Invite users via link", "Ban users"') in reply
    # /settings reports the same, and with every right granted everything is ✅.
    assert '"Invite users via link"' in await staff_says(h, "/settings")
    h.emu.set_bot_rights(h.group, **only(*ADMIN_RIGHTS))
    settings = await staff_says(h, "/settings")
    assert settings.count("✅") == 3 and "⚠️" not in settings


async def test_a_gate_is_refused_without_invite_users(h: Harness) -> None:
    await h.setup_group()
    h.emu.set_bot_rights(h.group, can_invite_users=False)
    reply = await staff_says(h, "/gate allow=on")
    assert "Nothing was changed" in reply and '"Invite users via link"' in reply
    assert "Entry: open" in await staff_says(h, "/gate")
    # Without the right, Telegram never sends the bot a join request: nobody is let in or answered.
    ann = h.emu.create_user("Ann")
    h.emu.push_join_request(ann, h.group)
    assert not [u for u in h.emu.pending_updates if "chat_join_request" in u]
    assert h.emu.join_request_decisions == [] and h.texts_to(ann.id) == []
    # Granted, the same command works; removing every threshold never needs the right.
    h.emu.set_bot_rights(h.group, can_invite_users=True)
    assert "Saved" in await staff_says(h, "/gate allow=on")
    h.emu.set_bot_rights(h.group, can_invite_users=False)
    assert "Entry: open" in await staff_says(h, "/gate off")


async def test_basic_groups_have_no_entry_thresholds(h: Harness) -> None:
    basic = h.emu.create_group("Corner", admins=[h.owner], supergroup=False)
    reply = await staff_says(h, "/setup corner", chat=basic)
    assert "is now a shop group" in reply and "not available in a basic group" in reply
    assert "Entry thresholds need a supergroup" in reply and "make it public" in reply
    reply = await staff_says(h, "/gate password=oolong", chat=basic)
    assert "Nothing was changed" in reply and "need a supergroup" in reply
    async with h.app.db.session() as session:
        row = await session.get(Group, basic.id)
    assert row is not None and row.gate_password is None


async def test_a_password_that_cannot_be_deleted_is_reported(h: Harness) -> None:
    await h.setup_group()
    h.emu.set_bot_rights(h.group, can_delete_messages=False)
    await h.say(h.owner, "/gate password=oolong-42", chat=h.group)
    texts = h.texts_to(h.group.id)
    assert any("oolong-42" in (m.text or "") for m in h.emu.messages(h.group.id))  # still there
    warning = next(t for t in texts if "couldn't delete your message" in t)
    assert "readable by everyone" in warning and 'enable "Delete messages"' in warning
    assert "oolong-42" not in warning
    # With the right, the message goes and no warning is given.
    h.emu.set_bot_rights(h.group, can_delete_messages=True)
    before = len(texts)
    await h.say(h.owner, "/gate password=longjing", chat=h.group)
    assert not any("longjing" in (m.text or "") for m in h.emu.messages(h.group.id))
    assert not any("couldn't delete" in t for t in h.texts_to(h.group.id)[before:])


async def test_a_bind_in_the_group_that_cannot_be_deleted_is_not_called_removed(h: Harness) -> None:
    await h.setup_group()
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    await h.say(ann, "/bind T-1 1234", chat=h.group)
    assert "I removed the message" in h.texts_to(h.group.id)[-1]
    assert not any("T-1 1234" in (m.text or "") for m in h.emu.messages(h.group.id))
    h.emu.set_bot_rights(h.group, can_delete_messages=False)
    await h.say(ann, "/bind T-2 5678", chat=h.group)
    reply = h.texts_to(h.group.id)[-1]
    assert "I could not delete the message" in reply and "removed" not in reply
    assert any("T-2 5678" in (m.text or "") for m in h.emu.messages(h.group.id))


async def test_ban_reports_each_group(h: Harness) -> None:
    await h.setup_group()
    deals = h.emu.create_group("Deals", admins=[h.owner])
    await h.say(h.owner, "/setup deals", chat=deals)
    outlet = h.emu.create_group("Outlet", admins=[h.owner])
    await h.say(h.owner, "/setup outlet", chat=outlet)
    ann = h.emu.create_user("Ann")
    h.emu.add_member(h.group, ann)
    h.emu.add_member(deals, ann)
    h.emu.set_bot_rights(deals, can_restrict_members=False)
    h.emu.push_my_chat_member(outlet, "left")  # Telegram did not tell us yet: still registered
    await h.say(h.owner, f"/ban {ann.id} spam")
    report = h.texts_to(h.owner.id)[-1]
    assert f"({ann.id}) is banned" in report
    assert "Removed from 1 of 3 shop groups" in report
    assert "• Tea Lovers: removed" in report
    assert '• Deals: NOT removed, I lack the admin right "Ban users"' in report and "Administrators" in report
    assert "• Outlet: NOT removed, I am no longer in that group" in report
    assert h.group.status_of(ann.id) == "kicked" and deals.status_of(ann.id) == "member"
    # Someone in no group at all is kept out, not "removed".
    bob = h.emu.create_user("Bob")
    h.emu.set_bot_rights(deals, can_restrict_members=True)
    await h.say(h.owner, f"/ban {bob.id}")
    report = h.texts_to(h.owner.id)[-1]
    assert "Removed from 0 of 3 shop groups" in report and "Tea Lovers: was not in the group" in report


async def test_demotion_is_told_once_in_the_group(h: Harness) -> None:
    await h.setup_group()
    before = len(h.emu.sent(h.group.id))
    update = h.emu.push_my_chat_member(h.group, "administrator", can_invite_users=False)
    await h.feed(update)
    await h.feed(update)  # Telegram delivering the same update again
    told = h.texts_to(h.group.id)[before:]
    assert len(told) == 1
    assert "My admin rights in Tea Lovers changed" in told[0]
    assert 'Stopped: join requests (entry thresholds, welcomes) and /invite links (needs "Invite users via link")' \
        in told[0]
    # Demoted to a plain member: what else stopped, once, however often the update comes.
    demoted = h.emu.push_my_chat_member(h.group, "member")
    await h.feed(demoted)
    await h.feed(h.emu.push_my_chat_member(h.group, "member"))
    told = h.texts_to(h.group.id)[before:]
    assert len(told) == 2 and "no longer an administrator of Tea Lovers" in told[1]
    assert "Stopped: deleting passwords" in told[1] and "Stopped: removing banned customers" in told[1]
    assert "Stopped: join requests" not in told[1]  # told already
    promoted = h.emu.push_my_chat_member(h.group, "administrator", can_invite_users=True)
    await h.feed(promoted)
    told = h.texts_to(h.group.id)[before:]
    assert len(told) == 3 and "now an administrator" in told[2] and told[2].count("Works again") == 3


async def test_removal_is_told_to_the_owners_privately(h: Harness) -> None:
    await h.setup_group()
    await h.say(h.owner, "/start")
    before_group = len(h.emu.sent(h.group.id))
    update = h.emu.push_my_chat_member(h.group, "kicked")
    await h.feed(update)
    await h.feed(update)
    assert len(h.emu.sent(h.group.id)) == before_group
    private = [t for t in h.texts_to(h.owner.id) if "removed from Tea Lovers" in t]
    assert len(private) == 1 and "/setup" in private[0]
    assert h.app.directory.group(h.group.id) is None


async def test_shop_channel_admin_hint_goes_to_the_owners_never_into_a_channel(h: Harness) -> None:
    await h.say(h.owner, "/start")
    h.app.settings.shop_channel = "@ShopNews"
    shop = h.emu.create_channel("Shop News", username="shopnews", bot_is_admin=False)
    other = h.emu.create_channel("Other News", bot_is_admin=False)
    sent_before = len(h.emu.sent())
    promoted = h.emu.push_my_chat_member(shop, "administrator")
    await h.feed(promoted)
    await h.feed(promoted)
    await h.feed(h.emu.push_my_chat_member(other, "administrator"))
    await h.settle()
    assert h.emu.sent(shop.id) == [] and h.emu.sent(other.id) == []
    new = h.emu.sent()[sent_before:]
    assert [m.chat_id for m in new] == [h.owner.id]
    assert "administrator of the shop channel Shop News" in (new[0].text or "") and "/setup" in (new[0].text or "")
    # The "follows the shop" threshold now works from a group.
    await h.setup_group()
    assert "not an administrator of the shop channel" not in h.texts_to(h.group.id)[-1]
    await h.feed(h.emu.push_my_chat_member(shop, "left"))
    assert "no longer an administrator of the shop channel" in h.texts_to(h.owner.id)[-1]
    assert h.emu.sent(shop.id) == []


async def test_channel_posts_never_get_an_answer(h: Harness) -> None:
    await h.setup_group()
    h.app.settings.shop_channel = "@shopnews"
    channel = h.emu.create_channel("Shop News", username="shopnews", bot_is_admin=True)
    sent_before = len(h.emu.sent())
    for text in ("/start", "/help", "/setup vip", "/checkin", "签到", "check in", "/gate password=x", "/ban 1",
                 "/redpacket 100 5", "/staff list", "/me", "/nonsense", "hello"):
        await h.feed(h.emu.push_channel_post(channel, text))
    await h.feed({"update_id": 999_999, "edited_channel_post": {
        "message_id": 1, "date": h.emu.now(), "chat": channel.to_dict(), "sender_chat": channel.to_dict(),
        "text": "/setup", "edit_date": h.emu.now()}})
    await h.settle()
    assert h.emu.sent()[sent_before:] == []
    async with h.app.db.session() as session:
        assert (await session.execute(select(Group).where(Group.chat_id == channel.id))).first() is None
        assert [a for a in (await session.execute(select(AuditEntry.chat_id))).scalars() if a == channel.id] == []

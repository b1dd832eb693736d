"""Member tiers and purchase points through the real Dispatcher and the emulator, on SQLite and
PostgreSQL: staff commands (and garbage), points for linked orders with the tier multiplier, /me,
refunds with a shortfall, a tier-up with its personal join link, and a tier-down with the notice
and removal after the grace period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, LedgerEntry
from bot.services import ledger
from bot.services import tiers as tier_service
from games.points import Reason
from scheduler.jobs.tiers import sweep_tiers
from tests.factories import assert_books_balance, balance, count, member
from tests.harness import Harness

CSV = "order_id,amount,currency,paid_at,check\nT-1,100,CNY,2026-03-01,1234\nT-2,50,CNY,2026-03-01,1234\n"


async def import_csv(h: Harness, text: str) -> str:
    await h.feed(h.emu.user_sends_document(h.owner, "orders.csv", text.encode(), caption="/import_orders"))
    await h.settle()
    return h.texts_to(h.owner.id)[-1]


async def audit_actions(h: Harness) -> list[str]:
    async with h.app.db.reader() as session:
        return list((await session.execute(select(AuditEntry.action))).scalars())


async def test_staff_commands_answer_every_bad_input_and_change_nothing(h: Harness) -> None:
    assert "No member tiers yet" in await _owner(h, "/tier")
    assert "Tier GOLD added" in await _owner(h, "/tier add gold | points=100 | multiplier=1.5")
    cases = {
        "/tier add": "Usage",
        "/tier add SILVER": "points=N",
        "/tier add G*LD | points=5": "name=G*LD",
        "/tier add SILVER | points=abc": "points=abc",
        "/tier add SILVER | points=5 | multiplier=9": "multiplier=9",
        "/tier add VIP | spend=100": "go by lifetime points",
        "/tier add BRONZE | points=100": "GOLD already starts there",
        "/tier remove NOPE": "There is no tier NOPE",
        "/tier remove": "Usage",
        "/tier frobnicate": "frobnicate",
        "/points_rate abc": "not a rate",
        "/points_rate -1": "not a rate",
        "/points_rate 1.234": "not a rate",
        "/points_rate": "Purchase points are off",
    }
    for command, expected in cases.items():
        assert expected in await _owner(h, command), command
    assert "1.5" in await _owner(h, "/tier") and "SILVER" not in await _owner(h, "/tier")
    assert "now earn points: 1 per CNY spent" in await _owner(h, "/points_rate 1")
    assert "Purchase points: 1 per CNY" in await _owner(h, "/points_rate")
    customer = member(h, "Cy")
    await h.say(customer, "/tier add HACK | points=1")
    await h.say(customer, "/points_rate 999")
    assert "1 per CNY" in await _owner(h, "/points_rate") and "HACK" not in await _owner(h, "/tier")
    actions = await audit_actions(h)
    assert actions.count("tier.add") == 1 and actions.count("points.rate") == 1


async def _owner(h: Harness, text: str) -> str:
    await h.say(h.owner, text)
    return h.texts_to(h.owner.id)[-1]


async def test_linked_orders_earn_with_the_multiplier_and_refunds_are_owed(h: Harness) -> None:
    await _owner(h, "/tier add GOLD | points=100 | multiplier=1.5")
    await _owner(h, "/points_rate 1")
    await import_csv(h, CSV)
    ann = member(h, "Ann")
    await h.say(ann, "/bind T-1 1234")
    assert "+100 points for this order" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/bind T-1 1234")  # again: nothing more
    assert await balance(h, ann) == 100
    await sweep_tiers(h.app)  # the minute's sweep: Ann reached GOLD and is told, once
    await sweep_tiers(h.app)
    ups = [t for t in h.texts_to(ann.id) if "You reached" in t]
    assert len(ups) == 1 and "GOLD" in ups[0] and "×1.5" in ups[0]
    await h.say(ann, "/bind T-2 1234")  # now GOLD: ×1.5
    assert "+75 points" in h.texts_to(ann.id)[-1]
    await h.say(ann, "/checkin")
    assert "tier bonus +2" in h.texts_to(ann.id)[-1] and await balance(h, ann) == 182
    await h.say(ann, "/me")
    card = h.texts_to(ann.id)[-1]
    assert "Tier: <b>GOLD</b>" in card and "top tier" in card
    async with h.app.db.session() as session:  # Ann spends most of it
        await ledger.move(session, user_id=ann.id, amount=-150, reason=Reason.REDEMPTION, key="t:spend",
                          now=h.clock.now())
    reply = await import_csv(h, CSV.replace("1234\nT-2", "1234,refunded\nT-2"))
    assert "1 refunded (100 points taken back)" in reply
    await import_csv(h, CSV.replace("1234\nT-2", "1234,refunded\nT-2"))  # the same file again: once
    assert await balance(h, ann) == 0
    told = [t for t in h.texts_to(ann.id) if "was refunded" in t]
    assert told == ["Order T-1 was refunded, so the 100 points it earned were taken back: 68 of them had already "
                    "been spent and will be taken from the next points you earn."]
    await h.say(ann, "/me")
    assert "You owe 68 points" in h.texts_to(ann.id)[-1]
    assert await count(h, LedgerEntry, LedgerEntry.reason == str(Reason.PURCHASE_REVERSAL)) == 1  # type: ignore[arg-type]
    await assert_books_balance(h)


async def test_tier_group_link_on_reaching_it_and_removal_after_the_grace_period(h: Harness) -> None:
    await tier_group_flow(h)


async def tier_group_flow(h: Harness) -> None:
    """A tier-up with its personal join link, a tier-down with the notice, removal after the grace
    period (also run over HTTP with long polling's session: tests/e2e/test_tiers_e2e.py)."""
    await h.setup_group()
    await _owner(h, "/tier add GOLD | points=100")
    await h.say(h.owner, "/gate tier=SILVER", chat=h.group)
    assert "no tier SILVER" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/gate tier=gold tier_grace=14d", chat=h.group)
    assert "members of tier GOLD" in h.texts_to(h.group.id)[-1] and "14d" in h.texts_to(h.group.id)[-1]
    await h.say(h.owner, "/gate tier_grace=forever", chat=h.group)
    assert "couldn't understand" in h.texts_to(h.group.id)[-1]
    ann = h.emu.create_user("Ann", language_code="en")
    h.emu.user_sends(ann, "/start")
    await _owner(h, "/points_rate 1")
    await import_csv(h, CSV)
    await h.say(ann, "/bind T-1 1234")
    await sweep_tiers(h.app)
    invite = next(t for t in h.texts_to(ann.id) if "you may join" in t)
    link = invite.split(": ", 1)[1].split()[0]
    assert h.emu.invite_links[link]["member_limit"] == 1
    await h.say(ann, "/me")  # the link again, until it is used
    assert f"Your personal link to Tea Lovers: {link}" in h.texts_to(ann.id)[-1]
    intruder = h.emu.create_user("Eve")
    h.emu.join_by_link(ann, link)
    try:
        h.emu.join_by_link(intruder, link)
        raise AssertionError("a personal link let a second person in")
    except ValueError as refused:
        assert "USERS_TOO_MUCH" in str(refused)
    await h.say(ann, "hello", chat=h.group)  # the bot sees her in the group
    await sweep_tiers(h.app)
    await h.say(ann, "/me")
    assert "personal link" not in h.texts_to(ann.id)[-1]
    assert len([t for t in h.texts_to(ann.id) if "you may join" in t]) == 1  # one link only
    # A refund takes Ann below GOLD: told she falls, and when she will be removed.
    await import_csv(h, CSV.replace("1234\nT-2", "1234,refunded\nT-2"))
    await sweep_tiers(h.app)
    await sweep_tiers(h.app)
    notices = [t for t in h.texts_to(ann.id) if "no longer GOLD" in t]
    assert len(notices) == 1 and "removed from the group on 2026-03-16" in notices[0]
    assert h.emu.chat(h.group.id).status_of(ann.id) == "member"
    h.clock.advance(timedelta(days=13))
    await sweep_tiers(h.app)
    assert h.emu.chat(h.group.id).status_of(ann.id) == "member"  # not before the grace is over
    h.clock.advance(timedelta(days=1, minutes=1))
    await sweep_tiers(h.app)
    assert h.emu.chat(h.group.id).status_of(ann.id) == "left"  # removed, not banned: she may come back
    assert "You were removed from Tea Lovers" in h.texts_to(ann.id)[-1]
    calls = [c.method for c in h.emu.calls if c.method in ("banChatMember", "unbanChatMember")]
    assert calls == ["banChatMember", "unbanChatMember"]
    assert "tiers.remove" in await audit_actions(h)
    await sweep_tiers(h.app)
    assert [c.method for c in h.emu.calls].count("banChatMember") == 1
    await assert_books_balance(h)


async def test_staff_in_a_tier_group_are_never_told_to_leave_nor_removed(h: Harness) -> None:
    await h.setup_group()
    await _owner(h, "/tier add GOLD | points=100")
    await h.say(h.owner, "/gate tier=GOLD tier_grace=1d", chat=h.group)
    async with h.app.db.session() as session:  # the owner once reached GOLD, then lost it
        await ledger.move(session, user_id=h.owner.id, amount=100, reason=Reason.GRANT, key="t:o", now=h.clock.now())
    await sweep_tiers(h.app)
    async with h.app.db.session() as session:
        await ledger.take_back(session, user_id=h.owner.id, points=100, reason=Reason.PURCHASE_REVERSAL, key="t:back",
                               now=h.clock.now())
    before = len(h.texts_to(h.owner.id))
    for _ in range(2):
        h.clock.advance(timedelta(days=2))
        await sweep_tiers(h.app)
    assert not any("no longer GOLD, which" in t for t in h.texts_to(h.owner.id)[before:])
    assert h.emu.chat(h.group.id).status_of(h.owner.id) == "administrator"
    assert "banChatMember" not in [c.method for c in h.emu.calls]


async def test_no_link_for_members_already_in_the_group_or_banned(h: Harness) -> None:
    await h.setup_group()
    await _owner(h, "/tier add GOLD | points=100")
    await h.say(h.owner, "/gate tier=GOLD", chat=h.group)
    bea = member(h, "Bea")  # in the group, never wrote there
    await h.say(bea, "/start")
    zed = h.emu.create_user("Zed")
    await h.say(zed, "/start")
    await h.say(h.owner, f"/ban {zed.id} spam")
    async with h.app.db.session() as session:
        for who in (bea, zed):
            await ledger.move(session, user_id=who.id, amount=100, reason=Reason.GRANT, key=f"t:{who.id}",
                              now=h.clock.now())
    await sweep_tiers(h.app)
    await sweep_tiers(h.app)
    assert not any("you may join" in t for t in h.texts_to(bea.id) + h.texts_to(zed.id))
    assert any("You reached" in t for t in h.texts_to(bea.id))
    assert "createChatInviteLink" not in [c.method for c in h.emu.calls]
    async with h.app.db.session() as session:
        plans = await tier_service.plan_seats(session, (await tier_service.tier_groups(session))[0], set(),
                                              h.clock.now())
    assert plans == []  # Bea is recorded in the group (and as GOLD there); Zed is banned

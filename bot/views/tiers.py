"""Member tiers on Telegram: telling members privately that they rose or fell (once), and keeping
tier groups in sync — a personal join link on reaching the group's tier, a notice on falling below
it, removal after the grace period (never a staff member or a chat administrator, never without
the notice).

Every visible step is claimed in the database first (a committed conditional update), so a sweep
that runs twice, or in two processes, says each thing once. Removal is banChatMember followed by
unbanChatMember(only_if_banned): the member is out and may come back with a new link later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import people
from bot.services import tiers as tier_service
from bot.services.tiers import SeatPlan, TierGroup
from bot.texts import Translator, language_for
from games.tiers import GroupAction, Move, format_multiplier

log = logging.getLogger(__name__)
LINK_NAME = "tier"  # invite links are named "tier NAME" (Telegram allows 32 characters)
PRESENT = frozenset({"member", "restricted"})
SYSTEM = 0  # the audit log's actor for what the bot does on its own


@dataclass
class SweepReport:
    changes: int = 0
    notices: int = 0
    actions: dict[str, int] = field(default_factory=dict)


async def translator_for(app: App, session: AsyncSession, user_id: int) -> Translator:
    user = await people.get_user(session, user_id)
    return Translator(app.texts, language_for(user.language_code if user else None, app.settings.default_language))


async def sweep(app: App) -> SweepReport:
    """Record every member's tier change, tell them, then bring every tier group in line."""
    report = SweepReport()
    now = app.clock.now()
    async with app.db.reader() as reader:
        changes = await tier_service.plan_changes(reader, app.settings.shop_currency, now)
    if changes:
        async with app.db.session() as session:
            for change in changes:
                if await tier_service.apply_change(session, change, now):
                    report.changes += 1
    report.notices = await notify_changes(app)
    await sync_groups(app, report)
    return report


async def notify_changes(app: App) -> int:
    """Tell each member who rose or fell, once (claimed before sending)."""
    now = app.clock.now()
    told = 0
    async with app.db.session() as session:
        events = await tier_service.unnotified(session)
        tiers = await tier_service.all_tiers(session) if events else []
        texts: list[tuple[int, str]] = []
        for event in events:
            assert event.id is not None
            if not await tier_service.claim_notice(session, event.id, now):
                continue
            _ = await translator_for(app, session, event.user_id)
            tier = next((t for t in tiers if t.name == event.new_tier), None)
            if event.direction == Move.UP and tier is not None:
                perk = _("tiers-perk-multiplier", multiplier=format_multiplier(tier.multiplier)) \
                    if tier.multiplier > 100 else ""
                texts.append((event.user_id, _("tiers-up", tier=tier.name, perk=perk)))
            elif event.new_tier is not None:
                texts.append((event.user_id, _("tiers-down", tier=event.new_tier)))
            else:
                texts.append((event.user_id, _("tiers-down-none", tier=event.old_tier or "")))
    for user_id, text in texts:
        if await app.sender.send_message(user_id, text) is not None:
            told += 1
    return told


async def sync_groups(app: App, report: SweepReport | None = None) -> None:
    now = app.clock.now()
    staff = app.directory.staff_and_owners()
    async with app.db.reader() as reader:
        groups = await tier_service.tier_groups(reader)
    for group in groups:
        async with app.db.session() as session:
            plans = await tier_service.plan_seats(session, group, staff, now)
        for plan in plans:
            try:
                done = await carry_out(app, group, plan, now)
            except Exception:
                log.exception("tier group %s: %s for %s failed; will retry", group.chat_id, plan.action,
                              plan.user_id)
                continue
            if done and report is not None:
                report.actions[str(plan.action)] = report.actions.get(str(plan.action), 0) + 1


async def carry_out(app: App, group: TierGroup, plan: SeatPlan, now: datetime) -> bool:
    """One step for one member of a tier group; True if it was done (by this call)."""
    bot = app.sender.bot
    chat_id, user_id = group.chat_id, plan.user_id
    if plan.action is GroupAction.INVITE:
        # Already in the group (the bot learns who is there when they write): no link, recorded.
        try:
            status = (await bot.get_chat_member(chat_id, user_id)).status
        except TelegramAPIError as exc:
            log.warning("tier group %s: cannot see %s (%s); will retry", chat_id, user_id, exc)
            return False
        async with app.db.session() as session:
            if status in PRESENT or status in ("administrator", "creator"):
                await people.add_to_group(session, chat_id, user_id, now)
                await tier_service.mark_qualified(session, chat_id, user_id)
                return False
            if not await tier_service.claim_invite(session, chat_id, user_id, now):
                return False
        try:
            link = (await bot.create_chat_invite_link(chat_id, name=f"{LINK_NAME} {group.tier}"[:32],
                                                      member_limit=1)).invite_link
        except TelegramAPIError as exc:
            log.warning("tier group %s: no personal link for %s (%s); will retry", chat_id, user_id, exc)
            async with app.db.session() as session:
                await tier_service.save_link(session, chat_id, user_id, None)
            return False
        async with app.db.session() as session:
            await tier_service.save_link(session, chat_id, user_id, link)
            _ = await translator_for(app, session, user_id)
        await app.sender.send_message(user_id, _("tiers-invite", tier=group.tier, title=group.title, link=link))
        return True
    if plan.action is GroupAction.REVOKE:
        # The bot learns who joined when they write; one who joined through the link but has not
        # written yet is in the group: recorded as such, they are treated as a member who fell.
        try:
            status = (await bot.get_chat_member(chat_id, user_id)).status
        except TelegramAPIError as exc:
            log.warning("tier group %s: cannot see %s (%s); will retry", chat_id, user_id, exc)
            return False
        if status in PRESENT:
            async with app.db.session() as session:
                await people.add_to_group(session, chat_id, user_id, now)
            return False
        async with app.db.session() as session:
            if not await tier_service.claim_revoke(session, chat_id, user_id):
                return False
        if plan.link:
            try:
                await bot.revoke_chat_invite_link(chat_id, plan.link)
            except TelegramAPIError as exc:
                log.info("tier group %s: revoking %s's link: %s", chat_id, user_id, exc)
        return True
    if plan.action in (GroupAction.NOTICE, GroupAction.RESTORE):
        async with app.db.session() as session:
            if plan.action is GroupAction.NOTICE:
                claimed = await tier_service.claim_fall(session, chat_id, user_id, now)
            else:
                claimed = await tier_service.claim_restore(session, chat_id, user_id)
            if not claimed:
                return False
            _ = await translator_for(app, session, user_id)
        if plan.action is GroupAction.RESTORE:
            text = _("tiers-restored", tier=group.tier, title=group.title)
        elif group.grace is None:
            text = _("tiers-fell-stay", tier=group.tier, title=group.title)
        else:
            until = (now + group.grace).astimezone(app.settings.tz)
            text = _("tiers-fell", tier=group.tier, title=group.title, date=until.strftime("%Y-%m-%d %H:%M"))
        await app.sender.send_message(user_id, text)
        return True
    if plan.action is GroupAction.REMOVE:
        return await _remove(app, group, plan)
    return False


async def _remove(app: App, group: TierGroup, plan: SeatPlan) -> bool:
    """Remove a member whose grace ran out: not a chat administrator, told afterwards."""
    bot = app.sender.bot
    chat_id, user_id = group.chat_id, plan.user_id
    assert plan.seat.fell_at is not None
    try:
        status = (await bot.get_chat_member(chat_id, user_id)).status
    except TelegramAPIError as exc:
        log.warning("tier group %s: cannot see %s (%s); will retry", chat_id, user_id, exc)
        return False
    if status in PRESENT:
        try:
            await bot.ban_chat_member(chat_id, user_id)
            await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        except TelegramAPIError as exc:
            log.warning("tier group %s: removing %s failed (%s); will retry", chat_id, user_id, exc)
            return False
    # An administrator is never removed; one who already left has nothing to remove: either way
    # the seat ends here.
    async with app.db.session() as session:
        if not await tier_service.claim_removal(session, chat_id, user_id, plan.seat.fell_at):
            return False
        await people.record_audit(session, actor_id=SYSTEM, action="tiers.remove", now=app.clock.now(),
                                  chat_id=chat_id, target=str(user_id), details=f"below {group.tier}; {status}")
        _ = await translator_for(app, session, user_id)
    if status in PRESENT:
        await app.sender.send_message(user_id, _("tiers-removed", tier=group.tier, title=group.title))
    return status in PRESENT

"""The join-request flow (入群门槛): evaluate a group's thresholds, decide, tell Telegram and the
applicant, welcome the newcomer and pay the welcome gift.

Every step is safe to repeat. A decision is a conditional UPDATE of a pending row; telling
Telegram happens after that commits and is confirmed by a second conditional UPDATE
(``applied``), which also pays the gift under the ledger key ``welcome:<user>``. Requests that
time out, and decisions whose Telegram call did not go through (a crash, a network error), are
picked up by :func:`sweep`, which runs at start-up and every half minute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ChatJoinRequest, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.db.models import Group, JoinRequest
from bot.outbox import Outbox
from bot.services import access, ledger, orders, people
from bot.services import gate as gate_service
from bot.services import groups as group_service
from bot.services import segments as segment_service
from bot.services.people import Profile
from bot.texts import LIST_NAME, Markup, Translator, escape, language_for, plain_names, shorten
from games import segments
from games.checkin import local_day
from games.gate import Decision, GateRules, Reason, Threshold, Verdict, check_password, combine, precheck
from games.points import Reason as PointsReason

log = logging.getLogger(__name__)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})


async def channel_follows(app: App, bot: Bot, user_id: int) -> bool:
    """Whether ``user_id`` is in the shop's channel (the bot must be admin there to ask)."""
    channel = app.settings.shop_channel
    if channel is None:
        return False
    try:
        member = await bot.get_chat_member(channel, user_id)
    except TelegramAPIError as exc:
        log.warning("getChatMember(%s, %s) failed: %s", channel, user_id, exc)
        return False
    return member.status in MEMBER_STATUSES or (member.status == "restricted" and bool(getattr(member, "is_member", 0)))


async def results(session: AsyncSession, app: App, request: JoinRequest, rules: GateRules,
                  channel_ok: bool | None, now: datetime) -> dict[Threshold, bool | None]:
    """Each configured threshold's result for this applicant (None: the password is still awaited)."""
    found: dict[Threshold, bool | None] = {}
    if rules.password:
        found[Threshold.PASSWORD] = request.password_ok
    if rules.channel:
        found[Threshold.CHANNEL] = bool(channel_ok)
    if rules.allow:
        found[Threshold.ALLOW] = await access.is_allowed(session, request.user_id)
    if rules.segment:
        today = local_day(now, app.settings.tz)
        found[Threshold.SEGMENT] = await segment_service.contains(
            session, segments.parse(rules.segment), request.user_id, now, today)
    if rules.spend_cents is not None:
        spent = await orders.spend_of(session, request.user_id, app.settings.shop_currency)
        found[Threshold.SPEND] = spent >= rules.spend_cents
    return found


def reason_code(decision: Decision) -> str:
    if decision.reason is Reason.FAILED and decision.failed:
        return "failed:" + ",".join(str(t) for t in decision.failed)
    return str(decision.reason)


def _translator(app: App, language_code: str | None) -> Translator:
    return Translator(app.texts, language_for(language_code, app.settings.default_language))


async def handle_request(app: App, bot: Bot, session: AsyncSession, out: Outbox, request: ChatJoinRequest) -> None:
    """A new ``chat_join_request``: record it, then decide now or ask for the password."""
    if app.directory.group(request.chat.id) is None:
        return  # not a shop group: the admins decide by hand
    now = app.clock.now()
    user = request.from_user
    async with app.db.reader() as reader:
        group = await group_service.get_group(reader, request.chat.id)
        banned = await access.is_banned(reader, user.id)
        if group is None:
            return
        reader.expunge(group)  # keep its loaded values after the read transaction ends
    rules = gate_service.rules_of(group)
    early = precheck(is_bot=user.is_bot, banned=banned)
    # Ask Telegram before the write transaction starts (never hold a transaction across an API call).
    channel_ok = await channel_follows(app, bot, user.id) if rules.channel and early is None else None
    if not user.is_bot:
        await people.upsert_user(session, Profile(user.id, user.first_name or "", user.last_name, user.username,
                                                  user.language_code, user.is_bot), now)
    request_id = await gate_service.open_request(
        session, chat_id=request.chat.id, user_id=user.id, user_chat_id=request.user_chat_id,
        first_name=user.full_name, language_code=user.language_code,
        invite_link=request.invite_link.invite_link if request.invite_link else None,
        requested_at=request.date, now=now, expires_at=now + rules.timeout,
    )
    if request_id is None:
        log.info("join request of %s to %s is already pending", user.id, request.chat.id)
        return
    row = await gate_service.get_request(session, request_id)
    assert row is not None
    decision = early or combine(rules.mode, await results(session, app, row, rules, channel_ok, now))
    if decision.verdict is Verdict.WAIT:
        _ = _translator(app, user.language_code)
        minutes = max(1, int(rules.timeout.total_seconds() // 60))
        out.message(request.user_chat_id, _("join-ask-password", title=group.title, attempts=rules.attempts,
                                            minutes=minutes))
        return
    await gate_service.decide(session, request_id, approved=decision.verdict is Verdict.APPROVE,
                              reason=reason_code(decision), now=now)
    out.after_commit(lambda: apply(app, request_id))


async def handle_password(app: App, bot: Bot, session: AsyncSession, out: Outbox, message: Message,
                          request_id: int, _: Translator) -> None:
    """The applicant sent something in private chat while their request waits for the password."""
    now = app.clock.now()
    async with app.db.reader() as reader:
        row = await gate_service.get_request(reader, request_id)
        group = await group_service.get_group(reader, row.chat_id) if row is not None else None
        reader.expunge_all()  # keep their loaded values after the read transaction ends
    if row is None or group is None or row.status != gate_service.PENDING:
        out.message(message.chat.id, _("join-password-late"))
        return
    rules = gate_service.rules_of(group)
    if row.expires_at <= now:  # past its time, the sweep just has not come by yet
        if await gate_service.decide(session, request_id, approved=False, reason=str(Reason.TIMEOUT), now=now):
            out.after_commit(lambda: apply(app, request_id))
        return
    if not rules.password:
        out.message(message.chat.id, _("join-password-late"))
        return
    channel_ok = await channel_follows(app, bot, row.user_id) if rules.channel else None
    check = check_password(rules.password, message.text or "", row.password_attempts, rules.attempts)
    ok = True if check.ok else (False if check.exhausted else None)
    if not await gate_service.record_password(session, request_id, before=row.password_attempts,
                                              used=check.attempts_used, ok=ok):
        out.message(message.chat.id, _("join-password-late"))
        return
    if ok is None:
        out.message(message.chat.id, _("join-password-wrong", left=check.attempts_left))
        return
    fresh = await gate_service.get_request(session, request_id)
    assert fresh is not None
    decision = combine(rules.mode, await results(session, app, fresh, rules, channel_ok, now))
    if decision.verdict is Verdict.WAIT:  # cannot happen once the password is known; stay safe
        return
    # The decision itself (approved, or declined with the reason) is the answer; see apply().
    await gate_service.decide(session, request_id, approved=decision.verdict is Verdict.APPROVE,
                              reason=reason_code(decision), now=now)
    out.after_commit(lambda: apply(app, request_id))


async def decline_pending_of(session: AsyncSession, out: Outbox, app: App, user_id: int, reason: Reason,
                             now: datetime) -> None:
    """Decline every pending request of ``user_id`` (e.g. they were just banned)."""
    for request_id in await gate_service.pending_of_user(session, user_id):
        if await gate_service.decide(session, request_id, approved=False, reason=str(reason), now=now):
            out.after_commit(lambda rid=request_id: apply(app, rid))  # type: ignore[misc]


# ---- telling Telegram, the applicant and the group ------------------------------------------------

async def _tell_telegram(bot: Bot, row: JoinRequest) -> bool | None:
    """Approve or decline on Telegram. True: done; False: Telegram has nothing pending any more
    (withdrawn, or handled by an admin); None: a transient failure, to retry later."""
    try:
        if row.status == gate_service.APPROVED:
            await bot.approve_chat_join_request(row.chat_id, row.user_id)
        else:
            await bot.decline_chat_join_request(row.chat_id, row.user_id)
        return True
    except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as exc:
        log.warning("join request %s: Telegram unavailable (%s); will retry", row.id, exc)
        return None
    except TelegramBadRequest as exc:
        log.info("join request %s: nothing to %s on Telegram (%s)", row.id, row.status, exc.message)
        return "USER_ALREADY_PARTICIPANT" in exc.message
    except (TelegramForbiddenError, TelegramAPIError) as exc:
        log.warning("join request %s: Telegram refused (%s)", row.id, exc)
        return False


def decision_text(_: Translator, row: JoinRequest, title: str) -> str:
    if row.status == gate_service.APPROVED:
        return _("join-approved", title=title)
    reason = row.reason or "failed"
    if reason.startswith("failed:"):
        names = Markup(", ".join(_(f"threshold-{name}") for name in reason.removeprefix("failed:").split(",")))
        return _("join-declined-failed", title=title, thresholds=names)
    key = {"banned": "join-declined-banned", "timeout": "join-declined-timeout"}.get(reason, "join-declined")
    return _(key, title=title)


async def apply(app: App, request_id: int) -> None:
    """Carry out a decision once: the applicant's message, Telegram, the welcome and its gift.

    The applicant is told first: Telegram lets the bot write to someone who never started it only
    until their request is processed (``user_chat_id``), so the answer must go before the approval.
    """
    async with app.db.reader() as reader:
        row = await gate_service.get_request(reader, request_id)
        reader.expunge_all()  # keep its loaded values after the read transaction ends
    if row is None or row.status == gate_service.PENDING or row.applied:
        return
    if row.status == gate_service.APPROVED:
        # Banned between the decision and now: the ban wins.
        async with app.db.session() as session:
            if await access.is_banned(session, row.user_id) and \
                    await gate_service.revoke(session, request_id, reason=str(Reason.BANNED)):
                row.status, row.reason = gate_service.DECLINED, str(Reason.BANNED)
    async with app.db.reader() as reader:
        group = await group_service.get_group(reader, row.chat_id)
        paid = await ledger.find_by_key(reader, f"welcome:{row.user_id}") is not None
        reader.expunge_all()
    approved = row.status == gate_service.APPROVED
    promised = group.welcome_gift if group is not None and approved and not paid else 0
    if group is not None and row.reason != "bot":
        _ = _translator(app, row.language_code)
        text = decision_text(_, row, group.title)
        if promised:
            text = Markup(f"{text}\n{_('join-gift', points=promised)}")
        await app.sender.send_message(row.user_chat_id, text)
    told = await _tell_telegram(app.sender.bot, row)
    if told is None:
        return
    now = app.clock.now()
    joined = approved and told
    gift = 0
    async with app.db.session() as session:
        if not await gate_service.claim_applied(session, request_id):
            return
        if joined and group is not None:
            await people.add_to_group(session, row.chat_id, row.user_id, now)
            if group.welcome_gift > 0:
                movement = await ledger.move(session, user_id=row.user_id, amount=group.welcome_gift,
                                             reason=PointsReason.WELCOME, key=f"welcome:{row.user_id}", now=now,
                                             ref=f"group:{row.chat_id}")
                gift = 0 if movement.duplicate else movement.amount
    if joined and group is not None:
        welcome(app, group, row.first_name, gift, user_id=row.user_id)


@dataclass(frozen=True)
class Newcomer:
    name: str
    gift: int
    user_id: int | None = None


MAX_WELCOMED_NAMES = 40  # one welcome stays one message however many join in a window


def welcome_text(group_: Translator, template: str | None, items: list[Newcomer]) -> str:
    shown, hidden = items[:MAX_WELCOMED_NAMES], len(items) - MAX_WELCOMED_NAMES
    names = ", ".join(escape(shorten(i.name, LIST_NAME)) for i in shown)
    if hidden > 0:
        names += " " + group_("welcome-more", count=hidden)
    body = escape(template).replace("{name}", names) if template else group_("welcome-default", names=Markup(names))
    lines = [str(body)]
    for amount in sorted({i.gift for i in items if i.gift}):
        gifted_items = [i for i in items if i.gift == amount]
        gifted = Markup(", ".join(escape(shorten(i.name, LIST_NAME)) for i in gifted_items[:MAX_WELCOMED_NAMES])
                        + (" " + group_("welcome-more", count=len(gifted_items) - MAX_WELCOMED_NAMES)
                           if len(gifted_items) > MAX_WELCOMED_NAMES else ""))
        lines.append(group_("welcome-gift", names=gifted, points=amount))
    return "\n".join(lines)


def welcome(app: App, group: Group, name: str, gift: int, *, user_id: int | None = None) -> None:
    """Queue a welcome in the group; busy groups get one message for many newcomers, and the
    previous welcome is deleted once the new one is out."""
    group_ = _translator(app, group.language)
    template = group.welcome_text
    chat_id = group.chat_id

    async def replace_previous(messages: list[Message]) -> None:
        # A huge batch may be split in several messages; the last one stands for the batch. Its chat
        # is the group's (a basic group that became a supergroup meanwhile: the new one).
        newest, where = messages[-1].message_id, messages[-1].chat.id
        async with app.db.session() as session:
            previous = await gate_service.swap_welcome_message(session, where, newest)
        if previous and previous not in {m.message_id for m in messages}:
            await app.sender.delete(where, previous)

    app.coalescer.add(chat_id, "welcome", Newcomer(name, gift, user_id),
                      lambda items: welcome_text(group_, template, items), replace_previous,
                      key=user_id, fallback=lambda items: plain_names([i.name for i in items]),
                      thread_id=group.thread_id)


async def sweep(app: App) -> int:
    """Decline requests past their time, then carry out every decision not yet carried out.
    Returns how many requests timed out."""
    now = app.clock.now()
    timed_out = 0
    async with app.db.session() as session:
        for request_id in await gate_service.expired(session, now):
            if await gate_service.decide(session, request_id, approved=False, reason=str(Reason.TIMEOUT), now=now):
                timed_out += 1
        todo = await gate_service.unapplied(session)
    for request_id in todo:
        try:
            await apply(app, request_id)
        except Exception:
            log.exception("carrying out join request %s failed; will retry", request_id)
    return timed_out

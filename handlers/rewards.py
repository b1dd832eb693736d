"""The rewards shop (积分兑换): /reward (staff), /rewards, code uploads, the redeem buttons,
/redemptions and /redemption done (staff)."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import ledger, people
from bot.services import rewards as service
from bot.services.people import Profile
from bot.texts import ECHO, Translator, language_for, shorten
from bot.views import rewards as views
from bot.views.rewards import RewardCb, Rewards
from games import rewards as rules
from games.errors import DomainError
from games.orders import decode_csv
from games.points import redeem_request_key
from games.types import Role
from handlers.filters import IsStaff

MAX_CODES_BYTES = 1024 * 1024


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _error(_: Translator, error: DomainError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    return _(error.key, **params)


def _reward_id(text: str) -> int | None:
    value = text.strip().lstrip("#")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 9 and int(value) > 0 else None


# ---- /reward (staff, private) -------------------------------------------------------------------

async def reward_command(
    message: Message, command: CommandObject, bot: Bot, rewards: Rewards, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    action, _sep, rest = args.partition(" ")
    action = action.lower()
    if action == "add":
        try:
            spec = rules.parse_new(rest)
        except rules.RewardError as error:
            _reply(out, message, _error(_, error) + ("\n" + _("rw-error-usage") if type(error) is not rules.RewardError
                                                     else ""))
            return
        reward_id = await service.add_reward(session, spec, profile.id, now)
        await people.record_audit(session, actor_id=profile.id, action="reward.add", now=now, target=f"rw:{reward_id}",
                                  details=shorten(rest, 1000))
        _reply(out, message, _("rw-added", id=reward_id, line=views.spec_line(_, spec)))
        return
    if action in ("edit", "pause", "resume", "codes"):
        head, _sep, tail = rest.partition("|") if action == "edit" else (rest, "", "")
        target = _reward_id(head)
        if not head.strip():
            _reply(out, message, _("rw-usage"))
            return
        if target is None:
            _reply(out, message, _("rw-bad-id", value=shorten(head.strip(), ECHO)) + "\n" + _("rw-usage"))
            return
        reward_id = target
        rewards.memo.forget(reward_id)  # stock, codes or status may change: ask the database again

        async def forget() -> None:  # and once more after the commit (a refusal may have come between)
            rewards.memo.forget(reward_id)

        out.after_commit(forget)
        if action == "edit":
            await _edit(session, message, out, _, profile, now, reward_id, tail)
        elif action == "codes":
            await _codes(message, bot, session, out, _, profile, now, reward_id)
        else:
            status = service.PAUSED if action == "pause" else service.ACTIVE
            changed = await service.set_status(session, reward_id, status)
            if changed is None:
                _reply(out, message, _("rw-no-such-reward", id=reward_id))
            elif not changed:
                _reply(out, message, _("rw-status-same", id=reward_id, status=_(f"rw-status-{status}")))
            else:
                await people.record_audit(session, actor_id=profile.id, action=f"reward.{action}", now=now,
                                          target=f"rw:{reward_id}")
                _reply(out, message, _("rw-paused-done" if action == "pause" else "rw-resumed-done", id=reward_id))
        return
    _reply(out, message, _("rw-usage"))


async def _edit(session: AsyncSession, message: Message, out: Outbox, _: Translator, profile: Profile,
                now: datetime, reward_id: int, tail: str) -> None:
    current = await service.get(session, reward_id)
    if current is None:
        _reply(out, message, _("rw-no-such-reward", id=reward_id))
        return
    try:
        spec = rules.parse_edit(tail, service.spec_of(current))
        await service.edit_reward(session, reward_id, spec)
    except rules.RewardError as error:
        _reply(out, message, _error(_, error) + ("\n" + _("rw-usage") if type(error) is rules.RewardError else ""))
        return
    await people.record_audit(session, actor_id=profile.id, action="reward.edit", now=now, target=f"rw:{reward_id}",
                              details=shorten(tail, 1000))
    _reply(out, message, _("rw-edited", id=reward_id, line=views.spec_line(_, spec)))


async def _codes(message: Message, bot: Bot, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
                 now: datetime, reward_id: int) -> None:
    document = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None:
        _reply(out, message, _("rw-codes-need-file", id=reward_id))
        return
    if await service.get(session, reward_id) is None:
        _reply(out, message, _("rw-no-such-reward", id=reward_id))
        return
    if (document.file_size or 0) > MAX_CODES_BYTES:
        _reply(out, message, _("rw-codes-too-big", kb=MAX_CODES_BYTES // 1024))
        return
    try:
        buffer = await bot.download(document.file_id)
    except TelegramAPIError:
        _reply(out, message, _("rw-codes-download-failed"))
        return
    data = buffer.read() if buffer is not None else b""
    if len(data) > MAX_CODES_BYTES:
        _reply(out, message, _("rw-codes-too-big", kb=MAX_CODES_BYTES // 1024))
        return
    codes, bad = rules.parse_codes(decode_csv(data))
    if not codes:
        _reply(out, message, _("rw-codes-empty"))
        return
    if len(codes) > rules.MAX_CODES_PER_FILE:
        _reply(out, message, _("rw-codes-too-many", count=len(codes), max=rules.MAX_CODES_PER_FILE))
        return
    added = await service.add_codes(session, reward_id, codes, profile.id, now)
    await people.record_audit(session, actor_id=profile.id, action="reward.codes", now=now, target=f"rw:{reward_id}",
                              details=f"added={added.added} repeated={added.repeated} file={document.file_name}")
    _reply(out, message, _("rw-codes-added", id=reward_id, added=added.added, free=added.free,
                           repeated=added.repeated, bad=bad))


# ---- /rewards (members: the shop; staff: the catalogue) --------------------------------------------

async def rewards_command(message: Message, app: App, out: Outbox, _: Translator, group_: Translator,
                          profile: Profile, role: Role) -> None:
    if role.is_staff:
        async with app.db.reader() as session:
            lines_ = await service.catalogue(session, include_paused=True)
        _reply(out, message, views.staff_list(_, lines_))
        return
    if message.chat.type != "private":
        out.group_line(message.chat.id, "rw-pointer", None,
                       lambda _items: group_("rw-group-pointer", command="/rewards"))
        return
    await _send_shop(app, out, _, profile.id, message.chat.id)


async def _send_shop(app: App, out: Outbox, _: Translator, user_id: int, chat_id: int) -> None:
    async with app.db.reader() as session:
        lines_ = await service.catalogue(session, include_paused=False)
        balance = await ledger.balance_of(session, user_id)
    text, keyboard = views.shop(_, lines_, balance)
    out.message(chat_id, text, reply_markup=keyboard)


async def reward_button(query: CallbackQuery, callback_data: RewardCb, app: App, rewards: Rewards, out: Outbox,
                        _: Translator, profile: Profile, now: datetime, today: date) -> None:
    message = query.message
    if message is None or message.chat.type != "private":
        out.popup(_("rw-group-pointer", command="/rewards"), alert=True)
        return
    action = callback_data.action
    if action in ("ask", "ok") and not 0 < callback_data.id < 2**31:  # forged: no reward has that number
        out.popup(_("rw-no-such-reward", id=callback_data.id), alert=True)
        return
    if action == "shop":
        out.popup()
        await _send_shop(app, out, _, profile.id, message.chat.id)
    elif action == "ask":
        async with app.db.reader() as session:
            reward = await service.get(session, callback_data.id)
            balance = await ledger.balance_of(session, profile.id)
            lines_ = [line for line in await service.catalogue(session, include_paused=False)
                      if line.id == callback_data.id]
        if reward is None:
            out.popup(_("rw-no-such-reward", id=callback_data.id), alert=True)
        elif not lines_:
            out.popup(_("rw-paused", name=reward.name), alert=True)
        elif lines_[0].left is not None and lines_[0].left <= 0:
            out.popup(_("rw-sold-out", name=reward.name), alert=True)
        elif balance < reward.cost:
            out.popup(_("rw-not-enough", name=reward.name, cost=reward.cost, balance=balance), alert=True)
        else:
            out.popup()
            text, keyboard = views.confirmation(_, int(reward.id), reward.name, int(reward.cost), reward.cash, balance)
            out.message(message.chat.id, text, reply_markup=keyboard)
    elif action == "ok":
        if rewards.memo.sold_out(callback_data.id):
            out.popup(_("rw-sold-out-short"), alert=True)
            return
        key = redeem_request_key(profile.id, message.message_id)
        request = service.RedeemRequest(callback_data.id, profile.id, key, now, today, app.settings.tz)
        try:
            done = await app.db.submit(service.REDEEM_OP, request)
        except rules.RedeemRefused as refused:
            if isinstance(refused, rules.SoldOut):
                rewards.memo.remember(callback_data.id)
            out.popup(views.refusal(_, refused), alert=True)
            return
        if done.duplicate:
            out.popup(_("rw-popup-again", id=done.redemption_id))
            return
        out.popup(_("rw-popup-done"))
        out.message(message.chat.id, views.redeemed(_, done))
    elif action == "no":
        out.popup(_("rw-cancelled"))
    else:
        out.popup(_("rw-refused"))


# ---- /redemptions, /redemption done (staff, private) ------------------------------------------------

async def redemptions_command(message: Message, app: App, out: Outbox, _: Translator) -> None:
    async with app.db.reader() as session:
        items, total = await service.pending(session)
    _reply(out, message, views.pending_list(_, items, total, app.settings.tz))


async def redemption_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, now: datetime,
) -> None:
    parts = (command.args or "").split()
    redemption_id = _reward_id(parts[1]) if len(parts) == 2 and parts[0].lower() == "done" else None
    if redemption_id is None:
        _reply(out, message, _("rw-redemption-usage"))
        return
    outcome = await service.mark_done(session, redemption_id, profile.id, now)
    if outcome is None:
        _reply(out, message, _("rw-redemption-unknown", id=redemption_id))
        return
    state, user_id, reward = outcome
    if state != "done":
        _reply(out, message, _("rw-redemption-already", id=redemption_id))
        return
    await people.record_audit(session, actor_id=profile.id, action="redemption.done", now=now,
                              target=str(redemption_id), details=str(user_id))
    _reply(out, message, _("rw-redemption-done", id=redemption_id, reward=reward))
    member = await people.get_user(session, user_id)
    member_ = Translator(app.texts, language_for(member.language_code if member else None,
                                                 app.settings.default_language))
    out.message(user_id, member_("rw-redemption-member", id=redemption_id, reward=reward), thread_id=None)


def create_router() -> Router:
    router = Router(name="rewards")
    router.message.register(reward_command, Command("reward"), IsStaff())
    router.message.register(rewards_command, Command("rewards"))
    router.message.register(redemptions_command, Command("redemptions"), IsStaff())
    router.message.register(redemption_command, Command("redemption"), IsStaff())
    router.callback_query.register(reward_button, RewardCb.filter())
    return router




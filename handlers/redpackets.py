"""Red packets (抢红包): /redpacket, the grab button, password packets, /budget, /redpacket_schedule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import ledger, people
from bot.services import redpackets as service
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Translator, lines, plain_names, shorten
from bot.views import redpackets as packets
from bot.views.redpackets import GrabCb, RedPackets
from games import redpacket as rules
from games.checkin import is_checkin_word
from games.errors import DomainError, InsufficientPoints
from games.inputs import parse_id
from games.points import MAX_MOVEMENT, Reason, budget_key, packet_command_key
from games.types import Role
from handlers.filters import GROUP_TYPES, IsStaff

LIST_ROWS = 30  # a staff list stays one message


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _packet_error(_: Translator, error: DomainError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    return _(error.key, **params)


# ---- /redpacket --------------------------------------------------------------------------------

async def redpacket_command(
    message: Message, command: CommandObject, app: App, red_packets: RedPackets, session: AsyncSession,
    out: Outbox, _: Translator, profile: Profile, role: Role, group: GroupInfo | None, now: datetime,
) -> None:
    if message.chat.type == "private":
        _reply(out, message, _("rp-group-only"))
        return
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    if not command.args:
        _reply(out, message, _("rp-usage"))
        return
    try:
        spec = rules.parse_packet(command.args.split())
    except rules.PacketError as error:
        _reply(out, message, _packet_error(_, error) + "\n" + _("rp-usage"))
        return
    funded_by_shop = role.is_staff
    funder = ledger.SHOP_ACCOUNT if funded_by_shop else profile.id
    if not funded_by_shop and await service.open_count(session, group.chat_id, funder) >= rules.MAX_OPEN_PER_MEMBER:
        _reply(out, message, _("rp-too-many-open", max=rules.MAX_OPEN_PER_MEMBER))
        return
    try:
        created = await service.create_packet(
            session, chat_id=group.chat_id, funder_id=funder, actor_id=profile.id, spec=spec,
            source_key=packet_command_key(message.chat.id, message.message_id), now=now, rng=red_packets.rng,
        )
    except InsufficientPoints as error:
        key = "rp-budget-short" if funded_by_shop else "rp-balance-short"
        _reply(out, message, _(key, balance=int(error.params.get("balance", 0)), total=spec.total))  # type: ignore[call-overload]
        return
    if not created.new:  # the same update delivered twice
        return
    packet_id = created.packet.id
    assert packet_id is not None
    if funded_by_shop:
        await people.record_audit(session, actor_id=profile.id, action="redpacket.send", now=now,
                                  chat_id=group.chat_id, target=f"rp:{packet_id}", details=command.args)
    out.after_commit(lambda: packets.post(app, red_packets, packet_id))


# ---- grabbing ---------------------------------------------------------------------------------

def _grab_popup(_: Translator, outcome: service.Grabbed | DomainError) -> tuple[str, bool]:
    if isinstance(outcome, service.Grabbed):
        key = "rp-grabbed-last" if outcome.last else "rp-grabbed"
        return _(key, amount=outcome.amount, balance=outcome.balance), False
    return _packet_error(_, outcome), False


async def _grab(app: App, red_packets: RedPackets, packet_id: int, chat_id: int, user_id: int, now: datetime,
                today: date, *, by_password: bool = False) -> service.Grabbed | DomainError:
    board = red_packets.board
    refusal = board.refusal(packet_id, user_id)
    if refusal is not None:
        return refusal
    try:
        outcome: service.Grabbed | DomainError = await app.db.submit(
            service.GRAB_OP, service.GrabRequest(packet_id, chat_id, user_id, now, today, by_password))
    except rules.GrabRefused as refused:
        outcome = refused
    board.record(packet_id, user_id, outcome)
    if isinstance(outcome, service.Grabbed):
        packets.schedule_refresh(app, red_packets, packet_id)
    return outcome


async def grab_button(
    query: CallbackQuery, callback_data: GrabCb, app: App, red_packets: RedPackets, out: Outbox, _: Translator,
    profile: Profile, now: datetime, today: date,
) -> None:
    if query.message is None or query.message.chat.type not in GROUP_TYPES:
        out.popup(_("rp-no-such-packet"))
        return
    outcome = await _grab(app, red_packets, callback_data.id, query.message.chat.id, profile.id, now, today)
    text, alert = _grab_popup(_, outcome)
    out.popup(text, alert=alert)
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if red_packets.board.needs_adoption(callback_data.id, message_id):  # a copy whose post timed out, or an orphan
        out.after_commit(lambda: packets.adopt(app, red_packets, callback_data.id, chat_id, message_id))


class PacketPassword(Filter):
    """A group message that is the password of one of the group's open password packets."""

    async def __call__(self, message: Message, red_packets: RedPackets) -> bool | dict[str, Any]:
        if message.chat.type not in GROUP_TYPES or not message.text or is_checkin_word(message.text):
            return False  # the check-in words always check in, whatever an older packet's password
        packet_ids = red_packets.board.password_packets(message.chat.id, message.text)
        return {"packet_ids": packet_ids} if packet_ids else False


def _grab_line(group_: Translator, items: list[tuple[str, service.Grabbed | DomainError]]) -> str:
    rows = []
    for full_name, outcome in items:
        name = shorten(full_name, LIST_NAME)
        if isinstance(outcome, service.Grabbed):
            rows.append(group_("rp-line-grabbed", name=name, amount=outcome.amount))
        elif isinstance(outcome, rules.NotInSegment):
            rows.append(group_("rp-line-not-in-segment", name=name, segment=str(outcome.params.get("segment", ""))))
        else:
            rows.append(group_("rp-line-not-eligible", name=name))
    return lines(*rows)


async def password_grab(
    message: Message, packet_ids: list[int], app: App, red_packets: RedPackets, out: Outbox, group_: Translator,
    profile: Profile, now: datetime, today: date,
) -> None:
    # Several open packets may share a password: the oldest one this member has not grabbed yet.
    for packet_id in packet_ids:
        outcome = await _grab(app, red_packets, packet_id, message.chat.id, profile.id, now, today, by_password=True)
        if not isinstance(outcome, rules.AlreadyGrabbed | rules.AllGone | rules.Expired):
            break
    # Typing the password again, or after the packets are gone, does nothing more.
    if isinstance(outcome, service.Grabbed | rules.NotEligible):
        out.group_line(message.chat.id, f"rp:{packet_id}", (profile.display_name, outcome),
                       lambda items: _grab_line(group_, items), key=profile.id,
                       fallback=lambda items: plain_names([name for name, _outcome in items]))


# ---- /budget ----------------------------------------------------------------------------------

async def budget_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, role: Role, now: datetime,
) -> None:
    parts = (command.args or "").split()
    if not parts:
        balance = await ledger.balance_of(session, ledger.SHOP_ACCOUNT)
        _reply(out, message, _("budget-show", balance=balance))
        return
    if parts[0].lower() != "add" or len(parts) != 2:
        _reply(out, message, _("budget-usage"))
        return
    if role is not Role.OWNER:
        _reply(out, message, _("owner-only"))
        return
    text = parts[1]
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_MOVEMENT:
        _reply(out, message, _("budget-bad-amount", value=shorten(text, ECHO), max=MAX_MOVEMENT))
        return
    amount = int(text)
    await ledger.ensure_shop_account(session, now)
    moved = await ledger.move(session, user_id=ledger.SHOP_ACCOUNT, amount=amount, reason=Reason.BUDGET,
                              key=budget_key(message.chat.id, message.message_id), now=now, actor_id=profile.id)
    if not moved.duplicate:
        await people.record_audit(session, actor_id=profile.id, action="budget.add", now=now,
                                  chat_id=message.chat.id, details=str(amount))
    _reply(out, message, _("budget-added", amount=amount, balance=moved.balance_after))


# ---- /redpacket_schedule ----------------------------------------------------------------------

async def schedule_command(
    message: Message, command: CommandObject, session: AsyncSession, out: Outbox, _: Translator,
    profile: Profile, group: GroupInfo | None, today: date, now: datetime,
) -> None:
    if message.chat.type == "private":
        _reply(out, message, _("staff-group-only"))
        return
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    parts = (command.args or "").split()
    action = parts[0].lower() if parts else ""
    if action in ("", "list"):
        rows = await service.schedules(session, group.chat_id)
        rows_ = [_("rps-row", id=row.id or 0, when=_when(_, row.every, row.at, row.on), total=row.total,
                   shares=row.shares, options=shorten(row.options, 100)) for row in rows[:LIST_ROWS]]
        more = _("list-more", count=len(rows) - LIST_ROWS) if len(rows) > LIST_ROWS else None
        _reply(out, message, lines(_("rps-list", count=len(rows)), *(rows_ or [_("rps-none")]), more))
        return
    if action == "cancel":
        schedule_id = parse_id(parts[1]) if len(parts) == 2 else None
        if schedule_id is None:
            _reply(out, message, _("rps-usage"))
            return
        if not await service.cancel_schedule(session, schedule_id, group.chat_id):
            _reply(out, message, _("rps-unknown", id=schedule_id))
            return
        await people.record_audit(session, actor_id=profile.id, action="redpacket.unschedule", now=now,
                                  chat_id=group.chat_id, target=str(schedule_id))
        _reply(out, message, _("rps-cancelled", id=schedule_id))
        return
    try:
        drop = rules.parse_schedule(parts, today)
    except rules.PacketError as error:
        _reply(out, message, _packet_error(_, error) + "\n" + _("rps-usage"))
        return
    row = await service.add_schedule(session, chat_id=group.chat_id, schedule=drop, actor_id=profile.id, now=now)
    await people.record_audit(session, actor_id=profile.id, action="redpacket.schedule", now=now,
                              chat_id=group.chat_id, target=str(row.id), details=command.args)
    assert row.id is not None
    _reply(out, message, _("rps-added", id=row.id, when=_when(_, row.every, row.at, row.on),
                           total=row.total, shares=row.shares))


def _when(_: Translator, every: str, at: str, on: date | None) -> str:
    if every == str(rules.Every.DAILY):
        return _("rps-daily", at=at)
    return _("rps-once", on=on.isoformat() if on else "?", at=at)


def create_router() -> Router:
    router = Router(name="redpackets")
    router.message.register(redpacket_command, Command("redpacket"))
    router.message.register(budget_command, Command("budget"), IsStaff())
    router.message.register(schedule_command, Command("redpacket_schedule"), IsStaff())
    router.callback_query.register(grab_button, GrabCb.filter())
    router.message.register(password_grab, F.text, PacketPassword())
    return router


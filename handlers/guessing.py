"""Price guessing (猜价格): /guess, /guess_close, /guess_cancel, /guesses (staff, in the group); the
round opened in private chat through its deep link, guesses typed there or as a reply to the
round's post, and the personal invite link that earns another try."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import gate as gate_service
from bot.services import guessing as service
from bot.services import people
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Markup, Translator, escape, lines, shorten
from bot.views import guessing as view
from bot.views import rights as bot_rights
from bot.views.guessing import InviteCb
from games import guessing as rules
from games.errors import DomainError
from games.inputs import parse_id
from games.points import guess_command_key
from games.rights import Feature
from handlers.checkin import is_checkin_word
from handlers.filters import GROUP_TYPES, IsStaff

log = logging.getLogger(__name__)

LIST_ROWS = 30  # a staff list stays one message
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
START_PAYLOAD = re.compile(rf"^{view.DEEP_LINK_PREFIX}(\d{{1,9}})$")
INVITE_NAME = 32  # Telegram's limit for an invite link's name


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _error(_: Translator, error: DomainError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else str(v) if k == "id" else v
              for k, v in error.params.items() if isinstance(v, int | str)}
    return _(error.key, **params)


# ---- staff: /guess ----------------------------------------------------------------------------

async def guess_command(
    message: Message, command: CommandObject, app: App, bot: Bot, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, group: GroupInfo | None, now: datetime,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    if not command.args:
        _reply(out, message, _("guess-usage"))
        return
    try:
        spec = rules.parse_round(command.args, now, app.settings.tz)
    except rules.GuessError as error:
        _reply(out, message, lines(_error(_, error), _("guess-usage")))
        return
    photo = message.photo[-1].file_id if message.photo else None
    created = await service.create_round(session, chat_id=group.chat_id, actor_id=profile.id, spec=spec, photo=photo,
                                         source_key=guess_command_key(message.chat.id, message.message_id), now=now)
    if not created.new:  # the same update delivered twice
        return
    round_id = created.round_id
    await people.record_audit(session, actor_id=profile.id, action="guess.start", now=now, chat_id=group.chat_id,
                              target=service.ref_of(round_id), details=command.args)
    name = await bot_rights.bot_name(bot)
    confirmation = _("guess-created", id=str(round_id), product=spec.product, price=view.price_text(app, spec.price),
                     until=view.local(app, spec.deadline))
    opened = _("guess-created-group", id=str(round_id))
    exposed = _("guess-price-exposed", id=str(round_id), how=bot_rights.how_to_grant(_, (Feature.CLEANUP,), name))
    chat_id, message_id, staff_id = message.chat.id, message.message_id, profile.id

    async def publish() -> None:
        # The command shows the price: it must not stay readable in the group.
        if not await app.sender.delete(chat_id, message_id):
            await app.sender.send_message(chat_id, exposed, reply_to_message_id=message_id)
        await view.post(app, round_id)
        if await app.sender.send_message(staff_id, confirmation) is None:  # never started the bot
            await app.sender.send_message(chat_id, opened)

    out.after_commit(publish)


# ---- staff: /guess_close, /guess_cancel, /guesses --------------------------------------------

async def _staff_round(message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
                       _: Translator, group: GroupInfo | None, usage: str) -> int | None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return None
    round_id = parse_id(command.args)
    if round_id is None or len((command.args or "").split()) != 1:
        _reply(out, message, _(usage))
        return None
    round_row = await service.get(session, round_id)
    if round_row is None or round_row.chat_id != group.chat_id or round_row.status != service.OPEN:
        _reply(out, message, _("guess-unknown", id=str(round_id)))
        return None
    return round_id


async def close_command(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                        _: Translator, profile: Profile, group: GroupInfo | None, now: datetime) -> None:
    round_id = await _staff_round(message, command, session, out, _, group, "guess-close-usage")
    if round_id is None or group is None:
        return
    closed = await service.close(session, round_id, now, early=True)
    if closed is None:
        _reply(out, message, _("guess-unknown", id=str(round_id)))
        return
    await people.record_audit(session, actor_id=profile.id, action="guess.close", now=now, chat_id=group.chat_id,
                              target=service.ref_of(round_id), details=f"paid {closed.paid}")
    out.after_commit(lambda: view.announce(app, round_id))


async def cancel_command(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                         _: Translator, profile: Profile, group: GroupInfo | None, now: datetime) -> None:
    round_id = await _staff_round(message, command, session, out, _, group, "guess-cancel-usage")
    if round_id is None or group is None:
        return
    if not await service.cancel(session, round_id, group.chat_id, now):
        _reply(out, message, _("guess-unknown", id=str(round_id)))
        return
    await people.record_audit(session, actor_id=profile.id, action="guess.cancel", now=now, chat_id=group.chat_id,
                              target=service.ref_of(round_id))
    out.after_commit(lambda: view.announce(app, round_id))


async def list_command(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                       _: Translator, group: GroupInfo | None) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    if command.args:
        _reply(out, message, _("guesses-usage"))
        return
    rows, total = await service.of_group(session, group.chat_id, LIST_ROWS)
    if not rows:
        _reply(out, message, _("guesses-none"))
        return
    made = await service.counts(session, [r.id for r in rows])
    listed = []
    for row in rows:
        guesses, players = made.get(row.id, (0, 0))
        when = view.local(app, row.deadline if row.status == service.OPEN else row.closed_at or row.deadline)
        listed.append(_("guesses-row", id=str(row.id), product=shorten(row.product, view.PRODUCT_IN_LIST),
                        state=_(f"guess-state-{row.status}"), guesses=guesses, players=players, when=when))
    more = _("list-more", count=total - LIST_ROWS) if total > LIST_ROWS else None
    _reply(out, message, lines(_("guesses-list", count=total), *listed, more))


# ---- members: the round in private chat -------------------------------------------------------

async def _is_member(app: App, bot: Bot, chat_id: int, user_id: int) -> bool:
    async with app.db.reader() as reader:
        if await service.in_group(reader, chat_id, user_id):
            return True
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("getChatMember(%s, %s) for a guess: %s", chat_id, user_id, exc)
        return False
    return member.status in MEMBER_STATUSES or (member.status == "restricted" and bool(getattr(member, "is_member", 0)))


async def open_round(message: Message, command: CommandObject, app: App, bot: Bot, out: Outbox, _: Translator,
                     profile: Profile, now: datetime) -> None:
    """``/start guess_<id>``: show the round, the member's tries left, and take guesses from here on."""
    match = START_PAYLOAD.fullmatch(command.args or "")
    assert match is not None
    round_id = int(match.group(1))
    async with app.db.reader() as reader:
        round_row = await service.get(reader, round_id)
    if round_row is None:
        out.message(message.chat.id, _("guess-no-such-round", id=str(round_id)))
        return
    if round_row.status != service.OPEN or now >= round_row.deadline:
        out.message(message.chat.id, _("guess-round-over", id=str(round_id)))
        return
    # Asked before the transaction starts (never hold one across an API call).
    if not await _is_member(app, bot, round_row.chat_id, profile.id):
        group = app.directory.group(round_row.chat_id)
        out.message(message.chat.id, _("guess-not-member", title=group.title if group else "?"))
        return
    async with app.db.session() as session:
        player = await service.focus(session, round_id, profile.id, now)
    assert player is not None
    text = view.intro(app, _, round_row, player)
    markup = view.invite_markup(_, round_id) if view.wants_invite(round_row, player) else None
    if round_row.photo:
        photo, chat_id = round_row.photo, message.chat.id
        out.after_commit(lambda: app.sender.send_photo(chat_id, photo, caption=text, reply_markup=markup))
    else:
        out.message(message.chat.id, text, reply_markup=markup)


class AwaitingGuess(Filter):
    """A private, non-command text from a member who opened an open round (and whose join request
    is not waiting for a password: that answer belongs to the gate; nor a check-in word)."""

    async def __call__(self, message: Message, app: App) -> bool | dict[str, int]:
        if message.from_user is None or not message.text or message.text.startswith("/") \
                or is_checkin_word(message.text):  # 签到 in private still checks in
            return False
        async with app.db.reader() as reader:
            round_id = await service.focused_round(reader, message.from_user.id)
            if round_id is None or await gate_service.awaiting_password(reader, message.from_user.id) is not None:
                return False
        return {"round_id": round_id}


async def _guess(app: App, session: AsyncSession, _: Translator, round_id: int, user_id: int, text: str,
                 source_key: str, now: datetime, out: Outbox) -> tuple[str, Any]:
    """Take one guess; returns what to tell the member (and the invite button, if any)."""
    round_row = await service.get(session, round_id)
    if round_row is None:
        return _("guess-no-such-round", id=str(round_id)), None
    try:
        cents = rules.parse_price(text)
    except rules.BadPrice as error:
        return lines(_error(_, error), _("guess-costs-nothing")), None
    try:
        accepted = await service.submit_guess(session, round_id=round_id, user_id=user_id, cents=cents,
                                              source_key=source_key, now=now)
    except service.NoTriesLeft as refused:
        offer = view.wants_invite(round_row, await service.player(session, round_id, user_id))
        text_ = lines(_error(_, refused), _("guess-invite-offer", invites=round_row.invites) if offer else None)
        return text_, view.invite_markup(_, round_id) if offer else None
    except rules.GuessError as refused:
        return _error(_, refused), None
    if accepted.won and not accepted.repeated:
        out.after_commit(lambda: view.announce(app, round_id))
    offer = not accepted.won and accepted.player is not None and view.wants_invite(round_row, accepted.player)
    markup = view.invite_markup(_, round_id) if offer else None
    return view.answer(app, _, round_row, accepted), markup


async def private_guess(message: Message, round_id: int, app: App, session: AsyncSession, out: Outbox,
                        _: Translator, profile: Profile, now: datetime) -> None:
    text, markup = await _guess(app, session, _, round_id, profile.id, message.text or "",
                                f"{message.chat.id}:{message.message_id}", now, out)
    out.message(message.chat.id, text, reply_markup=markup)


class ReplyToRound(Filter):
    """A group message answering an open round's post with something that looks like a price."""

    async def __call__(self, message: Message, app: App) -> bool | dict[str, int]:
        reply = message.reply_to_message
        text = message.text or message.caption or ""
        if message.chat.type not in GROUP_TYPES or reply is None or message.from_user is None \
                or not any(c.isdigit() for c in text) or text.startswith("/") or len(text) > rules.MAX_GUESS_TEXT:
            return False
        async with app.db.reader() as reader:
            round_id = await service.by_message(reader, message.chat.id, reply.message_id)
        return {"round_id": round_id} if round_id is not None else False


async def group_guess(message: Message, round_id: int, app: App, bot: Bot, session: AsyncSession, out: Outbox,
                      _: Translator, group_: Translator, profile: Profile, now: datetime) -> None:
    """A guess typed in the group as a reply to the round's post: taken, deleted (it would show the
    others a price), and answered privately — or briefly in the group if the member never started
    the bot."""
    text, markup = await _guess(app, session, _, round_id, profile.id, message.text or message.caption or "",
                                f"{message.chat.id}:{message.message_id}", now, out)
    chat_id, message_id, user_id = message.chat.id, message.message_id, profile.id
    thread = message.message_thread_id if message.is_topic_message else None  # a forum topic: answer there
    name = profile.display_name
    me = await bot.me()
    how = bot_rights.how_to_grant(group_, (Feature.CLEANUP,), f"@{me.username}")
    link = view.deep_link(me.username or "", round_id)

    async def tidy_and_answer() -> None:
        if not await app.sender.delete(chat_id, message_id):
            app.coalescer.add(chat_id, "guess-undeletable", None,
                              lambda _items: group_("guess-group-cannot-delete", how=how), thread_id=thread)
        if await app.sender.send_message(user_id, text, reply_markup=markup) is None:
            def render(names: list[str]) -> str:
                shown = Markup(", ".join(escape(shorten(n, LIST_NAME)) for n in names))
                return group_("guess-group-start-bot", link=link, names=shown)

            app.coalescer.add(chat_id, "guess-start-bot", name, render, key=user_id, thread_id=thread)

    out.after_commit(tidy_and_answer)


# ---- members: invite a friend for another try ------------------------------------------------------

async def invite_button(query: CallbackQuery, callback_data: InviteCb, app: App, bot: Bot, out: Outbox,
                        _: Translator, profile: Profile, now: datetime) -> None:
    round_id = callback_data.id
    if not 0 < round_id < 2**31:  # a forged button
        out.popup(_("guess-no-such-round", id=str(round_id)))
        return
    async with app.db.reader() as reader:
        round_row = await service.get(reader, round_id)
        player = await service.player(reader, round_id, profile.id)
        link = await service.link_of(reader, round_id, profile.id)
    if round_row is None or round_row.status != service.OPEN or now >= round_row.deadline:
        out.popup(_("guess-round-over", id=str(round_id)))
        return
    if round_row.invites == 0:
        out.popup(_("guess-invite-off"))
        return
    if player is None or player.left > 0:
        out.popup(_("guess-invite-not-yet"))
        return
    if not player.may_earn:
        out.popup(_("guess-invite-maxed"))
        return
    if link is None:
        # Asked before the transaction starts (never hold one across an API call). The link asks to
        # join, so the friend passes the group's entry thresholds before counting.
        try:
            made = await bot.create_chat_invite_link(
                round_row.chat_id, name=shorten(f"guess {round_id} · {profile.display_name}", INVITE_NAME),
                creates_join_request=True)
        except TelegramAPIError as exc:
            log.warning("guess round %s: no invite link for %s: %s", round_id, profile.id, exc)
            out.popup(_("guess-invite-failed"), alert=True)
            return
        async with app.db.session() as session:
            link = await service.save_link(session, round_id, profile.id, made.invite_link, now)
        if link != made.invite_link:  # a second press raced this one: its link stands
            chat_id, loser = round_row.chat_id, made.invite_link
            out.after_commit(lambda: bot.revoke_chat_invite_link(chat_id, loser))
    out.popup(_("guess-invite-popup"))
    chat_id = query.from_user.id
    out.message(chat_id, _("guess-invite-link", id=str(round_id), link=link, max=round_row.invites, bonus=player.bonus))


def create_router() -> Router:
    router = Router(name="guessing")
    in_group = F.chat.type.in_(GROUP_TYPES)
    router.message.register(guess_command, Command("guess"), IsStaff(), in_group)
    router.message.register(close_command, Command("guess_close"), IsStaff(), in_group)
    router.message.register(cancel_command, Command("guess_cancel"), IsStaff(), in_group)
    router.message.register(list_command, Command("guesses"), IsStaff(), in_group)
    router.message.register(open_round, CommandStart(deep_link=True, magic=F.args.regexp(START_PAYLOAD)),
                            F.chat.type == "private")
    router.message.register(private_guess, F.chat.type == "private", AwaitingGuess())
    router.message.register(group_guess, ReplyToRound())
    router.callback_query.register(invite_button, InviteCb.filter())
    return router

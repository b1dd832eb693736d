"""Product votes (投票): /vote, the option buttons, /vote_close, /vote_cancel, /votes, /vote_results."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import people
from bot.services import votes as service
from bot.texts import ECHO, Translator, lines, shorten
from bot.views import votes as views
from bot.views.votes import VoteCb, Votes
from games import votes as rules
from games.inputs import parse_id
from games.points import vote_command_key
from handlers.filters import GROUP_TYPES, IsStaff

LIST_ROWS = 20  # /votes stays one message


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def _error(_: Translator, error: rules.VoteError) -> str:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    return _(error.key, **params)


# ---- /vote -----------------------------------------------------------------------------------------

async def vote_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    profile: people.Profile, group: GroupInfo | None, now: datetime,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    if not (command.args or "").strip():
        _reply(out, message, _("vote-usage"))
        return
    try:
        spec = rules.parse_vote(command.args or "", now, app.settings.tz)
    except rules.VoteError as error:
        _reply(out, message, _error(_, error) + "\n" + _("vote-usage"))
        return
    created = await service.create_vote(session, chat_id=group.chat_id, actor_id=profile.id, spec=spec,
                                        source_key=vote_command_key(message.chat.id, message.message_id), now=now)
    if not created.new:  # the same update delivered twice
        return
    await people.record_audit(session, actor_id=profile.id, action="vote.start", now=now, chat_id=group.chat_id,
                              target=service.ref_of(created.vote_id), details=command.args)
    vote_id = created.vote_id
    out.after_commit(lambda: views.post(app, vote_id))


# ---- tapping an option -------------------------------------------------------------------------

async def vote_button(
    query: CallbackQuery, callback_data: VoteCb, app: App, votes: Votes, session: AsyncSession, out: Outbox,
    _: Translator, profile: people.Profile, now: datetime,
) -> None:
    if query.message is None or query.message.chat.type not in GROUP_TYPES \
            or not 0 < callback_data.id <= rules.MAX_ID or not 1 <= callback_data.o <= rules.MAX_OPTIONS:
        out.popup(_("vote-no-such"))  # not a group, or a forged button
        return
    try:
        cast = await service.cast(session, vote_id=callback_data.id, chat_id=query.message.chat.id,
                                  user_id=profile.id, option=callback_data.o, tap_id=query.id, now=now)
    except rules.VoteRefused as refused:
        # Only the member who tapped sees the popup: a buyers-only refusal explains itself privately.
        out.popup(_(refused.key), alert=isinstance(refused, rules.NotABuyer))
        return
    out.popup(views.tap_answer(_, cast))
    if cast.changed:
        vote_id = cast.vote_id

        async def later() -> None:
            views.schedule_refresh(app, votes, vote_id)

        out.after_commit(later)


# ---- staff: close, cancel, list, results ---------------------------------------------------------

def _vote_id(out: Outbox, message: Message, _: Translator, command: CommandObject, usage: str) -> int | None:
    vote_id = parse_id(command.args)
    if vote_id is None:
        _reply(out, message, _(usage))
    return vote_id


async def _why_not(session: AsyncSession, out: Outbox, message: Message, _: Translator, vote_id: int,
                   chat_id: int) -> None:
    vv = await service.view(session, vote_id)
    if vv is None or vv.vote.chat_id != chat_id:
        _reply(out, message, _("vote-unknown", id=vote_id))
    else:
        _reply(out, message, _("vote-not-open", id=vote_id, state=_(f"vote-state-{vv.vote.status}")))


async def close_command(
    message: Message, command: CommandObject, app: App, votes: Votes, session: AsyncSession, out: Outbox,
    _: Translator, profile: people.Profile, group: GroupInfo | None, now: datetime,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    vote_id = _vote_id(out, message, _, command, "vote-close-usage")
    if vote_id is None:
        return
    closed = await service.close(session, vote_id, now, by=profile.id, chat_id=group.chat_id)
    if closed is None:
        await _why_not(session, out, message, _, vote_id, group.chat_id)
        return
    await people.record_audit(session, actor_id=profile.id, action="vote.close", now=now, chat_id=group.chat_id,
                              target=service.ref_of(vote_id), details=f"voters={closed.voters} paid={closed.paid}")
    out.after_commit(lambda: views.announce(app, votes, vote_id))


async def cancel_command(
    message: Message, command: CommandObject, app: App, votes: Votes, session: AsyncSession, out: Outbox,
    _: Translator, profile: people.Profile, group: GroupInfo | None, now: datetime,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    vote_id = _vote_id(out, message, _, command, "vote-cancel-usage")
    if vote_id is None:
        return
    if not await service.cancel(session, vote_id, group.chat_id, now, by=profile.id):
        await _why_not(session, out, message, _, vote_id, group.chat_id)
        return
    await people.record_audit(session, actor_id=profile.id, action="vote.cancel", now=now, chat_id=group.chat_id,
                              target=service.ref_of(vote_id))
    _reply(out, message, _("vote-cancelled-done", id=vote_id))
    out.after_commit(lambda: views.refresh_now(app, votes, vote_id))


async def list_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    group: GroupInfo | None,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    if (command.args or "").strip():
        _reply(out, message, _("vote-list-usage"))
        return
    listed, total = await service.list_votes(session, group.chat_id, LIST_ROWS)
    _reply(out, message, views.list_rows(app, _, listed, total))


async def results_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox, _: Translator,
    group: GroupInfo | None,
) -> None:
    vote_id = _vote_id(out, message, _, command, "vote-results-usage")
    if vote_id is None:
        return
    vv = await service.view(session, vote_id)
    in_group = message.chat.type != "private"
    if vv is None or (in_group and (group is None or vv.vote.chat_id != group.chat_id)):
        _reply(out, message, _("vote-unknown", id=vote_id))
        return
    text = views.render(app, _, vv, results=True, staff=True)
    if vv.vote.status == service.OPEN:
        text = lines(text, views.outcome(_, vv), _("vote-results-running"))
    _reply(out, message, text)


def create_router() -> Router:
    router = Router(name="votes")
    router.message.register(vote_command, Command("vote"), IsStaff())
    router.message.register(close_command, Command("vote_close"), IsStaff())
    router.message.register(cancel_command, Command("vote_cancel"), IsStaff())
    router.message.register(list_command, Command("votes"), IsStaff())
    router.message.register(results_command, Command("vote_results"), IsStaff())
    router.callback_query.register(vote_button, VoteCb.filter())
    return router

"""The broadcast engine's staff commands — /broadcasts (recent broadcasts), /broadcast ID (a delivery
report), /broadcast cancel ID — and who has started the bot: any private message from a member tells
the engine they can be messaged (a write only the first time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import deliveries as service
from bot.services import people
from bot.services.people import Profile
from bot.texts import ECHO, Translator, shorten
from bot.views import broadcasts as views
from bot.views.broadcasts import Broadcasts
from games.inputs import parse_id
from handlers.filters import IsStaff


async def _seen(handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], event: TelegramObject,
                data: dict[str, Any]) -> Any:
    """Outer middleware: a private message from a person means they have started the bot; a group's
    message is the newest the bot knows of there."""
    if isinstance(event, Message):
        if event.chat.type == "private" and event.from_user is not None and not event.from_user.is_bot:
            state: Broadcasts | None = data.get("broadcasts")
            if state is not None:
                state.seen_private(data["app"], event.from_user.id)
        elif event.chat.type != "private":
            data["app"].sender.note_message(event.chat.id, event.message_id)
    return await handler(event, data)


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


async def broadcasts_command(message: Message, app: App, session: AsyncSession, out: Outbox, _: Translator) -> None:
    rows = await service.recent(session, limit=views.RECENT)
    _reply(out, message, views.recent_text(app, _, rows))


async def broadcast_command(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                            _: Translator) -> None:
    args = (command.args or "").strip()
    if not args:
        _reply(out, message, _("bc-usage"))
        return
    broadcast_id = parse_id(args.lstrip("#"))
    if broadcast_id is None:
        _reply(out, message, _("bc-bad-id", value=shorten(args, ECHO)) + "\n" + _("bc-usage"))
        return
    found = await service.report(session, broadcast_id)
    if found is None:
        _reply(out, message, _("bc-unknown", id=broadcast_id))
        return
    _reply(out, message, views.report_text(app, _, found))


async def broadcast_cancel_command(message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
                                   _: Translator, profile: Profile, now: datetime) -> None:
    rest = (command.args or "").strip()[len("cancel"):].strip()
    broadcast_id = parse_id(rest.lstrip("#")) if rest else None
    if broadcast_id is None:
        _reply(out, message, (_("bc-bad-id", value=shorten(rest, ECHO)) + "\n" if rest else "") + _("bc-usage"))
        return
    cancelled = await service.cancel(session, broadcast_id, now=now)
    if cancelled is None:
        _reply(out, message, _("bc-unknown", id=broadcast_id))
        return
    await people.record_audit(session, actor_id=profile.id, action="broadcast.cancel", now=now,
                              target=f"bc:{broadcast_id}", details=str(cancelled))
    _reply(out, message, _("bc-cancelled", id=broadcast_id, count=cancelled))


def create_router() -> Router:
    router = Router(name="broadcasts")
    router.message.outer_middleware(_seen)
    router.message.register(broadcasts_command, Command("broadcasts"), IsStaff(), flags=READS_ONLY)
    router.message.register(broadcast_cancel_command,
                            Command("broadcast", magic=F.args.regexp(r"(?i)^\s*cancel(\s|$)")), IsStaff())
    router.message.register(broadcast_command, Command("broadcast"), IsStaff(), flags=READS_ONLY)
    return router

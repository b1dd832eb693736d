"""Update middlewares: throttling, who-is-who, one transaction per update, delivery after commit."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update
from aiogram.types import User as TgUser

from bot.app import App
from bot.outbox import Outbox
from bot.services.people import PROFILE_OP, Profile, SeenProfile
from bot.texts import Translator, language_for
from games.checkin import local_day
from games.inputs import lower_command, strip_controls

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InputMiddleware(BaseMiddleware):
    """The boundary for what people type: control characters are removed from a message's text and
    caption (PostgreSQL refuses some, nobody can type any), and a command is read in lowercase
    (``/CheckIn`` is ``/checkin``) before any filter or handler sees the message."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message):
            changes = {}
            for name in ("text", "caption"):
                value = getattr(event, name)
                if value:
                    clean = lower_command(strip_controls(value))
                    if clean != value:
                        changes[name] = clean
            if changes:
                event = event.model_copy(update=changes)
        return await handler(event, data)


class DuplicateUpdateMiddleware(BaseMiddleware):
    """Drops an update whose ``update_id`` was already seen: Telegram delivers an update again when
    its answer to getUpdates (or the webhook call) timed out, and the copy must change nothing —
    no second line, message or popup. Remembers the latest ``size`` ids (ids only grow)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        if event.update_id in self._seen:
            log.info("update %s delivered again: ignored", event.update_id)
            return None
        self._seen[event.update_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return await handler(event, data)


class ThrottleMiddleware(BaseMiddleware):
    """Drops a user's flood (more than ``rate`` updates per ``per`` seconds), telling them once."""

    def __init__(self, rate: int = 8, per: float = 4.0, max_users: int = 100_000) -> None:
        self.rate = rate
        self.per = per
        self.max_users = max_users
        # user -> (tokens, stamp, warned), least recently seen first (a dict keeps insertion order).
        self._buckets: dict[int, tuple[float, float, bool]] = {}

    def _allow(self, user_id: int) -> tuple[bool, bool]:
        now = time.monotonic()
        tokens, stamp, warned = self._buckets.pop(user_id, (float(self.rate), now, False))
        tokens = min(float(self.rate), tokens + (now - stamp) * self.rate / self.per)
        if tokens >= 1:
            self._buckets[user_id] = (tokens - 1, now, False)
            allowed, warn = True, False
        else:
            self._buckets[user_id] = (tokens, now, True)
            allowed, warn = False, not warned
        if len(self._buckets) > self.max_users:
            del self._buckets[next(iter(self._buckets))]
        return allowed, warn

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: TgUser | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        app: App = data["app"]
        if app.directory.role(user.id).is_staff:  # staff at work are not a flood
            return await handler(event, data)
        allowed, warn = self._allow(user.id)
        if allowed:
            return await handler(event, data)
        lang = language_for(user.language_code, app.settings.default_language)
        if isinstance(event, CallbackQuery):
            await app.sender.answer_callback(event.id, app.texts(lang, "throttled"), show_alert=False)
        elif warn and isinstance(event, Message) and event.chat.type == "private":
            await app.sender.send_message(event.chat.id, app.texts(lang, "throttled"))
        log.info("throttled user %s", user.id)
        return None


def _profile(user: TgUser) -> Profile:
    return Profile(user.id, user.first_name or "", user.last_name, user.username, user.language_code, user.is_bot)


TELEGRAM_SERVICE_ID = 777000  # forwards from a linked channel arrive "from" this account


def _not_a_person(message: Message, user: TgUser) -> bool:
    """Messages sent as a chat (anonymous admins, channels), automatic channel forwards, and
    other bots: none of them is a customer, so none of them earns or spends anything."""
    return (message.sender_chat is not None or bool(message.is_automatic_forward) or user.is_bot
            or user.id == TELEGRAM_SERVICE_ID)


class ContextMiddleware(BaseMiddleware):
    """Who is speaking, where, in which language; saves new or changed profiles (cached)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        app: App = data["app"]
        user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        now = app.clock.now()
        await app.directory.ensure_fresh(app.db)
        group = app.directory.group(chat.id) if chat is not None and chat.type != "private" else None
        data["now"] = now
        data["today"] = local_day(now, app.settings.tz)
        data["group"] = group
        group_lang = language_for(group.language if group else None, app.settings.default_language)
        data["group_"] = Translator(app.texts, group_lang)
        if user is None:
            data["_"] = data["group_"]
            return await handler(event, data)
        if isinstance(event, Message) and (event.migrate_to_chat_id or event.migrate_from_chat_id):
            return await handler(event, data)  # a group upgraded to a supergroup: no one to save or answer
        if isinstance(event, Message) and _not_a_person(event, user):
            if event.sender_chat is not None and event.sender_chat.id == event.chat.id \
                    and (event.text or "").startswith("/"):
                # An anonymous group admin: we cannot tell who they are, so we cannot check the role.
                await app.sender.send_message(event.chat.id, data["group_"]("anonymous-admin"),
                                              reply_to_message_id=event.message_id)
            return None
        profile = _profile(user)
        group_id = group.chat_id if group else None
        if not user.is_bot and app.directory.needs_saving(profile, group_id):
            await app.db.submit(PROFILE_OP, SeenProfile(profile, now, group_id))
            app.directory.saved(profile, group_id)
        data["profile"] = profile
        data["role"] = app.directory.role(user.id)
        data["_"] = Translator(app.texts, language_for(user.language_code, app.settings.default_language))
        return await handler(event, data)


def topic_of(event: TelegramObject) -> tuple[int, int] | None:
    """(chat, forum thread) of a message in a forum topic, or of the message under a tapped button."""
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id is not None:
        return message.chat.id, message.message_thread_id
    return None


# Handler flag for a handler that only reads: ``router.message.register(h, ..., flags=READS_ONLY)``.
# It gets a read snapshot as ``session`` (``app.db.reader()``): on SQLite it never takes (or waits
# for) the write lock, on PostgreSQL the transaction is READ ONLY, so a stray write fails loudly.
DB_FLAG = "db"
READS_ONLY = {DB_FLAG: "read"}


class TransactionMiddleware(BaseMiddleware):
    """One database session and transaction per update; replies go out after the commit.

    A handler that does not ask for ``session`` gets none (a grab goes through the group committer);
    one flagged :data:`READS_ONLY` gets a read snapshot; any other gets a write transaction."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        app: App = data["app"]
        out = Outbox(callback_id=event.id if isinstance(event, CallbackQuery) else None, origin=topic_of(event))
        data["out"] = out
        target = data.get("handler")
        if target is not None and not target.varkw and "session" not in target.params:
            # A handler that does not ask for a session does not pay for one: a stampede of taps
            # opens no transactions here.
            result = await handler(event, data)
        else:
            opened = app.db.reader() if get_flag(data, DB_FLAG) == "read" else app.db.session()
            try:
                async with opened as session:
                    data["session"] = session
                    result = await handler(event, data)
            finally:
                data.pop("session", None)
        await out.deliver(app.sender, app.coalescer)
        return result

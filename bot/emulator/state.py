"""What Telegram knows and does for one bot: the world, the updates it is owed, the Bot API methods.

:class:`TelegramState` holds users, chats and messages, turns what users do into updates, and
answers Bot API calls (``call(method, params)``) with Telegram's results and errors, flood limits
included. It knows nothing of HTTP: :class:`bot.emulator.server.BotAPIEmulator` serves it, long
polling included, to the real bot.

The class is composed of one mixin per area over :class:`bot.emulator.core.StateCore` (the shared
state and checks): :mod:`~bot.emulator.world_actions` (building the world, what users do),
:mod:`~bot.emulator.faults` (injected failures), and the Bot API methods by area —
:mod:`~bot.emulator.api_updates` (getMe, webhooks, the update queue), :mod:`~bot.emulator.api_messages`
(sends, edits, deletes, pins, polls, callback answers), :mod:`~bot.emulator.api_members` (chats,
members, join requests, invite links, bans) and :mod:`~bot.emulator.api_commands` (command menus).
A method ``_api_<name>`` on any of them answers the Bot API method ``<name>``. Here: ``call``, which
dispatches a request (and fires injected faults), and the inspection helpers tests read.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.api_commands import CommandsApi
from bot.emulator.api_members import MembersApi
from bot.emulator.api_messages import MessagesApi
from bot.emulator.api_updates import UpdatesApi
from bot.emulator.core import ApiError, Params
from bot.emulator.faults import FAULT_TEXTS, ConnectionAbort, FaultsApi
from bot.emulator.world import StoredMessage
from bot.emulator.world_actions import WorldActions


class TelegramState(WorldActions, FaultsApi, UpdatesApi, MessagesApi, MembersApi, CommandsApi):
    """The Bot API of one bot, with the world around it (no HTTP: see ``BotAPIEmulator``).

    ``privacy_mode=True`` delivers only what a bot with privacy mode on receives in groups where it
    is not an administrator: commands, and replies to its own messages.
    """

    def call(self, method: str, params: Params) -> Any:
        """Answer the Bot API ``method`` (any case) with ``params``; raises :class:`ApiError`, or
        :class:`ConnectionAbort` for an injected network failure."""
        handler = self._handlers.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        fault = self._take_fault(method, params)
        if fault is None:
            return handler(params)
        if fault.error == "network":
            raise ConnectionAbort(method, performed=False, delay=fault.delay)
        if fault.error == "timeout_after_success":
            handler(params)
            raise ConnectionAbort(method, performed=True, delay=fault.delay)
        code = int(fault.error)
        if code == 429:
            seconds = fault.retry_after if fault.retry_after is not None else 1
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        default = FAULT_TEXTS.get(code, "Error")
        description = fault.description or default
        if code in (400, 403) and not description.startswith(default):
            description = f"{default}: {description}"
        raise ApiError(code, description)

    # ---- inspection ----------------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[StoredMessage]:
        """Every message the bot sent (as it stands now, deleted ones included), oldest first."""
        found = self._sent if chat_id is None else self._sent_by_chat.get(chat_id, [])
        if method is not None:
            return [m for m in found if m.method == method]
        return list(found)

    def received(self) -> dict[int, int]:
        """How many messages the bot posted into each chat (deleted ones included): a chat that got a
        broadcast twice shows 2."""
        return {chat_id: len(found) for chat_id, found in self._sent_by_chat.items() if found}

    def messages(self, chat_id: int) -> list[StoredMessage]:
        """The chat as users see it now: everyone's messages, edits applied, deleted ones gone."""
        return [m for m in self._messages.get(chat_id, {}).values() if not m.deleted]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self._messages[chat_id][message_id]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """The updates queued for the bot and not yet confirmed, oldest first."""
        return [queued.update for queued in self._queue]

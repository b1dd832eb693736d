"""What Telegram knows and does for one bot: the world, the updates it is owed, the Bot API methods.

:class:`TelegramState` holds users, chats and messages, turns what users do into updates, and
answers Bot API calls (``call(method, params)``) with Telegram's results and errors, flood limits
included. It knows nothing of HTTP: :class:`bot.emulator.server.BotAPIEmulator` serves it, long
polling included, to the real bot.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from bot.emulator.html_check import HtmlError, parse_html, utf16_len
from bot.emulator.limits import RateWatch
from bot.emulator.world import (
    ADMIN_RIGHTS,
    BOT_COMMAND,
    MEMBER_STATUSES,
    PRESENT,
    ApiCall,
    EmuChat,
    EmuTopic,
    EmuUser,
    RateViolation,
    StoredMessage,
    UploadedFile,
)

log = logging.getLogger(__name__)

Params = dict[str, Any]
Event = dict[str, Any]
Handler = Callable[[Params], Any]

# Fields aiogram sends as JSON strings (every object- or list-valued parameter of the Bot API).
JSON_FIELDS = frozenset({
    "reply_markup", "reply_parameters", "link_preview_options", "entities", "caption_entities", "commands",
    "scope", "allowed_updates", "options", "question_entities", "explanation_entities", "permissions",
    "menu_button", "media", "message_ids", "reaction", "results", "input_message_content", "prices",
    "rights", "suggested_post_parameters", "text_entities", "button",
})
# Update types delivered when the bot never asked for specific ones (or asked for []).
DEFAULT_UPDATES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
    "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
})
# An inline button must do something.
BUTTON_ACTIONS = frozenset({
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
})
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
DELETE_WINDOW = 48 * 3600  # a bot deletes messages only within 48 hours of their sending
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
VALID_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
MAX_CALLBACK_TEXT = 200  # the popup of answerCallbackQuery
CALLBACK_TTL = 15.0
JOIN_REQUEST_WINDOW = 300.0  # seconds a bot may message a join-request applicant who never started it
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
MIGRATED = "group chat was upgraded to a supergroup chat"
RESTRICTED_RIGHTS = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                     "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                     "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages", "can_edit_tag",
                     "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics")


class ConnectionAbort(Exception):
    """The HTTP connection is dropped instead of answered: the client sees a network error.
    ``performed``: the method was carried out first (a request that reached Telegram, then timed out)."""

    def __init__(self, method: str, *, performed: bool, delay: float = 0.0) -> None:
        super().__init__(method)
        self.method = method
        self.performed = performed
        self.delay = delay


@dataclasses.dataclass
class Fault:
    """One injected failure (see :meth:`TelegramState.inject`)."""

    method: str  # lower-case Bot API method name, or "*" for any method
    error: int | str  # an HTTP error code, "network" (connection dropped) or "timeout_after_success"
    times: int
    retry_after: int | None = None
    description: str | None = None
    chat_id: int | None = None
    user_id: int | None = None
    delay: float = 0.0

    def matches(self, method: str, params: Params) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        return self.user_id is None or str(params.get("user_id")) == str(self.user_id)


# Telegram's wording for the errors tests inject most.
FAULT_TEXTS = {400: "Bad Request", 403: "Forbidden", 409: "Conflict", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                    "the webhook first")


class ApiError(Exception):
    """An error answer: HTTP status ``code``, Telegram's ``description`` and optional ``parameters``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def bool_param(params: Params, key: str, default: bool = False) -> bool:
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1")


def int_param(params: Params, key: str, default: int | None = None) -> int:
    value = params.get(key)
    if value is None or value == "":
        if default is None:
            raise bad_request(f"{key} is empty")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {key} specified") from None


@dataclasses.dataclass
class _Queued:
    update: dict[str, Any]
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next((key for key in self.update if key != "update_id"), "")


class TelegramState:
    """The Bot API of one bot, with the world around it (no HTTP: see ``BotAPIEmulator``).

    ``privacy_mode=True`` delivers only what a bot with privacy mode on receives in groups where it
    is not an administrator: commands, and replies to its own messages.
    """

    def __init__(self, *, token: str = "123456:TEST-TOKEN", bot_username: str = "regulars_bot",
                 bot_first_name: str = "Regulars", enforce_limits: bool = False, privacy_mode: bool = False) -> None:
        head, _, _ = token.partition(":")
        if not head.isdigit():
            raise ValueError("token must look like 123456:SECRET")
        self.token = token
        self.bot_id = int(head)
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": not privacy_mode,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.enforce_limits = enforce_limits
        self.privacy_mode = privacy_mode
        self.clock_offset = 0.0  # seconds Telegram's clock runs ahead of real time (see advance_clock)
        # The world.
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self.invite_links: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, dict[str, Any]] = {}
        # What happened.
        self.calls: list[ApiCall] = []
        self.edits: list[StoredMessage] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.rate_violations: list[RateViolation] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.join_request_decisions: list[tuple[int, int, str]] = []
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.pinned: dict[int, list[int]] = {}  # chat id -> pinned message ids, the latest last
        self.last_update: dict[str, Any] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._sent: list[StoredMessage] = []
        self._sent_by_chat: dict[int, list[StoredMessage]] = defaultdict(list)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._user_ids = itertools.count(1001)
        self._chat_numbers = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)
        self._file_ids: dict[str, str] = {}
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._pending_joins: set[tuple[int, int]] = set()
        # Telegram lets a bot message a user who sent a join request (through user_chat_id) for
        # JOIN_REQUEST_WINDOW seconds, even if the user never started the bot.
        self._join_windows: dict[int, float] = {}
        self._join_dates: dict[tuple[int, int], int] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._open_callbacks: dict[str, tuple[float, int]] = {}  # id -> (pressed at, user id)
        # Updates not yet confirmed by the bot, and the types it asked for.
        self._queue: list[_Queued] = []
        self._allowed: frozenset[str] = DEFAULT_UPDATES
        self._limits = RateWatch()
        self._listeners: list[Callable[[Event], None]] = []
        self._handlers: dict[str, Handler] = {
            name.removeprefix("_api_"): getattr(self, name) for name in dir(self) if name.startswith("_api_")
        }
        # Wall-clock time (Unix seconds) of the emulated Telegram, read through now(): message and
        # join-request dates, the 5-minute messaging window. Tests may point it at their manual clock.
        self.clock: Callable[[], float] = time.time
        self.faults: list[Fault] = []
        self.webhook_url = ""

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

    # ---- fault injection ----------------------------------------------------------------------------

    def inject(self, method: str, error: int | str = 429, *, retry_after: int | None = None, times: int = 1,
               chat_id: int | None = None, user_id: int | None = None, description: str | None = None) -> Fault:
        """Make the next ``times`` calls of ``method`` (any case; "*" for every method) fail.

        ``error``: an HTTP code answered the way Telegram answers it — 429 with ``retry_after``
        seconds (default 1) in ``parameters``; 500/502/503/504 with Telegram's wording; 400/403
        with ``description`` (e.g. ``"CHAT_ADMIN_REQUIRED"`` becomes "Bad Request:
        CHAT_ADMIN_REQUIRED") — or ``"network"``: the connection is dropped without an answer and
        nothing is carried out. ``chat_id``/``user_id`` restrict the fault to calls with those
        parameters. Works on any method, getUpdates included (served by the HTTP layer).
        Returns the fault; ``fault.times`` counts down as it fires.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if isinstance(error, str) and error != "network":
            raise ValueError("error must be an HTTP code or 'network'")
        fault = Fault(method.lower() if method != "*" else "*", error, times, retry_after, description, chat_id,
                      user_id)
        self.faults.append(fault)
        return fault

    def inject_timeout_after_success(self, method: str, *, times: int = 1, chat_id: int | None = None,
                                     delay: float = 0.0) -> Fault:
        """The next ``times`` calls of ``method`` are carried out (a message is posted, a request
        approved…), then the HTTP response is held ``delay`` seconds and the connection dropped:
        the client sees a network error (a timeout) although Telegram did the work. The call is
        recorded in ``calls`` as succeeded."""
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method.lower(), "timeout_after_success", times, chat_id=chat_id, delay=delay)
        self.faults.append(fault)
        return fault

    def _take_fault(self, method: str, params: Params) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(method, params):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _changed(self, *, new_update: bool = False) -> None:
        """Hook: the state changed (``new_update``: an update was queued). The server wakes its waiters."""

    # ---- world building ---------------------------------------------------------------------------

    def create_user(self, first_name: str, last_name: str | None = None, username: str | None = None,
                    language_code: str | None = "en", *, is_bot: bool = False) -> EmuUser:
        """A new user (ids count up from 1001) and their private chat with the bot."""
        user = EmuUser(next(self._user_ids), first_name, last_name, username, language_code, is_bot)
        self.users[user.id] = user
        self.chats[user.id] = EmuChat(user.id, "private", user=user)
        return user

    def create_group(self, title: str, members: Iterable[EmuUser] = (), admins: Iterable[EmuUser] = (),
                     bot_is_admin: bool = True, *, owner: EmuUser | None = None, username: str | None = None,
                     supergroup: bool = True) -> EmuChat:
        """A supergroup (id -1001000000001, -1001000000002…) with the bot in it; ``supergroup=False``
        makes a basic group (id -100000001…)."""
        number = next(self._chat_numbers)
        chat_id = -(1001000000000 + number) if supergroup else -(100000000 + number)
        chat = EmuChat(chat_id, "supergroup" if supergroup else "group", title=title, username=username,
                       bot_status="administrator" if bot_is_admin else "member")
        for user in members:
            chat.members[user.id] = "member"
        for user in admins:
            chat.members[user.id] = "administrator"
        if owner is not None:
            chat.members[owner.id] = "creator"
        self.chats[chat_id] = chat
        return chat

    def create_channel(self, title: str, members: Iterable[EmuUser] = (), *, username: str | None = None,
                       bot_is_admin: bool = True, owner: EmuUser | None = None) -> EmuChat:
        """A channel (id -1002000000001…); the bot posts in it only as an administrator."""
        chat_id = -(1002000000000 + next(self._chat_numbers))
        chat = EmuChat(chat_id, "channel", title=title, username=username,
                       bot_status="administrator" if bot_is_admin else "member")
        for user in members:
            chat.members[user.id] = "member"
        if owner is not None:
            chat.members[owner.id] = "creator"
        self.chats[chat_id] = chat
        return chat

    def add_member(self, chat: EmuChat, user: EmuUser, status: str = "member") -> None:
        """Set ``user``'s status in ``chat``: member, administrator, creator, restricted, left or kicked."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        if chat.type == "private":
            raise ValueError("private chats have no members to add")
        chat.members[user.id] = status

    def set_bot_admin(self, chat: EmuChat, admin: bool) -> None:
        """Promote or demote the bot (silently: no my_chat_member update; see push_my_chat_member)."""
        chat.bot_status = "administrator" if admin else "member"

    def set_bot_rights(self, chat: EmuChat, **rights: bool) -> None:
        """Grant or withdraw the bot's administrator rights in ``chat`` (e.g. ``can_invite_users=False``),
        silently like :meth:`set_bot_admin`; the bot becomes an administrator if it was not one.
        Rights not named keep their values (all granted by default)."""
        self._check_rights(rights)
        if chat.type == "private":
            raise ValueError("a private chat has no administrators")
        chat.bot_status = "administrator"
        chat.bot_rights.update(rights)

    @staticmethod
    def _check_rights(rights: dict[str, bool]) -> None:
        unknown = set(rights) - set(ADMIN_RIGHTS)
        if unknown:
            raise ValueError(f"unknown administrator rights: {sorted(unknown)}")

    def now(self) -> int:
        """Telegram's clock (Unix seconds): ``clock()`` (real time, or a test's manual clock) plus what
        :meth:`advance_clock` added. Message dates, join-request dates and their windows use it."""
        return int(self.clock() + self.clock_offset)

    def advance_clock(self, seconds: float) -> None:
        """Move Telegram's clock forward: messages already sent grow older (deleteMessage's 48 hours)."""
        if seconds < 0:
            raise ValueError("Telegram's clock does not run backwards")
        self.clock_offset += seconds

    def upgrade_to_supergroup(self, chat: EmuChat, by: EmuUser | None = None, *, notify: bool = True,
                              new_first: bool = False) -> EmuChat:
        """Telegram upgrades basic group ``chat`` to a supergroup with a new id (near 200 members, made
        public, some admin rights set…). Everything addressed to the old id then fails with 400
        ``group chat was upgraded to a supergroup chat`` and ``parameters.migrate_to_chat_id``.

        ``notify``: the bot gets the two service messages (``migrate_to_chat_id`` in the old chat,
        ``migrate_from_chat_id`` in the new one; ``new_first`` swaps their order); without it the
        bot learns of the upgrade only from a failing call."""
        if chat.type != "group" or chat.migrated_to is not None:
            raise ValueError(f"{chat.title} is not a basic group")
        new_id = -(1001000000000 + next(self._chat_numbers))
        new = EmuChat(new_id, "supergroup", title=chat.title, username=chat.username, members=dict(chat.members),
                      bot_status=chat.bot_status, bot_rights=dict(chat.bot_rights))
        self.chats[new_id] = new
        chat.migrated_to = new_id
        actor = by.to_dict() if by is not None else self._someone_in(chat)
        to_old = self._store(chat, actor, service={"migrate_to_chat_id": new_id})
        to_new = self._store(new, actor, service={"migrate_from_chat_id": chat.id})
        self._emit({"type": "migration", "chat_id": chat.id, "new_chat_id": new_id})
        if notify and chat.bot_present:
            pair = [(chat, to_old), (new, to_new)]
            for where, message in reversed(pair) if new_first else pair:
                self.push_update({"message": message.to_dict(where)})
        return new

    def enable_topics(self, chat: EmuChat) -> None:
        """Turn ``chat`` (a supergroup) into a forum; its General topic is open."""
        if chat.type != "supergroup":
            raise ValueError("only supergroups have topics")
        chat.is_forum = True

    def create_topic(self, chat: EmuChat, name: str, by: EmuUser | None = None) -> int:
        """A new forum topic in ``chat``; returns its ``message_thread_id`` (the id of the service
        message that created it, as on Telegram)."""
        if not chat.is_forum:
            raise ValueError(f"{chat.title} has no topics")
        actor = by.to_dict() if by is not None else self._someone_in(chat)
        created = self._store(chat, actor, service={"forum_topic_created": {"name": name, "icon_color": 7322096}})
        created.thread_id = created.message_id
        chat.topics[created.message_id] = EmuTopic(created.message_id, name)
        return created.message_id

    def close_topic(self, chat: EmuChat, thread_id: int | None, closed: bool = True) -> None:
        """Close (or reopen) a topic; ``thread_id=None`` is the General topic. Only admins with
        ``can_manage_topics`` post in a closed topic."""
        if thread_id is None:
            chat.general_closed = closed
        else:
            chat.topics[thread_id].closed = closed

    def delete_topic(self, chat: EmuChat, thread_id: int) -> None:
        del chat.topics[thread_id]

    def chat(self, chat_id: int) -> EmuChat:
        return self.chats[chat_id]

    def user(self, user_id: int) -> EmuUser:
        return self.users[user_id]

    def on_event(self, callback: Callable[[Event], None]) -> None:
        """Call ``callback(event)`` for every user action and everything the bot says.

        Event types: user_message, button, join_request, poll_answer, my_chat_member, bot_message,
        bot_edit, bot_edit_markup, bot_delete, callback_answer, join_decision.
        """
        self._listeners.append(callback)

    # ---- pushing updates (what users do) ----------------------------------------------------------

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates. An ``update_id`` already in ``raw`` is kept (Telegram
        delivering the same update twice); otherwise the next id is assigned."""
        update = dict(raw)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._queue.append(_Queued(update))
        self.last_update = update
        self._changed(new_update=True)
        return update

    def user_sends(self, user: EmuUser, text: str, chat: EmuChat | None = None,
                   reply_to_message_id: int | None = None, thread_id: int | None = None) -> dict[str, Any]:
        """``user`` writes ``text`` in ``chat`` (None: their private chat with the bot); returns the update.

        A private message marks the user as having started the bot. A message the bot would not
        receive (a group it is not in; privacy mode) is stored in the chat but not delivered.
        """
        target = chat or self.chats[user.id]
        if target.type == "channel":
            raise ValueError("users do not write in channels")
        if target.type == "private":
            if target.id != user.id:
                raise ValueError("a user writes only in their own private chat with the bot")
            user.started_bot = True
            if user.blocked_bot:
                self.user_blocks_bot(user, blocked=False)
        else:
            status = target.status_of(user.id)
            if status in ("kicked", "restricted"):
                raise ValueError(f"{user.full_name} is {status} in {target.title} and cannot write there")
            if status == "left":
                target.members[user.id] = "member"
            if target.migrated_to is not None:
                raise ValueError(f"{target.title} is now supergroup {target.migrated_to}: write there")
            if thread_id is not None and thread_id not in target.topics:
                raise ValueError(f"no topic {thread_id} in {target.title}")
            closed = target.topics[thread_id].closed if thread_id is not None else target.general_closed
            if target.is_forum and closed and status not in ("creator", "administrator"):
                raise ValueError(f"the topic is closed: {user.full_name} cannot write there")
        reply_to = self._messages[target.id].get(reply_to_message_id) if reply_to_message_id is not None else None
        entities = None
        command = BOT_COMMAND.match(text)
        if command:
            entities = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        message = self._store(target, user.to_dict(), text=text, plain=text, entities=entities,
                              reply_to=reply_to_message_id, thread_id=thread_id)
        self._emit({"type": "user_message", "from_name": user.full_name, "user_id": user.id, "chat_id": target.id,
                    "message_id": message.message_id, "text": text})
        update = {"message": message.to_dict(target, reply_to=reply_to)}
        if not self._bot_receives(target, text, reply_to):
            log.debug("not delivered to the bot: %r in %s", text, target.id)
            return {"update_id": next(self._update_ids), **update}
        return self.push_update(update)

    def user_sends_document(self, user: EmuUser, file_name: str, content: bytes, caption: str | None = None,
                            chat: EmuChat | None = None, mime_type: str = "text/csv") -> dict[str, Any]:
        """``user`` sends a file (with an optional ``caption``, e.g. a command) in ``chat`` (None:
        their private chat); the bot can fetch it with getFile and the file URL."""
        target = chat or self.chats[user.id]
        if target.type == "private":
            if target.id != user.id:
                raise ValueError("a user writes only in their own private chat with the bot")
            user.started_bot = True
        file_id = f"BQACAgIAAxkBAAI{secrets.token_hex(10)}"
        suffix = file_name[file_name.rfind("."):] if "." in file_name else ""
        self.files[file_id] = (f"documents/file_{len(self.files)}{suffix}", content)
        document = {"file_id": file_id, "file_unique_id": file_id[-12:], "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(content)}
        entities = None
        command = BOT_COMMAND.match(caption or "")
        if command:
            entities = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        message = self._store(target, user.to_dict(), caption=caption, plain=caption, entities=entities,
                              document=document)
        self._emit({"type": "user_message", "from_name": user.full_name, "user_id": user.id, "chat_id": target.id,
                    "message_id": message.message_id, "text": f"[{file_name}] {caption or ''}".strip()})
        return self.push_update({"message": message.to_dict(target)})

    def file_content(self, file_path: str) -> bytes | None:
        for path, content in self.files.values():
            if path == file_path:
                return content
        return None

    def press_button(self, user: EmuUser, message_id: int, chat: EmuChat, data: str) -> str:
        """``user`` taps an inline button with callback ``data`` under the bot's message; returns the
        callback query id (answer it within 15 s, once)."""
        message = self._messages[chat.id].get(message_id)
        if message is None or message.deleted:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        if not message.from_bot:
            raise ValueError(f"message {message_id} in chat {chat.id} is not the bot's")
        cq_id = f"{self.bot_id}{next(self._callback_ids):010d}"
        self._open_callbacks[cq_id] = (time.monotonic(), user.id)
        label = next((b.get("text", "") for b in message.buttons() if b.get("callback_data") == data), data)
        self._emit({"type": "button", "from_name": user.full_name, "user_id": user.id, "chat_id": chat.id,
                    "message_id": message_id, "data": data, "button": label})
        reply_to = self._messages[chat.id].get(message.reply_to) if message.reply_to is not None else None
        self.push_update({"callback_query": {
            "id": cq_id, "from": user.to_dict(), "chat_instance": str(abs(chat.id) * 7 + self.bot_id), "data": data,
            "message": message.to_dict(chat, reply_to=reply_to),
        }})
        return cq_id

    def push_join_request(self, user: EmuUser, chat: EmuChat, invite_link: str | None = None, *,
                          date: int | None = None) -> dict[str, Any]:
        """``user`` asks to join ``chat`` (through ``invite_link`` if given); the bot may approve or decline.

        As on Telegram, the bot receives the request only in a supergroup (or channel) where it is an
        administrator with ``can_invite_users``; otherwise it waits for a human admin (the update is
        returned but not delivered).

        ``date`` (Unix seconds, default: now by ``clock``) is when the user asked: an update the bot
        receives late (downtime, a backlog) carries an old date, and the 5-minute window in which
        the bot may write to the applicant runs from it."""
        # A user's requests to one chat have distinct dates (Telegram's clock ticks between them).
        asked = self.now() if date is None else date
        date = max(asked, self._join_dates.get((chat.id, user.id), 0) + 1)
        self._join_dates[(chat.id, user.id)] = date
        request: dict[str, Any] = {"chat": chat.to_dict(), "from": user.to_dict(), "user_chat_id": user.id,
                                   "date": date}
        if invite_link is not None:
            request["invite_link"] = self.invite_links.get(invite_link) or {
                "invite_link": invite_link, "creator": self.bot_user, "creates_join_request": True,
                "is_primary": False, "is_revoked": False}
        self._pending_joins.add((chat.id, user.id))
        self._emit({"type": "join_request", "from_name": user.full_name, "user_id": user.id, "chat_id": chat.id})
        if chat.type not in ("supergroup", "channel") or not chat.bot_can("can_invite_users"):
            log.debug("join request of %s to %s not delivered: the bot cannot manage join requests there",
                      user.id, chat.id)
            return {"update_id": next(self._update_ids), "chat_join_request": request}
        self._join_windows[user.id] = max(self._join_windows.get(user.id, 0.0), date + JOIN_REQUEST_WINDOW)
        return self.push_update({"chat_join_request": request})

    def push_poll_answer(self, user: EmuUser, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
        """``user`` votes (an empty list retracts the vote) in the bot's poll ``poll_id``."""
        poll = self.polls.get(poll_id)
        persistent: list[str] = []
        if poll is not None:
            if poll["is_closed"]:
                raise ValueError(f"poll {poll_id} is closed")
            options = poll["options"]
            if any(not 0 <= i < len(options) for i in option_ids):
                raise ValueError(f"poll {poll_id} has {len(options)} options")
            persistent = [options[i]["persistent_id"] for i in option_ids]
            votes = self._poll_votes.setdefault(poll_id, {})
            for i in votes.pop(user.id, []):
                options[i]["voter_count"] -= 1
            for i in option_ids:
                options[i]["voter_count"] += 1
            if option_ids:
                votes[user.id] = list(option_ids)
            poll["total_voter_count"] = len(votes)
        self._emit({"type": "poll_answer", "from_name": user.full_name, "user_id": user.id, "poll_id": poll_id,
                    "option_ids": list(option_ids)})
        return self.push_update({"poll_answer": {"poll_id": poll_id, "user": user.to_dict(),
                                                 "option_ids": list(option_ids),
                                                 "option_persistent_ids": persistent}})

    def push_my_chat_member(self, chat: EmuChat, new_status: str, by: EmuUser | None = None,
                            **rights: bool) -> dict[str, Any]:
        """The bot's own status in ``chat`` changes (added, promoted, demoted, its rights changed,
        removed…) and it is told so. ``rights`` (e.g. ``can_invite_users=False``) change its
        administrator rights; rights not named keep their values."""
        if new_status not in MEMBER_STATUSES - {"creator"}:
            raise ValueError(f"the bot cannot become {new_status!r}")
        self._check_rights(rights)
        old, old_rights = chat.bot_status, dict(chat.bot_rights)
        chat.bot_status = new_status
        chat.bot_rights.update(rights)
        actor = by.to_dict() if by is not None else self._someone_in(chat)
        self._emit({"type": "my_chat_member", "chat_id": chat.id, "old": old, "new": new_status})
        return self.push_update({"my_chat_member": {
            "chat": chat.to_dict(), "from": actor, "date": self.now(),
            "old_chat_member": self._member_dict(self.bot_user, old, old_rights, chat),
            "new_chat_member": self._member_dict(self.bot_user, new_status, chat.bot_rights, chat),
        }})

    def push_channel_post(self, chat: EmuChat, text: str) -> dict[str, Any]:
        """The channel posts ``text`` (written by one of its admins); the bot receives it as a
        ``channel_post`` only if it is an administrator there."""
        if chat.type != "channel":
            raise ValueError("channel posts are made in channels")
        entities = None
        command = BOT_COMMAND.match(text)
        if command:
            entities = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        message = self._store(chat, chat.to_dict(), text=text, plain=text, entities=entities)
        data = message.to_dict(chat)
        data.pop("from", None)
        data["sender_chat"] = chat.to_dict()
        update = {"channel_post": data}
        if chat.bot_status not in ("administrator", "creator"):
            return {"update_id": next(self._update_ids), **update}
        return self.push_update(update)

    def user_blocks_bot(self, user: EmuUser, blocked: bool = True) -> dict[str, Any]:
        """``user`` blocks (or unblocks) the bot: sends to them then fail with 403."""
        user.blocked_bot = blocked
        chat = self.chats[user.id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return self.push_update({"my_chat_member": {
            "chat": chat.to_dict(), "from": user.to_dict(), "date": int(time.time()),
            "old_chat_member": self._member_dict(self.bot_user, old),
            "new_chat_member": self._member_dict(self.bot_user, new),
        }})

    # ---- inspection --------------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[StoredMessage]:
        """Every message the bot sent (as it stands now, deleted ones included), oldest first."""
        found = self._sent if chat_id is None else self._sent_by_chat.get(chat_id, [])
        if method is not None:
            return [m for m in found if m.method == method]
        return list(found)

    def messages(self, chat_id: int) -> list[StoredMessage]:
        """The chat as users see it now: everyone's messages, edits applied, deleted ones gone."""
        return [m for m in self._messages.get(chat_id, {}).values() if not m.deleted]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        return self._messages[chat_id][message_id]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """The updates queued for the bot and not yet confirmed, oldest first."""
        return [queued.update for queued in self._queue]

    # ---- helpers -----------------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("emulator event listener failed")

    def _someone_in(self, chat: EmuChat) -> dict[str, Any]:
        for status in ("creator", "administrator", "member"):
            for user_id, user_status in chat.members.items():
                if user_status == status and user_id in self.users:
                    return self.users[user_id].to_dict()
        if chat.user is not None:
            return chat.user.to_dict()
        return {"id": 777000, "is_bot": False, "first_name": "Telegram"}

    def _bot_receives(self, chat: EmuChat, text: str, reply_to: StoredMessage | None) -> bool:
        if chat.type == "private":
            return True
        if not chat.bot_present:
            return False
        if not self.privacy_mode or chat.bot_status in ("administrator", "creator"):
            return True
        command = BOT_COMMAND.match(text)
        if command and (command.group(1) is None or command.group(1)[1:].lower() == self.bot_username.lower()):
            return True
        return reply_to is not None and reply_to.from_bot

    def _chat_id(self, params: Params) -> int:
        value = params.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        text = str(value)
        if text.startswith("@"):
            name = text[1:].lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == name and chat.type != "private":
                    return chat.id
            raise bad_request("chat not found")
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None

    def _target(self, params: Params, *, posting: bool = True) -> EmuChat:
        """The chat addressed by ``chat_id``, refused the way Telegram refuses it."""
        chat = self.chats.get(self._chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(400, f"Bad Request: {MIGRATED}", {"migrate_to_chat_id": chat.migrated_to})
        if chat.type == "private":
            if posting and chat.user is not None:
                if chat.user.blocked_bot:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                window = self._join_windows.get(chat.user.id, 0.0)
                if not chat.user.started_bot and self.now() > window:
                    raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if posting and chat.type == "channel" and not chat.bot_can("can_post_messages"):
            raise bad_request("need administrator rights in the channel chat")
        return chat

    def _admin_target(self, params: Params, what: str, right: str | None = None) -> EmuChat:
        """The chat of an administrator's method: the bot needs ``right`` there (any right if None)."""
        chat = self._target(params, posting=False)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        if chat.bot_status not in ("administrator", "creator") or (right is not None and not chat.bot_can(right)):
            raise bad_request(f"not enough rights to {what}")
        return chat

    def _store(self, chat: EmuChat, sender: dict[str, Any], *, from_bot: bool = False, **fields: Any
               ) -> StoredMessage:
        message = StoredMessage(chat_id=chat.id, message_id=next(self._message_ids[chat.id]), date=self.now(),
                                sender=sender, from_bot=from_bot, t=time.monotonic(), **fields)
        self._messages[chat.id][message.message_id] = message
        if from_bot:
            self._sent.append(message)
            self._sent_by_chat[chat.id].append(message)
        return message

    def _bot_message(self, params: Params) -> tuple[EmuChat, StoredMessage]:
        """The bot's message addressed by chat_id and message_id, for an edit."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target(params, posting=False)
        if chat.type != "channel":
            chat = self._target(params)
        elif not (chat.bot_can("can_post_messages") or chat.bot_can("can_edit_messages")):
            raise bad_request("need administrator rights in the channel chat")
        message = self._messages[chat.id].get(int_param(params, "message_id"))
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _render(self, params: Params, key: str, *, what: str, limit: int,
                too_long: str | None = None) -> tuple[str, list[dict[str, Any]]]:
        """``(plain text, entities)`` of a text or caption, checked like Telegram checks it: the
        limit counts UTF-16 code units of the text after entity parsing (an emoji counts 2, ``&amp;``
        and tags count as what they show). ``too_long`` overrides the error (edits say MESSAGE_TOO_LONG)."""
        text = params.get(key)
        text = "" if text is None else str(text)
        parse_mode = str(params.get("parse_mode") or "")
        explicit = params.get(f"{key}_entities" if key == "caption" else "entities")
        if explicit:
            plain, entities = text, list(explicit)
        elif parse_mode.upper() == "HTML":
            try:
                plain, entities = parse_html(text)
            except HtmlError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            plain, entities = text.strip(), []
        if not plain and key == "text":
            raise bad_request(f"{what} is empty")
        if utf16_len(plain) > limit:
            raise bad_request(too_long or ("message is too long" if key == "text" else f"{what} is too long"))
        return plain, self._resolve_mentions(entities)

    def _resolve_mentions(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``<a href="tg://user?id=N">`` becomes a text_mention of user N, as on Telegram."""
        for i, entity in enumerate(entities):
            url = entity.get("url", "")
            if entity.get("type") == "text_link" and url.startswith("tg://user?id="):
                user_id = url.removeprefix("tg://user?id=")
                user = self.users.get(int(user_id)) if user_id.isdigit() else None
                if user is not None:
                    entities[i] = {"type": "text_mention", "offset": entity["offset"], "length": entity["length"],
                                   "user": user.to_dict()}
        return entities

    @staticmethod
    def _markup(params: Params) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
                if not BUTTON_ACTIONS & button.keys():
                    raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the "
                                      "inline keyboard")
        return markup

    def _limit(self, method: str, chat: EmuChat) -> None:
        """Check and count a post into ``chat`` against the flood limits."""
        now = time.monotonic()
        is_group = chat.is_group
        chat_id: int | None = chat.id if chat.type != "channel" else None
        excess = self._limits.check(chat_id, is_group, now)
        if excess is not None:
            self.rate_violations.append(RateViolation(method, chat.id, now, excess.rule))
            log.debug("rate limit: %s to %s breaks %s", method, chat.id, excess.rule)
            if self.enforce_limits:
                seconds = excess.retry_after
                raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._limits.record(chat_id, is_group, now)

    def _bot_sent(self, chat: EmuChat, message: StoredMessage, kind: str = "bot_message") -> None:
        self._emit({"type": kind, "chat_id": chat.id, "message_id": message.message_id,
                    "text": message.text if message.text is not None else message.caption,
                    "buttons": message.button_labels()})

    def _member_dict(self, user: dict[str, Any], status: str, rights: dict[str, bool] | None = None,
                     chat: EmuChat | None = None) -> dict[str, Any]:
        """The Bot API ``ChatMember`` object for ``status`` (an administrator with ``rights``; all if None)."""
        if status == "administrator":
            rights = {right: bool((rights or {}).get(right, rights is None)) for right in ADMIN_RIGHTS}
            if chat is not None:
                # Posting and editing are channel rights; pinning belongs to groups.
                drop = (("can_pin_messages", "can_manage_topics") if chat.type == "channel"
                        else ("can_post_messages", "can_edit_messages"))
                for right in drop:
                    rights.pop(right)
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    "can_promote_members": False, "can_post_stories": False, "can_edit_stories": False,
                    "can_delete_stories": False, **rights}
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status == "restricted":
            return {"status": "restricted", "user": user, "is_member": True, "until_date": 0,
                    **dict.fromkeys(RESTRICTED_RIGHTS, False)}
        return {"status": status, "user": user}

    def _file_id(self, source: Any, params: Params) -> str:
        """A file_id for a file sent as a file_id, a URL, or an upload (``attach://name`` or the field itself)."""
        if isinstance(source, str) and source.startswith("attach://"):
            source = params.get(source.removeprefix("attach://"))
            if not isinstance(source, UploadedFile):
                raise bad_request("wrong file identifier/HTTP URL specified")
        if isinstance(source, UploadedFile):
            return f"AgACAgIAAxkBAAI{secrets.token_hex(10)}"
        if not source:
            raise bad_request("there is no photo in the request")
        key = str(source)
        if key not in self._file_ids:
            self._file_ids[key] = key if not key.startswith(("http://", "https://")) else (
                f"AgACAgIAAxkBAAI{secrets.token_hex(10)}")
        return self._file_ids[key]

    # ---- Bot API: the bot and updates ---------------------------------------------------------------

    def _api_getme(self, params: Params) -> Any:
        return self.bot_user

    def _api_logout(self, params: Params) -> Any:
        return True

    def _api_close(self, params: Params) -> Any:
        return True

    def _api_setwebhook(self, params: Params) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_deletewebhook(self, params: Params) -> Any:
        self.webhook_url = ""
        if bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_getwebhookinfo(self, params: Params) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._queue)}

    def _confirm(self, offset: int) -> None:
        """Forget the updates the bot confirmed: those delivered with an id below ``offset``.

        An update pushed again with an old id (a duplicate) is still delivered once.
        """
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [q for q in self._queue if not (q.delivered and q.update["update_id"] < offset)]

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        kept: list[_Queued] = []
        for queued in self._queue:
            if queued.kind not in self._allowed:
                log.debug("dropped a %s update: not in allowed_updates", queued.kind)
                continue
            kept.append(queued)
            if len(batch) < limit:
                queued.delivered = True
                batch.append(queued.update)
        self._queue = kept
        return batch

    # ---- Bot API: messages ----------------------------------------------------------------------------

    def _send(self, method: str, params: Params, **fields: Any) -> Any:
        chat = self._target(params)
        reply_to_id = int_param(params, "reply_to_message_id", 0)
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to_id = int_param(reply_parameters, "message_id")
            if reply_parameters.get("chat_id") not in (None, chat.id, str(chat.id)):
                raise bad_request("replying to messages in other chats is not supported here")
        reply_to: StoredMessage | None = None
        if reply_to_id:
            reply_to = self._messages[chat.id].get(reply_to_id)
            if reply_to is not None and reply_to.deleted:
                reply_to = None
            allow = isinstance(reply_parameters, dict) and reply_parameters.get("allow_sending_without_reply")
            if reply_to is None and not (allow or bool_param(params, "allow_sending_without_reply")):
                raise bad_request("message to be replied not found")
        thread = self._thread(chat, params, reply_to)
        markup = self._markup(params)
        self._limit(method, chat)
        message = self._store(chat, self.bot_user, from_bot=True, reply_markup=markup,
                              parse_mode=params.get("parse_mode"), reply_to=reply_to.message_id if reply_to else None,
                              method=method, thread_id=thread, **fields)
        self._bot_sent(chat, message)
        return message.to_dict(chat, reply_to=reply_to)

    @staticmethod
    def _thread(chat: EmuChat, params: Params, reply_to: StoredMessage | None) -> int | None:
        """The forum topic a send goes to (a reply goes to its message's topic), refused the way
        Telegram refuses it: an unknown topic, or a closed one (General included)."""
        if chat.type == "private":
            return None
        thread = int_param(params, "message_thread_id", 0) or None
        if thread is None and reply_to is not None:
            thread = reply_to.thread_id
        if not chat.is_forum:
            if thread is not None:
                raise bad_request("message thread not found")
            return None
        if thread is not None and thread not in chat.topics:
            raise bad_request("message thread not found")
        closed = chat.topics[thread].closed if thread is not None else chat.general_closed
        may_post_closed = chat.bot_rights.get("can_manage_topics") and chat.bot_status in ("administrator", "creator")
        if closed and not may_post_closed:
            raise bad_request("TOPIC_CLOSED")
        return thread

    def _api_sendmessage(self, params: Params) -> Any:
        plain, entities = self._render(params, "text", what="message text", limit=MAX_TEXT)
        return self._send("sendMessage", params, text=str(params["text"]), plain=plain, entities=entities)

    def _api_sendphoto(self, params: Params) -> Any:
        caption, plain, entities = self._caption(params)
        file_id = self._file_id(params.get("photo"), params)
        return self._send("sendPhoto", params, caption=caption, plain=plain, entities=entities, photo=file_id)

    def _caption(self, params: Params) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        """``(caption as sent, as shown, entities)``; all empty when there is no caption."""
        if not params.get("caption"):
            return None, None, []
        plain, entities = self._render(params, "caption", what="message caption", limit=MAX_CAPTION)
        if not plain:
            return None, None, []
        return str(params["caption"]), plain, entities

    def _api_sendpoll(self, params: Params) -> Any:
        question = str(params.get("question") or "").strip()
        if not question:
            raise bad_request("poll question must be non-empty")
        if len(question) > 300:
            raise bad_request("poll question length must not exceed 300")
        options = [o if isinstance(o, str) else str(o.get("text", "")) for o in params.get("options") or []]
        if len(options) < 2:
            raise bad_request("poll must have at least 2 option")
        if len(options) > 12:
            raise bad_request("poll can't have more than 12 options")
        if any(not o.strip() or len(o) > 100 for o in options):
            raise bad_request("poll options length must not exceed 100")
        poll_id = str(5_000_000_000_000_000_000 + next(self._poll_ids))
        poll = {"id": poll_id, "question": question,
                "options": [{"persistent_id": str(i), "text": text, "voter_count": 0}
                            for i, text in enumerate(options)],
                "total_voter_count": 0, "is_closed": bool_param(params, "is_closed"),
                "is_anonymous": bool_param(params, "is_anonymous", True), "type": str(params.get("type") or "regular"),
                "allows_multiple_answers": bool_param(params, "allows_multiple_answers"),
                "allows_revoting": True, "members_only": False}
        result = self._send("sendPoll", params, poll=poll)
        self.polls[poll_id] = poll
        return result

    def _api_stoppoll(self, params: Params) -> Any:
        chat = self._target(params)
        message = self._messages[chat.id].get(int_param(params, "message_id"))
        if message is None or message.deleted or message.poll is None:
            raise bad_request("message with poll to stop not found")
        if not message.from_bot:
            raise bad_request("poll can't be stopped")
        if message.poll["is_closed"]:
            raise bad_request("poll has already been closed")
        self._limit("stopPoll", chat)
        message.poll["is_closed"] = True
        if "reply_markup" in params:
            message.reply_markup = self._markup(params)
        return message.poll

    def _api_editmessagetext(self, params: Params) -> Any:
        chat, message = self._bot_message(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        plain, entities = self._render(params, "text", what="message text", limit=MAX_TEXT,
                                       too_long="MESSAGE_TOO_LONG")
        markup = self._markup(params)
        if plain == message.plain and entities == (message.entities or []) and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self._limit("editMessageText", chat)
        self._edit(message, text=str(params["text"]), plain=plain, entities=entities, reply_markup=markup,
                   parse_mode=params.get("parse_mode"))
        self._bot_sent(chat, message, "bot_edit")
        return self._message_dict(chat, message)

    def _api_editmessagecaption(self, params: Params) -> Any:
        chat, message = self._bot_message(params)
        if message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption, plain, entities = self._caption(params)
        markup = self._markup(params)
        if plain == message.plain and entities == (message.entities or []) and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self._limit("editMessageCaption", chat)
        self._edit(message, caption=caption, plain=plain, entities=entities, reply_markup=markup,
                   parse_mode=params.get("parse_mode"))
        self._bot_sent(chat, message, "bot_edit")
        return self._message_dict(chat, message)

    def _api_editmessagereplymarkup(self, params: Params) -> Any:
        chat, message = self._bot_message(params)
        markup = self._markup(params)
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        self._limit("editMessageReplyMarkup", chat)
        self._edit(message, reply_markup=markup)
        self._bot_sent(chat, message, "bot_edit_markup")
        return self._message_dict(chat, message)

    def _edit(self, message: StoredMessage, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited = self.now()
        self.edits.append(dataclasses.replace(message))

    def _message_dict(self, chat: EmuChat, message: StoredMessage) -> dict[str, Any]:
        reply_to = self._messages[chat.id].get(message.reply_to) if message.reply_to is not None else None
        return message.to_dict(chat, reply_to=reply_to)

    def _api_deletemessage(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        message = self._messages[chat.id].get(int_param(params, "message_id"))
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        self._check_delete(chat, message)
        message.deleted = True
        self._emit({"type": "bot_delete", "chat_id": chat.id, "message_id": message.message_id})
        return True

    def _check_delete(self, chat: EmuChat, message: StoredMessage) -> None:
        """Telegram's rules for a bot deleting a message: its own, or (as an administrator with
        can_delete_messages) anyone's, and only within 48 hours of sending."""
        age = self.now() - message.date
        if chat.type in ("supergroup", "channel"):
            if age >= DELETE_WINDOW:
                raise bad_request("message can't be deleted")
            if chat.bot_can("can_delete_messages"):
                return
            if not message.from_bot:
                raise bad_request("message can't be deleted")
            if chat.type == "channel" and not chat.bot_can("can_post_messages"):
                raise bad_request("message can't be deleted")
            return
        # Private chats and basic groups: the bot's own messages (and anyone's in private chats,
        # or in a basic group where it is an administrator), "deleted for everyone" for 48 hours.
        allowed = message.from_bot or chat.type == "private" or chat.bot_status in ("administrator", "creator")
        if not allowed or age > DELETE_WINDOW:
            raise bad_request("message can't be deleted for everyone")

    def _api_pinchatmessage(self, params: Params) -> Any:
        chat = self._pin_target(params)
        message = self._messages[chat.id].get(int_param(params, "message_id"))
        if message is None or message.deleted:
            raise bad_request("message to pin not found")
        chat_pins = self.pinned.setdefault(chat.id, [])
        if message.message_id in chat_pins:
            chat_pins.remove(message.message_id)
        chat_pins.append(message.message_id)
        return True

    def _api_unpinchatmessage(self, params: Params) -> Any:
        chat = self._pin_target(params)
        chat_pins = self.pinned.get(chat.id, [])
        message_id = int_param(params, "message_id", 0) or (chat_pins[-1] if chat_pins else 0)
        if message_id not in chat_pins:
            raise bad_request("message to unpin not found")
        chat_pins.remove(message_id)
        return True

    def _pin_target(self, params: Params) -> EmuChat:
        chat = self._target(params, posting=False)
        # In a channel, pinning is part of editing messages.
        right = "can_edit_messages" if chat.type == "channel" else "can_pin_messages"
        if not chat.bot_can(right):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        return chat

    def _api_answercallbackquery(self, params: Params) -> Any:
        cq_id = str(params.get("callback_query_id") or "")
        opened = self._open_callbacks.get(cq_id)
        if opened is None or time.monotonic() - opened[0] > CALLBACK_TTL:
            self._open_callbacks.pop(cq_id, None)
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > MAX_CALLBACK_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")  # the query stays open: a valid answer may follow
        del self._open_callbacks[cq_id]
        answer = {"text": text, "show_alert": bool_param(params, "show_alert"), "url": params.get("url"),
                  "cache_time": int_param(params, "cache_time", 0), "user_id": opened[1], "t": time.monotonic()}
        self.callback_answers[cq_id] = answer
        user = self.users.get(opened[1])
        self._emit({"type": "callback_answer", "to_name": user.full_name if user else "?", "user_id": opened[1],
                    "callback_query_id": cq_id, "text": text, "show_alert": answer["show_alert"]})
        return True

    # ---- Bot API: chats and members -----------------------------------------------------------------

    def _api_getchat(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        return {**chat.to_dict(), "accent_color_id": abs(chat.id) % 7, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    def _api_getfile(self, params: Params) -> Any:
        file_id = str(params.get("file_id") or "")
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        path, content = stored
        if len(content) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(content), "file_path": path}

    def _members_visible(self, chat: EmuChat) -> None:
        """A channel shows its members only to its administrators."""
        if chat.type == "channel" and chat.bot_status not in ("administrator", "creator"):
            raise bad_request("member list is inaccessible")

    def _api_getchatmember(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        user_id = int_param(params, "user_id")
        self._members_visible(chat)
        if user_id == self.bot_id:
            if chat.type == "private":
                return self._member_dict(self.bot_user, "member")
            return self._member_dict(self.bot_user, chat.bot_status, chat.bot_rights, chat)
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        if chat.type == "private":
            if user_id != chat.id:
                raise bad_request("user not found")
            return self._member_dict(user.to_dict(), "member")
        return self._member_dict(user.to_dict(), chat.status_of(user_id))

    def _api_getchatadministrators(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        self._members_visible(chat)
        admins = [self._member_dict(self.users[uid].to_dict(), status) for uid, status in chat.members.items()
                  if status in ("creator", "administrator") and uid in self.users]
        if chat.bot_status == "administrator":
            admins.append(self._member_dict(self.bot_user, "administrator", chat.bot_rights, chat))
        return admins

    def _api_getchatmembercount(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        if chat.type == "private":
            return 2
        present = sum(1 for status in chat.members.values() if status in PRESENT)
        return present + (1 if chat.bot_present else 0)

    def _join_decision(self, params: Params, decision: str) -> Any:
        chat = self._admin_target(params, "manage chat join requests", "can_invite_users")
        user_id = int_param(params, "user_id")
        if (chat.id, user_id) not in self._pending_joins:
            if chat.status_of(user_id) in PRESENT:
                raise bad_request("USER_ALREADY_PARTICIPANT")
            raise bad_request("HIDE_REQUESTER_MISSING")
        self._pending_joins.discard((chat.id, user_id))
        # "… for 5 minutes after the request, or until it is processed": processing closes the window.
        if not any(uid == user_id for _chat, uid in self._pending_joins):
            self._join_windows.pop(user_id, None)
        self.join_request_decisions.append((chat.id, user_id, decision))
        if decision == "approved":
            chat.members[user_id] = "member"
        self._emit({"type": "join_decision", "chat_id": chat.id, "user_id": user_id, "decision": decision})
        return True

    def _api_approvechatjoinrequest(self, params: Params) -> Any:
        return self._join_decision(params, "approved")

    def _api_declinechatjoinrequest(self, params: Params) -> Any:
        return self._join_decision(params, "declined")

    def _api_createchatinvitelink(self, params: Params) -> Any:
        self._admin_target(params, "manage chat invite link", "can_invite_users")
        creates = bool_param(params, "creates_join_request")
        member_limit = int_param(params, "member_limit", 0)
        if creates and member_limit:
            raise bad_request("member limit can't be specified for links requiring administrator approval")
        if member_limit and not 1 <= member_limit <= 99999:
            raise bad_request("USAGE_LIMIT_INVALID")
        expire_date = int_param(params, "expire_date", 0)
        if expire_date and expire_date <= time.time():
            raise bad_request("EXPIRE_DATE_INVALID")
        name = params.get("name")
        if name is not None and len(str(name)) > 32:
            raise bad_request("invite link name is too long")
        link: dict[str, Any] = {"invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
                                "creator": self.bot_user, "creates_join_request": creates, "is_primary": False,
                                "is_revoked": False}
        if name:
            link["name"] = str(name)
        if expire_date:
            link["expire_date"] = expire_date
        if member_limit:
            link["member_limit"] = member_limit
        if creates:
            link["pending_join_request_count"] = 0
        self.invite_links[link["invite_link"]] = link
        return link

    def _api_revokechatinvitelink(self, params: Params) -> Any:
        self._admin_target(params, "manage chat invite link", "can_invite_users")
        link = self.invite_links.get(str(params.get("invite_link") or ""))
        if link is None:
            raise bad_request("INVITE_HASH_EXPIRED")
        link["is_revoked"] = True
        return link

    def _api_banchatmember(self, params: Params) -> Any:
        chat = self._admin_target(params, "restrict/unrestrict chat member", "can_restrict_members")
        user_id = int_param(params, "user_id")
        if user_id == self.bot_id:
            raise bad_request("can't restrict self")
        status = chat.status_of(user_id)
        if status == "creator":
            raise bad_request("can't remove chat owner")
        if status == "administrator":
            raise bad_request("user is an administrator of the chat")
        chat.members[user_id] = "kicked"
        self._pending_joins.discard((chat.id, user_id))
        return True

    def _api_unbanchatmember(self, params: Params) -> Any:
        chat = self._admin_target(params, "restrict/unrestrict chat member", "can_restrict_members")
        user_id = int_param(params, "user_id")
        status = chat.status_of(user_id)
        if status == "creator":
            raise bad_request("can't remove chat owner")
        if status == "administrator":
            raise bad_request("user is an administrator of the chat")
        if status == "kicked" or not bool_param(params, "only_if_banned"):
            # Without only_if_banned Telegram also removes a current member: afterwards, they are out.
            chat.members[user_id] = "left"
        return True

    # ---- Bot API: commands and menu -----------------------------------------------------------------

    @staticmethod
    def _scope_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_setmycommands(self, params: Params) -> Any:
        commands = params.get("commands") or []
        if not isinstance(commands, list):
            raise bad_request("Expected an Array of BotCommand")
        checked: list[dict[str, Any]] = []
        for command in commands:
            # Checked like Telegram: the Bot API trims and drops one leading "/", then the server
            # wants 1-32 lowercase letters, digits or underscores, and 1-256 characters of description.
            name = str(command.get("command", "")).strip().removeprefix("/")
            if not name:
                raise bad_request("command must be non-empty")
            if len(name) > 32:
                raise bad_request("command length must not exceed 32")
            description = str(command.get("description", "")).strip()
            if not description:
                raise bad_request("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION:
                raise bad_request(f"command description length must not exceed {MAX_COMMAND_DESCRIPTION}")
            if not VALID_COMMAND.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            checked.append({"command": name, "description": description})
        if len(checked) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        self.commands[self._scope_key(params)] = checked
        return True

    def _api_deletemycommands(self, params: Params) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _api_getmycommands(self, params: Params) -> Any:
        return self.commands.get(self._scope_key(params), [])

    def _api_setchatmenubutton(self, params: Params) -> Any:
        chat_id = int_param(params, "chat_id", 0) or None
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    def _api_getchatmenubutton(self, params: Params) -> Any:
        chat_id = int_param(params, "chat_id", 0) or None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

"""What every part of the emulated Telegram shares: the world's state, errors, and the common checks.

:class:`StateCore` holds one bot's world (users, chats, messages, invite links, polls), what
happened (calls, edits, answers, decisions) and the updates owed to the bot, plus the helpers
every Bot API area needs: addressing a chat the way Telegram refuses it (:meth:`~StateCore._target`),
storing a message, queueing an update, the ``ChatMember`` object, the event feed. The areas are
mixins over it (``api_updates``, ``api_messages``, ``api_members``, ``api_commands``, ``faults``,
``world_actions``); :class:`bot.emulator.state.TelegramState` composes them.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bot.emulator.faults import Fault
from bot.emulator.files import FileRegistry
from bot.emulator.limits import RateWatch
from bot.emulator.world import ADMIN_RIGHTS, ApiCall, EmuChat, EmuUser, RateViolation, StoredMessage

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
MIGRATED = "group chat was upgraded to a supergroup chat"
RESTRICTED_RIGHTS = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                     "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                     "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages", "can_edit_tag",
                     "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics")


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
class QueuedUpdate:
    update: dict[str, Any]
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next((key for key in self.update if key != "update_id"), "")


class StateCore:
    """The state of one bot's Telegram and the helpers every Bot API area uses."""

    def __init__(self, *, token: str = "123456:TEST-TOKEN", bot_username: str = "regulars_bot",
                 bot_first_name: str = "Regulars", enforce_limits: bool = False, privacy_mode: bool = False,
                 limit_scale: float = 1.0) -> None:
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
        self.invite_link_chats: dict[str, int] = {}  # link -> its chat (not part of the API object)
        self.invite_link_uses: dict[str, int] = {}  # link -> members who joined through it
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
        self.file_registry = FileRegistry(self.bot_id)  # every file_id this bot was given
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._pending_joins: set[tuple[int, int]] = set()
        # Telegram lets a bot message a user who sent a join request (through user_chat_id) for
        # JOIN_REQUEST_WINDOW seconds, even if the user never started the bot.
        self._join_windows: dict[int, float] = {}
        self._join_dates: dict[tuple[int, int], int] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._open_callbacks: dict[str, tuple[float, int]] = {}  # id -> (pressed at, user id)
        # Updates not yet confirmed by the bot, and the types it asked for.
        self._queue: list[QueuedUpdate] = []
        self._allowed: frozenset[str] = DEFAULT_UPDATES
        self._limits = RateWatch(scale=limit_scale)  # Telegram's flood limits ×limit_scale
        self._listeners: list[Callable[[Event], None]] = []
        self._handlers: dict[str, Handler] = {
            name.removeprefix("_api_"): getattr(self, name) for name in dir(self) if name.startswith("_api_")
        }
        # Wall-clock time (Unix seconds) of the emulated Telegram, read through now(): message and
        # join-request dates, the 5-minute messaging window. Tests may point it at their manual clock.
        self.clock: Callable[[], float] = time.time
        self.faults: list[Fault] = []
        self.webhook_url = ""

    def _changed(self, *, new_update: bool = False) -> None:
        """Hook: the state changed (``new_update``: an update was queued). The server wakes its waiters."""

    def now(self) -> int:
        """Telegram's clock (Unix seconds): ``clock()`` (real time, or a test's manual clock) plus what
        :meth:`advance_clock` added. Message dates, join-request dates and their windows use it."""
        return int(self.clock() + self.clock_offset)

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

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates. An ``update_id`` already in ``raw`` is kept (Telegram
        delivering the same update twice); otherwise the next id is assigned."""
        update = dict(raw)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._queue.append(QueuedUpdate(update))
        self.last_update = update
        self._changed(new_update=True)
        return update

    # ---- helpers -------------------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("emulator event listener failed")

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

    def _store(self, chat: EmuChat, sender: dict[str, Any], *, from_bot: bool = False, **fields: Any
               ) -> StoredMessage:
        message = StoredMessage(chat_id=chat.id, message_id=next(self._message_ids[chat.id]), date=self.now(),
                                sender=sender, from_bot=from_bot, t=time.monotonic(), **fields)
        self._messages[chat.id][message.message_id] = message
        if from_bot:
            self._sent.append(message)
            self._sent_by_chat[chat.id].append(message)
        return message

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

"""The emulator's world: users, chats, messages and what the bot did, as plain records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})
# The administrator rights of a ChatMemberAdministrator (what each Bot API method checks).
ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                "can_change_info", "can_invite_users", "can_pin_messages", "can_post_messages",
                "can_edit_messages", "can_send_welcome_messages", "can_manage_topics")
# Rights a bot made administrator holds unless the test says otherwise ("Manage topics" is off by default).
DEFAULT_BOT_RIGHTS = {right: right != "can_manage_topics" for right in ADMIN_RIGHTS}


@dataclass(eq=False)
class EmuUser:
    """A Telegram user. ``started_bot`` turns true with the user's first private message to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    started_bot: bool = False
    blocked_bot: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class EmuTopic:
    """A forum topic; its id is the id of the service message that created it."""

    thread_id: int
    name: str
    closed: bool = False


@dataclass(eq=False)
class EmuChat:
    """A chat: ``private`` (id == the user's id), ``group``, ``supergroup`` or ``channel``."""

    id: int
    type: str
    title: str | None = None
    user: EmuUser | None = None  # the other side of a private chat
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> ChatMember status
    bot_status: str = "member"
    # The bot's administrator rights, in force while it is an administrator (all granted by default).
    bot_rights: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_BOT_RIGHTS))
    # A basic group upgraded to a supergroup: every call to the old id fails with this id.
    migrated_to: int | None = None
    # Forum supergroups (topics on): their topics, and whether the General topic is closed.
    is_forum: bool = False
    topics: dict[int, EmuTopic] = field(default_factory=dict)
    general_closed: bool = False
    # "Restrict saving content" on: its messages cannot be forwarded or copied (getChat says so).
    protected: bool = False

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def bot_can(self, right: str) -> bool:
        """Whether the bot holds the administrator ``right`` here (a private chat needs none)."""
        if self.type == "private" or self.bot_status == "creator":
            return True
        return self.bot_status == "administrator" and self.bot_rights.get(right, False)

    @property
    def bot_present(self) -> bool:
        return self.type == "private" or self.bot_status in PRESENT

    def status_of(self, user_id: int) -> str:
        return self.members.get(user_id, "left")

    def to_dict(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object."""
        if self.type == "private" and self.user is not None:
            data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredMessage:
    """A message in a chat as it stands now (edits applied); also what ``emu.sent()`` lists.

    ``text``/``caption`` are exactly what the bot sent (HTML markup included when it used
    ``parse_mode="HTML"``); ``plain`` and ``entities`` are what Telegram made of it, as returned
    to the bot and shown to users.
    """

    chat_id: int
    message_id: int
    date: int
    sender: dict[str, Any]
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    photo: str | None = None  # the file_id of the largest size
    photo_sizes: list[dict[str, Any]] | None = None  # every size, as Bot API PhotoSize objects
    poll: dict[str, Any] | None = None
    reply_to: int | None = None
    from_bot: bool = False
    deleted: bool = False
    edited: int = 0
    t: float = 0.0
    method: str = "sendMessage"
    plain: str | None = None
    entities: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None  # a Bot API Document (a file a user sent)
    thread_id: int | None = None  # the forum topic it is in (None: General, or not a forum)
    service: dict[str, Any] | None = None  # service message fields (migrate_to_chat_id, forum_topic_created…)
    media: dict[str, Any] | None = None  # what a user sent that is not text (sticker, voice, location…)
    origin: dict[str, Any] | None = None  # a forwarded copy: the Bot API MessageOrigin of the original

    @property
    def shown(self) -> str:
        """The text or caption as a user sees it (markup applied, entities decoded)."""
        if self.plain is not None:
            return self.plain
        return self.text if self.text is not None else (self.caption or "")

    def to_dict(self, chat: EmuChat, *, reply_to: StoredMessage | None = None) -> dict[str, Any]:
        """The Bot API ``Message`` object."""
        data: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat.to_dict()}
        if chat.type == "channel" and self.from_bot:
            data["sender_chat"] = chat.to_dict()
        else:
            data["from"] = self.sender
        shown = self.plain if self.plain is not None else (self.text if self.text is not None else self.caption)
        if self.text is not None:
            data["text"] = shown
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo_sizes or [{"file_id": self.photo, "file_unique_id": self.photo[-16:],
                                                  "width": 800, "height": 800}]
        if self.caption is not None:
            data["caption"] = shown
            if self.entities:
                data["caption_entities"] = self.entities
        if self.poll is not None:
            data["poll"] = self.poll
        if self.document is not None:
            data["document"] = self.document
        if self.reply_markup is not None and self.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = self.reply_markup
        if self.edited:
            data["edit_date"] = self.edited
        if reply_to is not None and not reply_to.deleted:
            data["reply_to_message"] = reply_to.to_dict(chat)
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
            data["is_topic_message"] = True
        if self.origin is not None:
            data["forward_origin"] = self.origin
        if self.service:
            data.update(self.service)
        if self.media:
            data.update(self.media)
        return data

    def button_labels(self) -> list[str]:
        return [button.get("text", "") for button in self.buttons()]

    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


SentMessage = StoredMessage


@dataclass(frozen=True)
class UploadedFile:
    """A file that came as a multipart part (its bytes are not kept)."""

    filename: str
    size: int


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: ``params`` are decoded (JSON fields parsed)."""

    method: str
    params: dict[str, Any]
    t: float
    ok: bool
    error_code: int | None = None
    description: str | None = None
    result: Any = None


@dataclass(frozen=True)
class RateViolation:
    """A request that broke one of Telegram's limits (``rule`` says which)."""

    method: str
    chat_id: int | None
    t: float
    rule: str

"""The emulator's world: users, chats, messages and what the bot did, as plain records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


@dataclass
class EmuUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    started_bot: bool = False

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class EmuChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    user: EmuUser | None = None  # the other side of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_status: str = "member"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_dict(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        return {"id": self.id, "type": self.type, "title": self.title or ""}


@dataclass
class StoredMessage:
    """A message in a chat, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    date: int
    sender: dict[str, Any]
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    photo: str | None = None
    poll: dict[str, Any] | None = None
    reply_to: int | None = None
    from_bot: bool = False
    deleted: bool = False
    edited: int = 0
    t: float = 0.0
    method: str = "sendMessage"

    def to_dict(self, chat: EmuChat) -> dict[str, Any]:
        data: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat.to_dict(),
                                "from": self.sender}
        if self.text is not None:
            data["text"] = self.text
            command = BOT_COMMAND.match(self.text)
            if command:
                data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        if self.caption is not None:
            data["caption"] = self.caption
        if self.photo is not None:
            data["photo"] = [{"file_id": self.photo, "file_unique_id": self.photo[-12:], "width": 800,
                              "height": 800}]
        if self.poll is not None:
            data["poll"] = self.poll
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        if self.edited:
            data["edit_date"] = self.edited
        return data

    def button_labels(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button.get("text", "") for row in rows for button in row]


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    t: float
    ok: bool
    error_code: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class RateViolation:
    method: str
    chat_id: int | None
    t: float
    rule: str

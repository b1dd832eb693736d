"""The test side of the emulator: building the world and doing what users (and Telegram) do.

:class:`WorldActions` creates users, groups, channels and forum topics, sets members and the bot's
rights, moves Telegram's clock, upgrades a basic group, and turns what people do (write, send a
file, press a button, ask to join, vote, block the bot, change the bot's status) into the updates
the bot receives — or, where Telegram would not deliver them (privacy mode, a bot without the
right), into updates that are returned but never queued.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from bot.emulator.core import StateCore
from bot.emulator.files import KINDS as FILE_KINDS
from bot.emulator.world import (
    ADMIN_RIGHTS,
    BOT_COMMAND,
    MEMBER_STATUSES,
    PRESENT,
    EmuChat,
    EmuTopic,
    EmuUser,
    StoredMessage,
)

log = logging.getLogger(__name__)

# What a user can send besides text and documents (user_sends_media), and which of them take a caption.
MEDIA_KINDS = frozenset({"sticker", "photo", "voice", "video", "animation", "video_note", "location", "contact",
                         "dice"})
CAPTIONED = frozenset({"photo", "voice", "video", "animation"})
JOIN_REQUEST_WINDOW = 300.0  # seconds a bot may message a join-request applicant who never started it


def _command_entities(text: str) -> list[dict[str, Any]] | None:
    """The ``bot_command`` entity Telegram marks at the start of a text or caption (None: no command)."""
    command = BOT_COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}] if command else None


class WorldActions(StateCore):
    """World building (users, chats, topics, rights, the clock) and pushing updates (what users do)."""

    # ---- world building ------------------------------------------------------------------------------

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
        return self._populate(chat, members, admins, owner)

    def create_channel(self, title: str, members: Iterable[EmuUser] = (), *, username: str | None = None,
                       bot_is_admin: bool = True, owner: EmuUser | None = None) -> EmuChat:
        """A channel (id -1002000000001…); the bot posts in it only as an administrator."""
        chat_id = -(1002000000000 + next(self._chat_numbers))
        chat = EmuChat(chat_id, "channel", title=title, username=username,
                       bot_status="administrator" if bot_is_admin else "member")
        return self._populate(chat, members, (), owner)

    def _populate(self, chat: EmuChat, members: Iterable[EmuUser], admins: Iterable[EmuUser],
                  owner: EmuUser | None) -> EmuChat:
        """Put ``chat`` in the world with its members, administrators and owner."""
        for status, users in (("member", members), ("administrator", admins)):
            for user in users:
                chat.members[user.id] = status
        if owner is not None:
            chat.members[owner.id] = "creator"
        self.chats[chat.id] = chat
        return chat

    def add_member(self, chat: EmuChat, user: EmuUser, status: str = "member") -> None:
        """Set ``user``'s status in ``chat``: member, administrator, creator, restricted, left or kicked."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        if chat.type == "private":
            raise ValueError("private chats have no members to add")
        chat.members[user.id] = status

    def join_by_link(self, user: EmuUser, invite_link: str) -> EmuChat:
        """``user`` opens ``invite_link`` and joins its chat at once (a link that needs approval: use
        push_join_request). As Telegram does, this refuses an unknown, revoked or expired link, one whose
        member limit is used up, a user banned in the chat and one already in it. No update is sent:
        the bot sees the newcomer when they write."""
        link = self.invite_links.get(invite_link)
        chat_id = self.invite_link_chats.get(invite_link)
        if link is None or chat_id is None:
            raise ValueError("INVITE_HASH_INVALID")
        chat = self.chats[chat_id]
        if link.get("is_revoked") or (link.get("expire_date") and link["expire_date"] <= self.now()):
            raise ValueError("INVITE_HASH_EXPIRED")
        if link.get("creates_join_request"):
            raise ValueError("this link sends a join request: use push_join_request")
        uses = self.invite_link_uses.get(invite_link, 0)
        if link.get("member_limit") and uses >= link["member_limit"]:
            raise ValueError("USERS_TOO_MUCH")
        status = chat.status_of(user.id)
        if status == "kicked":
            raise ValueError("USER_BANNED_IN_CHANNEL")
        if status in ("member", "administrator", "creator", "restricted"):
            raise ValueError("USER_ALREADY_PARTICIPANT")
        chat.members[user.id] = "member"
        self.invite_link_uses[invite_link] = uses + 1
        return chat

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

    # ---- pushing updates (what users do) -------------------------------------------------------------

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
        entities = _command_entities(text)
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
        record = self.file_registry.issue("document")
        file_id = record.file_id
        suffix = file_name[file_name.rfind("."):] if "." in file_name else ""
        self.files[file_id] = (f"documents/file_{len(self.files)}{suffix}", content)
        document = {"file_id": file_id, "file_unique_id": record.file_unique_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(content)}
        entities = _command_entities(caption or "")
        message = self._store(target, user.to_dict(), caption=caption, plain=caption, entities=entities,
                              document=document)
        self._emit({"type": "user_message", "from_name": user.full_name, "user_id": user.id, "chat_id": target.id,
                    "message_id": message.message_id, "text": f"[{file_name}] {caption or ''}".strip()})
        return self.push_update({"message": message.to_dict(target)})

    def user_sends_media(self, user: EmuUser, kind: str, chat: EmuChat | None = None,
                         caption: str | None = None) -> dict[str, Any]:
        """``user`` sends something that is not text in ``chat`` (None: their private chat): one of
        :data:`MEDIA_KINDS` (a sticker, a photo, a voice note, a location…), with ``caption`` where
        Telegram allows one; returns the update (delivered as :meth:`user_sends` would)."""
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown kind of message {kind!r} (one of {sorted(MEDIA_KINDS)})")
        if caption is not None and kind not in CAPTIONED:
            raise ValueError(f"a {kind} has no caption")
        target = chat or self.chats[user.id]
        if target.type == "private":
            if target.id != user.id:
                raise ValueError("a user writes only in their own private chat with the bot")
            user.started_bot = True
        record = self.file_registry.issue(kind) if kind in FILE_KINDS else None
        file_id, unique = (record.file_id, record.file_unique_id) if record else ("", "")
        kinds: dict[str, dict[str, Any]] = {
            "sticker": {"sticker": {"file_id": file_id, "file_unique_id": unique, "type": "regular", "width": 512,
                                    "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}},
            "voice": {"voice": {"file_id": file_id, "file_unique_id": unique, "duration": 3,
                                "mime_type": "audio/ogg"}},
            "video": {"video": {"file_id": file_id, "file_unique_id": unique, "width": 640, "height": 360,
                                "duration": 5}},
            "animation": {"animation": {"file_id": file_id, "file_unique_id": unique, "width": 320, "height": 240,
                                        "duration": 2}},
            "video_note": {"video_note": {"file_id": file_id, "file_unique_id": unique, "length": 240,
                                          "duration": 4}},
            "location": {"location": {"latitude": 31.2304, "longitude": 121.4737}},
            "contact": {"contact": {"phone_number": "+8613800000000", "first_name": user.first_name,
                                    "user_id": user.id}},
            "dice": {"dice": {"emoji": "🎲", "value": 4}},
            "photo": {},
        }
        media = kinds[kind]
        entities = _command_entities(caption or "")
        message = self._store(target, user.to_dict(), caption=caption, plain=caption, entities=entities,
                              photo=file_id if kind == "photo" else None,
                              photo_sizes=record.sizes if record and kind == "photo" else None, media=media or None)
        self._emit({"type": "user_message", "from_name": user.full_name, "user_id": user.id, "chat_id": target.id,
                    "message_id": message.message_id, "text": f"[{kind}] {caption or ''}".strip()})
        update = {"message": message.to_dict(target)}
        if target.type != "private" and not self._bot_receives(target, caption or "", None):
            return {"update_id": next(self._update_ids), **update}
        return self.push_update(update)

    def user_sends_photo(self, user: EmuUser, caption: str | None = None, chat: EmuChat | None = None,
                         reply_to_message_id: int | None = None) -> dict[str, Any]:
        """``user`` sends a photo (with an optional ``caption``, e.g. a command) in ``chat`` (None: their
        private chat). As on Telegram the words come as ``caption`` (with ``caption_entities``), never
        as ``text``; in a group the bot receives it under the same privacy rules as a text."""
        target = chat or self.chats[user.id]
        if target.type == "private":
            if target.id != user.id:
                raise ValueError("a user writes only in their own private chat with the bot")
            user.started_bot = True
        elif target.status_of(user.id) in ("kicked", "restricted", "left"):
            raise ValueError(f"{user.full_name} is not a member of {target.title} and cannot post there")
        photo = self.file_registry.issue("photo")
        entities = _command_entities(caption or "")
        reply_to = self._messages[target.id].get(reply_to_message_id) if reply_to_message_id is not None else None
        message = self._store(target, user.to_dict(), caption=caption, plain=caption, entities=entities,
                              photo=photo.file_id, photo_sizes=photo.sizes, reply_to=reply_to_message_id,
                              method="sendPhoto")
        self._emit({"type": "user_message", "from_name": user.full_name, "user_id": user.id, "chat_id": target.id,
                    "message_id": message.message_id, "text": f"[photo] {caption or ''}".strip()})
        update = {"message": message.to_dict(target, reply_to=reply_to)}
        if not self._bot_receives(target, caption or "", reply_to):
            return {"update_id": next(self._update_ids), **update}
        return self.push_update(update)

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
        if chat.status_of(user.id) in PRESENT:
            raise ValueError(f"{user.full_name} is already in {chat.title}: Telegram opens the chat, no join request")
        known = self.invite_links.get(invite_link) if invite_link is not None else None
        if known is not None and known.get("is_revoked"):
            raise ValueError(f"{invite_link} was revoked: Telegram says the link is invalid")
        # A user's requests to one chat have distinct dates (Telegram's clock ticks between them).
        asked = self.now() if date is None else date
        date = max(asked, self._join_dates.get((chat.id, user.id), 0) + 1)
        self._join_dates[(chat.id, user.id)] = date
        request: dict[str, Any] = {"chat": chat.to_dict(), "from": user.to_dict(), "user_chat_id": user.id,
                                   "date": date}
        if known is not None and (known.get("expire_date") or asked + 1) <= asked:
            raise ValueError(f"invite link {invite_link} expired: Telegram lets nobody use it")
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
        entities = _command_entities(text)
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

    # ---- helpers -------------------------------------------------------------------------------------

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

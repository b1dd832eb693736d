"""Bot API: messages — sending, editing, deleting, pinning, polls, files and callback answers.

Texts and captions are checked as Telegram checks them (HTML parsed, UTF-16 length after parsing,
mentions resolved), keyboards as Telegram parses them, forum topics as Telegram routes them, and
every post is counted against the flood limits (429 with ``enforce_limits``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from typing import Any

from bot.emulator.core import ApiError, Params, StateCore, bad_request, bool_param, int_param
from bot.emulator.files import WRONG_FILE, FileIdError, FileRecord
from bot.emulator.html_check import HtmlError, parse_html, utf16_len
from bot.emulator.world import EmuChat, RateViolation, StoredMessage, UploadedFile

log = logging.getLogger(__name__)

# An inline button must do something.
BUTTON_ACTIONS = frozenset({
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
})
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
DELETE_WINDOW = 48 * 3600  # a bot deletes messages only within 48 hours of their sending
MAX_CALLBACK_TEXT = 200  # the popup of answerCallbackQuery
CALLBACK_TTL = 15.0
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class MessagesApi(StateCore):
    """sendMessage, sendPhoto, forwardMessage, sendPoll, stopPoll, editMessage*, deleteMessage, (un)pinChatMessage,
    answerCallbackQuery, getFile."""

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
        photo = self._input_file(params.get("photo"), params, "photo")
        return self._send("sendPhoto", params, caption=caption, plain=plain, entities=entities, photo=photo.file_id,
                          photo_sizes=photo.sizes)

    def _caption(self, params: Params) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        """``(caption as sent, as shown, entities)``; all empty when there is no caption."""
        if not params.get("caption"):
            return None, None, []
        plain, entities = self._render(params, "caption", what="message caption", limit=MAX_CAPTION)
        if not plain:
            return None, None, []
        return str(params["caption"]), plain, entities

    def _api_forwardmessage(self, params: Params) -> Any:
        """A copy of a message of ``from_chat_id`` (a chat the bot is in) posted into ``chat_id``, with
        its ``forward_origin`` (who sent the original, and when). Telegram refuses service messages and
        a message that is gone; a forwarded copy loses the original's inline keyboard."""
        source = self._target({"chat_id": params.get("from_chat_id")}, posting=False)
        original = self._messages[source.id].get(int_param(params, "message_id"))
        if original is None or original.deleted:
            raise bad_request("message to forward not found")
        if original.service or source.protected:
            raise bad_request("message can't be forwarded")
        chat = self._target(params)
        thread = self._thread(chat, params, None)
        self._limit("forwardMessage", chat)
        if original.origin is not None:
            origin = original.origin
        elif source.type == "channel":
            origin = {"type": "channel", "chat": source.to_dict(), "message_id": original.message_id,
                      "date": original.date}
        else:
            origin = {"type": "user", "sender_user": original.sender, "date": original.date}
        message = self._store(chat, self.bot_user, from_bot=True, text=original.text, caption=original.caption,
                              plain=original.plain, entities=list(original.entities or []) or None,
                              parse_mode=original.parse_mode, photo=original.photo, photo_sizes=original.photo_sizes,
                              poll=original.poll, document=original.document, media=original.media, origin=origin,
                              method="forwardMessage", thread_id=thread)
        self._bot_sent(chat, message)
        return message.to_dict(chat)

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
        url = params.get("url")
        if url is not None and not self._bot_start_link(str(url)):
            # Without a game, Telegram opens only links to the bot itself (t.me/your_bot?start=XXXX).
            raise bad_request("URL_INVALID")
        del self._open_callbacks[cq_id]
        answer = {"text": text, "show_alert": bool_param(params, "show_alert"), "url": params.get("url"),
                  "cache_time": int_param(params, "cache_time", 0), "user_id": opened[1], "t": time.monotonic()}
        self.callback_answers[cq_id] = answer
        user = self.users.get(opened[1])
        self._emit({"type": "callback_answer", "to_name": user.full_name if user else "?", "user_id": opened[1],
                    "callback_query_id": cq_id, "text": text, "show_alert": answer["show_alert"]})
        return True

    def _bot_start_link(self, url: str) -> bool:
        """``https://t.me/<this bot>?start=PAYLOAD`` (1–64 of A–Z, a–z, 0–9, ``_``, ``-``)."""
        for prefix in ("https://t.me/", "http://t.me/", "t.me/", "https://telegram.me/"):
            if url.startswith(prefix):
                bot, _sep, query = url[len(prefix):].partition("?start=")
                payload_ok = re.fullmatch(r"[A-Za-z0-9_-]{1,64}", query) is not None
                return bot.lower() == self.bot_username.lower() and payload_ok
        return False

    def _api_getfile(self, params: Params) -> Any:
        file_id = str(params.get("file_id") or "")
        stored = self.files.get(file_id)
        record = self.file_registry.get(file_id)
        if stored is None or record is None:
            raise bad_request("invalid file_id")
        path, content = stored
        if len(content) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": record.file_unique_id, "file_size": len(content),
                "file_path": path}

    # ---- helpers -------------------------------------------------------------------------------------

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

    def _input_file(self, source: Any, params: Params, kind: str) -> FileRecord:
        """The file sent as ``kind``: an upload (``attach://name`` or the field itself) is a new file;
        a string must be a file_id this bot was given, or a URL Telegram can fetch (see
        :mod:`bot.emulator.files` for what is refused, and how)."""
        if isinstance(source, str) and source.startswith("attach://"):
            source = params.get(source.removeprefix("attach://"))
            if not isinstance(source, UploadedFile):
                raise bad_request(WRONG_FILE)
        if isinstance(source, UploadedFile):
            return self.file_registry.issue(kind)
        if not source:
            raise bad_request(f"there is no {kind} in the request")
        try:
            return self.file_registry.resolve(str(source), kind)
        except FileIdError as exc:
            raise bad_request(str(exc)) from None

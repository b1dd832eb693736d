"""The facade handlers and jobs use to talk to Telegram: :class:`Sender`.

Every call it makes goes through the session's :class:`bot.limiter.RateLimitMiddleware`
(flood limits, retries, and no repeated post after an ambiguous network error); the
sender itself never raises Telegram or network errors into its caller, splits texts over
Telegram's limits, follows a basic group to the supergroup it became and falls back to
the General topic when a forum topic is gone. Busy groups get their chatter batched by
:class:`bot.coalescer.GroupCoalescer` on top of it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeVar

from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.types import (
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bot.limiter import ChatId, RateLimiter, RateLimitMiddleware, normalize_chat
from bot.texts import (
    MAX_CALLBACK_TEXT,
    MAX_CAPTION,
    MAX_TEXT,
    escape,
    fit_html,
    plain_text,
    shorten,
    split_html,
)

if TYPE_CHECKING:
    from aiogram import Bot

__all__ = ["ReplyMarkup", "Sender", "photo_refused", "pieces"]

logger = logging.getLogger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

R = TypeVar("R")

_NOT_MODIFIED: Final[str] = "message is not modified"
_CHAT_GONE: Final[tuple[str, ...]] = ("chat not found",)
_THREAD_GONE: Final[str] = "message thread not found"
# Telegram refusing the photo itself (not the chat or the caption): a file_id this bot was never
# given (file_ids are per bot), a malformed one, another kind of file, a URL it cannot use.
_PHOTO_REFUSED: Final[tuple[str, ...]] = (
    "wrong file identifier", "wrong remote file identifier", "can't use file of type", "type of file mismatch",
    "wrong type of the web page content", "failed to get http url content", "photo_invalid",
)


def photo_refused(error: TelegramAPIError | None) -> bool:
    """Whether ``error`` is Telegram refusing a photo itself (see :meth:`Sender.send_photo`)."""
    return isinstance(error, TelegramBadRequest) and any(m in error.message.lower() for m in _PHOTO_REFUSED)
_NO_PREVIEW: Final[LinkPreviewOptions] = LinkPreviewOptions(is_disabled=True)


class Sender:
    """The facade handlers and jobs use to talk to Telegram.

    Its methods never raise Telegram or network errors: failures are logged with
    context and reported as ``None`` / ``False``. When Telegram says the chat is gone
    for us (bot kicked, user blocked the bot, chat not found) ``on_chat_unavailable``
    is called with the chat id so the app can mark the chat.

    When a basic group has become a supergroup (400 with ``migrate_to_chat_id``),
    ``on_chat_migrated(old, new)`` is awaited (the app moves the group to its new id) and a
    send is made again, once, to the new id; edits and deletes are not (message ids do not
    carry over). A send into a forum topic that no longer exists goes to the General topic.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        on_chat_unavailable: Callable[[int], Awaitable[None]] | None = None,
        limiter: RateLimiter | None = None,
        on_chat_migrated: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.on_chat_unavailable = on_chat_unavailable
        self.on_chat_migrated = on_chat_migrated
        if limiter is None:
            for middleware in bot.session.middleware:
                if isinstance(middleware, RateLimitMiddleware):
                    limiter = middleware.limiter
                    break
        self.limiter: RateLimiter | None = limiter
        # The newest message id seen in each group (sent by the bot, or an update): everything at or
        # below it was in the chat by then (a broadcast's check after a restart starts from there).
        self.last_ids: dict[int, int] = {}

    async def send_message(
        self,
        chat_id: ChatId,
        text: str,
        *,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        reply_to_message_id: int | None = None,
        disable_notification: bool | None = None,
        link_preview: bool = False,
        message_thread_id: int | None = None,
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """Send ``text``; a text over Telegram's 4,096 characters goes out as several messages, cut
        at line boundaries (the reply goes with the first, the keyboard with the last, which is
        returned). None if any part could not be sent."""
        parts = _parts(text, parse_mode, MAX_TEXT)
        if len(parts) > 1:
            logger.info("sendMessage to chat %s: a %d-character text goes out in %d messages",
                        chat_id, len(text), len(parts))
            last: Message | None = None
            for n, part in enumerate(parts):
                last = await self.send_message(
                    chat_id, part, reply_markup=reply_markup if n == len(parts) - 1 else None,
                    parse_mode=parse_mode, reply_to_message_id=reply_to_message_id if n == 0 else None,
                    disable_notification=disable_notification if n == 0 else True, link_preview=link_preview,
                    message_thread_id=message_thread_id, failed=failed)
                if last is None:
                    return None
            return last

        def send(target: ChatId, thread: int | None) -> Awaitable[Message]:
            return self.bot.send_message(
                chat_id=target,
                text=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                reply_parameters=_reply_to(reply_to_message_id),
                disable_notification=disable_notification,
                link_preview_options=None if link_preview else _NO_PREVIEW,
                message_thread_id=thread,
            )

        return await self._send("sendMessage", chat_id, message_thread_id, send, failed)

    async def send_photo(
        self,
        chat_id: ChatId,
        photo: str | InputFile,
        *,
        caption: str | None = None,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str | None = "HTML",
        reply_to_message_id: int | None = None,
        disable_notification: bool | None = None,
        message_thread_id: int | None = None,
        failed: list[TelegramAPIError] | None = None,
        fallback: bool = True,
    ) -> Message | None:
        """Send a photo; a caption over Telegram's 1,024 characters is cut at a line boundary and
        the rest follows as text messages (the keyboard goes with the last one).

        When Telegram refuses the photo itself (:func:`photo_refused`: a stored file_id that is not this
        bot's, e.g. imported from another bot) the caption goes out as a text message with the same
        keyboard, and a warning is logged; the refusal stays in ``failed`` for callers that report it.
        Without a caption nothing is sent (None); ``fallback=False``: nor then.
        A refused photo with a long caption goes as one text (or as many as a text over 4,096 needs)."""
        if caption is not None and len(parts := _parts(caption, parse_mode, MAX_CAPTION)) > 1:
            rest = "\n".join(parts[1:])
            tried: list[TelegramAPIError] = []
            photo_message = await self.send_photo(
                chat_id, photo, caption=parts[0], parse_mode=parse_mode, reply_to_message_id=reply_to_message_id,
                disable_notification=disable_notification, message_thread_id=message_thread_id, failed=tried,
                fallback=False)
            if failed is not None:
                failed.extend(tried)
            if photo_message is None and tried and photo_refused(tried[-1]):
                # The photo is refused: the whole caption goes as text (one message up to 4,096).
                return await self.send_message(chat_id, caption, reply_markup=reply_markup, parse_mode=parse_mode,
                                               reply_to_message_id=reply_to_message_id,
                                               disable_notification=disable_notification,
                                               message_thread_id=message_thread_id, failed=failed)
            if photo_message is None:
                return None
            return await self.send_message(photo_message.chat.id, rest, reply_markup=reply_markup,
                                           parse_mode=parse_mode, disable_notification=True,
                                           message_thread_id=photo_message.message_thread_id, failed=failed)

        def send(target: ChatId, thread: int | None) -> Awaitable[Message]:
            return self.bot.send_photo(
                chat_id=target,
                photo=photo,
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                reply_parameters=_reply_to(reply_to_message_id),
                disable_notification=disable_notification,
                message_thread_id=thread,
            )

        failure: list[TelegramAPIError] = [] if failed is None else failed
        first = len(failure)
        message = await self._send("sendPhoto", chat_id, message_thread_id, send, failure)
        refusal = failure[-1] if len(failure) > first else None
        if message is not None or not photo_refused(refusal) or not caption or not fallback:
            return message
        logger.warning("sendPhoto to chat %s: Telegram refuses the photo %.80r (%s); sending the text without it",
                       chat_id, photo if isinstance(photo, str) else type(photo).__name__,
                       refusal.message if refusal is not None else "?")
        return await self.send_message(chat_id, caption, reply_markup=reply_markup, parse_mode=parse_mode,
                                       reply_to_message_id=reply_to_message_id,
                                       disable_notification=disable_notification,
                                       message_thread_id=message_thread_id, failed=failure)

    async def _send(
        self,
        action: str,
        chat_id: ChatId,
        thread: int | None,
        send: Callable[[ChatId, int | None], Awaitable[Message]],
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """A send through :meth:`_guard`, made again to the supergroup a basic group became, or to
        the General topic when its forum topic is gone. What went wrong is appended to ``failed``
        (a :class:`TelegramNetworkError` there means the message may have arrived all the same)."""
        failure: list[TelegramAPIError] = [] if failed is None else failed
        first = len(failure)
        ok, message = await self._guard(action, chat_id, lambda: send(chat_id, thread), failed=failure)
        if ok:
            if message is not None:
                self.note_message(message.chat.id, message.message_id)
            return message
        error = failure[first] if len(failure) > first else None
        if isinstance(error, TelegramMigrateToChat):
            new_chat_id = error.migrate_to_chat_id
            ok, message = await self._guard(action, new_chat_id, lambda: send(new_chat_id, None), failed=failure)
        elif thread is not None and isinstance(error, TelegramBadRequest) and _THREAD_GONE in error.message.lower():
            logger.warning("%s to chat %s: topic %s is gone, posting in General", action, chat_id, thread)
            ok, message = await self._guard(action, chat_id, lambda: send(chat_id, None), failed=failure)
        return message if ok else None

    def note_message(self, chat_id: int, message_id: int) -> None:
        """A message of a group was seen (sent, or an update)."""
        if chat_id < 0 and message_id > self.last_ids.get(chat_id, 0):
            self.last_ids[chat_id] = message_id

    async def edit_text(
        self,
        chat_id: ChatId,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str | None = "HTML",
    ) -> bool:
        if len(_parts(text, parse_mode, MAX_TEXT)) > 1:
            # An edit cannot become two messages: whole lines are kept, then "…".
            logger.warning("editMessageText in chat %s: a %d-character text was shortened", chat_id, len(text))
            text = fit_html(text) if parse_mode == "HTML" else plain_text(fit_html(escape(text)))
        ok, _ = await self._guard(
            "editMessageText",
            chat_id,
            lambda: self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                link_preview_options=_NO_PREVIEW,
            ),
            not_modified_ok=True,
        )
        return ok

    async def edit_reply_markup(
        self,
        chat_id: ChatId,
        message_id: int,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        ok, _ = await self._guard(
            "editMessageReplyMarkup",
            chat_id,
            lambda: self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
            ),
            not_modified_ok=True,
        )
        return ok

    async def delete(self, chat_id: ChatId, message_id: int) -> bool:
        ok, result = await self._guard(
            "deleteMessage",
            chat_id,
            lambda: self.bot.delete_message(chat_id=chat_id, message_id=message_id),
        )
        return ok and bool(result)

    async def forward(
        self, chat_id: ChatId, from_chat_id: ChatId, message_id: int, *,
        failed: list[TelegramAPIError] | None = None,
    ) -> Message | None:
        """Forward a message silently (``forward_origin`` on the copy says who sent the original and
        when); None when Telegram refused (the error is appended to ``failed``)."""
        _ok, message = await self._guard(
            "forwardMessage",
            chat_id,
            lambda: self.bot.forward_message(chat_id=chat_id, from_chat_id=from_chat_id, message_id=message_id,
                                             disable_notification=True),
            failed=failed,
        )
        return message

    async def answer_callback(
        self, callback_query_id: str, text: str | None = None, *, show_alert: bool = False, url: str | None = None,
    ) -> bool:
        if text is not None:
            text = shorten(text, MAX_CALLBACK_TEXT)  # a popup holds 200 characters
        ok, result = await self._guard(
            "answerCallbackQuery",
            None,
            lambda: self.bot.answer_callback_query(
                callback_query_id=callback_query_id, text=text, show_alert=show_alert, url=url
            ),
        )
        return ok and bool(result)

    async def _guard(
        self,
        action: str,
        chat_id: ChatId | None,
        call: Callable[[], Awaitable[R]],
        *,
        not_modified_ok: bool = False,
        failed: list[TelegramAPIError] | None = None,
    ) -> tuple[bool, R | None]:
        """Run ``call``; turn every Telegram/network failure into ``(False, None)`` (the error is also
        appended to ``failed``, for callers that act on it)."""
        try:
            return True, await call()
        except TelegramForbiddenError as exc:
            if failed is not None:
                failed.append(exc)
            logger.info("%s to chat %s forbidden: %s", action, chat_id, exc.message)
            await self._chat_unavailable(chat_id)
        except TelegramMigrateToChat as exc:
            logger.warning(
                "%s to chat %s: group migrated to supergroup %s", action, chat_id, exc.migrate_to_chat_id
            )
            await self._chat_migrated(chat_id, exc.migrate_to_chat_id)
            if failed is not None:
                failed.append(exc)
        except TelegramBadRequest as exc:
            if failed is not None:
                failed.append(exc)
            description = exc.message.lower()
            if not_modified_ok and _NOT_MODIFIED in description:
                logger.debug("%s in chat %s: message not modified", action, chat_id)
                return True, None
            logger.warning("%s to chat %s rejected: %s", action, chat_id, exc.message)
            if any(marker in description for marker in _CHAT_GONE):
                await self._chat_unavailable(chat_id)
        except TelegramAPIError as exc:
            if failed is not None:
                failed.append(exc)
            logger.warning("%s to chat %s failed (%s): %s", action, chat_id, type(exc).__name__, exc.message)
        except AiogramError as exc:  # e.g. an undecodable response
            logger.warning("%s to chat %s failed (%s): %s", action, chat_id, type(exc).__name__, exc)
        return False, None

    async def _chat_migrated(self, chat_id: ChatId | None, new_chat_id: int) -> None:
        key = normalize_chat(chat_id)
        if self.on_chat_migrated is None or not isinstance(key, int):
            return
        try:
            await self.on_chat_migrated(key, new_chat_id)
        except Exception:
            logger.exception("on_chat_migrated(%s, %s) failed", key, new_chat_id)

    async def _chat_unavailable(self, chat_id: ChatId | None) -> None:
        key = normalize_chat(chat_id)
        if self.on_chat_unavailable is None or not isinstance(key, int):
            return
        try:
            await self.on_chat_unavailable(key)
        except Exception:
            logger.exception("on_chat_unavailable(%s) failed", key)


def pieces(text: str, *, photo: bool = False, parse_mode: str | None = "HTML") -> int:
    """How many messages :meth:`Sender.send_message` (or :meth:`Sender.send_photo` with ``text`` as
    its caption) makes of ``text``."""
    if not photo:
        return len(_parts(text, parse_mode, MAX_TEXT))
    parts = _parts(text, parse_mode, MAX_CAPTION)
    return 1 if len(parts) == 1 else 1 + pieces("\n".join(parts[1:]), parse_mode=parse_mode)


def _parts(text: str, parse_mode: str | None, limit: int) -> list[str]:
    """``text`` in pieces that each fit ``limit`` (Telegram's count, after HTML parsing)."""
    if parse_mode == "HTML":
        return split_html(text, limit) or [text]
    return [plain_text(part) for part in split_html(escape(text), limit)] or [text]


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


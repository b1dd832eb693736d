"""The last resort: log the failure, answer the person politely, never show a traceback."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.app import App
from bot.texts import language_for

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, app: App) -> bool:
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    query = update.callback_query
    message = update.message
    user = query.from_user if query else (message.from_user if message else None)
    lang = language_for(user.language_code if user else None, app.settings.default_language)
    text = app.texts(lang, "error-generic")
    if query is not None:
        await app.sender.answer_callback(query.id, text)
    elif message is not None and message.chat.type == "private":
        await app.sender.send_message(message.chat.id, text)
    elif message is not None:
        app.coalescer.add(message.chat.id, "error", None,
                          lambda _items: app.texts(app.settings.default_language, "error-generic"),
                          thread_id=message.message_thread_id if message.is_topic_message else None)
    return True


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router

"""Orders: staff import the shop's CSV (/import_orders with the file), customers link theirs (/bind)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Document, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import orders as order_service
from bot.services import people
from bot.services.people import Profile
from bot.texts import Translator, language_for, lines, shorten
from games.errors import BindRefused, OrderFileError, OrderLineError
from games.gate import format_money
from games.inputs import strip_controls
from games.orders import MAX_LISTED_ERRORS, decode_csv, parse_orders_csv
from handlers.filters import IsStaff

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_SHOWN_VALUE = 40  # a bad cell is quoted up to this many characters


def import_error_text(_: Translator, exc: OrderLineError) -> str:
    problem = str(exc.params.get("problem", "columns"))
    return _("orders-line-error", line=int(exc.params.get("line", 1)),  # type: ignore[call-overload]
             problem=_(f"orders-problem-{problem}", value=shorten(str(exc.params.get("value", "")), MAX_SHOWN_VALUE)))


def import_failed_text(_: Translator, exc: OrderLineError) -> str:
    """Every bad line (the first 20, then "and N more"), so the file can be fixed in one go."""
    errors = exc.errors if isinstance(exc, OrderFileError) else [exc]
    more = _("list-more", count=len(errors) - MAX_LISTED_ERRORS) if len(errors) > MAX_LISTED_ERRORS else None
    return lines(_("orders-import-failed", count=len(errors)),
                 *(import_error_text(_, error) for error in errors[:MAX_LISTED_ERRORS]), more,
                 _("orders-import-fix"))


async def import_orders(
    message: Message, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    document: Document | None = message.document
    if document is None and message.reply_to_message is not None:
        document = message.reply_to_message.document
    if document is None:
        out.message(message.chat.id, _("orders-usage"))
        return
    if (document.file_size or 0) > MAX_CSV_BYTES:
        out.message(message.chat.id, _("orders-too-big", mb=MAX_CSV_BYTES // (1024 * 1024)))
        return
    try:
        buffer = await bot.download(document.file_id)
    except TelegramAPIError:
        out.message(message.chat.id, _("orders-download-failed"))
        return
    data = buffer.read() if buffer is not None else b""
    try:
        rows = parse_orders_csv(decode_csv(data), app.settings.tz)
    except OrderLineError as exc:
        out.message(message.chat.id, import_failed_text(_, exc))
        return
    result = await order_service.import_rows(session, rows, now, app.settings.shop_currency)
    await people.record_audit(session, actor_id=profile.id, action="orders.import", now=now,
                              target=strip_controls(document.file_name or "") or None,
                              details=order_service.import_details(result))
    text: str = _("orders-imported", new=result.new, updated=result.updated)
    if result.earned or result.refunded:
        text += "\n" + _("purchases-imported", earned=result.earned, refunded=result.refunded,
                         taken=result.taken_back)
    if result.with_skus:  # the optional SKU column (catalogue, issue 12)
        text += "\n" + _("cat-orders-items", items=result.items, unknown=len(result.unknown_skus),
                         skus=order_service.unknown_list(result.unknown_skus))
    out.message(message.chat.id, text)
    for refund in result.refunds:  # each member whose points were taken back is told, privately
        if refund.user_id is not None and refund.points:
            user = await people.get_user(session, refund.user_id)
            tell = Translator(app.texts, language_for(user.language_code if user else None,
                                                      app.settings.default_language))
            out.message(refund.user_id, tell("purchases-refund-notice", order=refund.order_id, points=refund.points,
                                             owed=refund.shortfall))


async def file_without_command(message: Message, out: Outbox, _: Translator) -> None:
    """Staff sent a file with no /import_orders caption: say how to import it."""
    out.message(message.chat.id, _("orders-usage"))


async def bind(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        out.message(message.chat.id, _("bind-usage"))
        return
    order_id, check = parts
    order_id = unicodedata.normalize("NFKC", order_id)  # full-width ＴＢ１２３ from a Chinese keyboard
    currency = app.settings.shop_currency
    try:
        bound = await order_service.bind(session, user_id=profile.id, order_id=order_id[:64], check=check, now=now,
                                         currency=currency)
    except BindRefused as exc:
        out.message(message.chat.id, _(exc.key, **exc.params))
        return
    key = "bind-already-yours" if bound.already else "bind-done"
    text: str = _(key, order=order_id, total=format_money(bound.total_cents), currency=currency)
    if bound.points:
        text += "\n" + _("purchases-bind-points", points=bound.points)
    out.message(message.chat.id, text)


async def bind_in_group(message: Message, app: App, out: Outbox, group_: Translator) -> None:
    """The check value must not stay readable in a group: delete the message, point to private chat
    (and say so when the message could not be deleted: the bot lacks "Delete messages")."""
    deleted: list[bool] = []

    async def remove() -> None:
        deleted.append(await app.sender.delete(message.chat.id, message.message_id))

    out.after_commit(remove)
    out.group_line(message.chat.id, "bind-private", None,
                   lambda _items: group_("bind-private" if all(deleted) else "bind-private-exposed"))


def create_router() -> Router:
    router = Router(name="orders")
    router.message.register(import_orders, Command("import_orders"), IsStaff())
    router.message.register(file_without_command, F.chat.type == "private", F.document, IsStaff())
    router.message.register(bind_in_group, Command("bind"), F.chat.type != "private")
    router.message.register(bind, Command("bind"))
    return router

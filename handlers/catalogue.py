"""The catalogue (staff, private chat): /product add|edit|archive|unarchive, /product SKU (the card),
/products [query] (paged). A photo sent with /product add or /product edit as its caption becomes
the product's photo. Customers and group chats are refused by the access router (bot/commands.py)."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import catalogue as service
from bot.services import people
from bot.services.people import Profile
from bot.texts import ECHO, Translator, shorten
from bot.views import catalogue as views
from bot.views.catalogue import CatalogueCb
from games import catalogue as rules
from games.types import Role
from handlers.filters import IsStaff

ACTIONS = frozenset({"add", "edit", "archive", "unarchive"})


def _error(_: Translator, error: rules.CatalogueError, usage: str) -> str:
    """What was wrong, then the usage line (the bare error: only the usage line)."""
    if type(error) is rules.CatalogueError:
        return _(usage)
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    text: str = _(error.key, **params)
    if isinstance(error, rules.DuplicateSku | rules.NoSuchProduct):
        return text
    return f"{text}\n{_(usage)}"


def _photo(message: Message) -> str | None:
    """The file_id of the largest size of a photo sent with the command as its caption."""
    return message.photo[-1].file_id if message.photo else None


def _viewing(message: Message, command: CommandObject) -> bool:
    """``/product SKU`` (or ``/product`` alone): a read, not a change."""
    first = (command.args or "").split(maxsplit=1)
    return not first or first[0].lower() not in ACTIONS


# ---- /product SKU: the card ----------------------------------------------------------------------

async def product_card(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                       _: Translator) -> None:
    words = (command.args or "").split()
    if len(words) != 1:
        out.message(message.chat.id, _("cat-usage"))
        return
    product = await service.by_sku(session, words[0])
    if product is None:
        out.message(message.chat.id, _("cat-no-such-product", sku=shorten(words[0], ECHO)))
        return
    card = views.card_message(_, product, app.settings.shop_currency)
    hint = _("cat-photo-hint", sku=product.sku) if _photo(message) else None
    if card.photo:
        chat_id, sku = message.chat.id, product.sku
        out.after_commit(lambda: views.send_card(app, chat_id, _, card, sku))
    else:
        out.message(message.chat.id, card.text)
    if hint:
        out.message(message.chat.id, hint)


# ---- /product add | edit | archive | unarchive ---------------------------------------------------

async def product_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    action, _sep, rest = (command.args or "").strip().partition(" ")
    action = action.lower()
    currency = app.settings.shop_currency
    if action == "add":
        try:
            spec = rules.parse_add(rest, currency)
            product = await service.add(session, spec, actor_id=profile.id, now=now, photo=_photo(message))
        except rules.CatalogueError as error:
            out.message(message.chat.id, _error(_, error, "cat-add-usage"))
            return
        await people.record_audit(session, actor_id=profile.id, action="product.add", now=now, target=product.sku,
                                  details=shorten(rest, 1000))
        out.message(message.chat.id, "\n".join((_("cat-added", sku=product.sku),
                                                views.render_card(_, product, currency))))
    elif action == "edit":
        await _edit(message, session, out, _, profile, now, rest, currency)
    else:
        words = rest.split()
        if len(words) != 1:
            out.message(message.chat.id, _("cat-usage"))
            return
        archive = action == "archive"
        changed = await service.set_archived(session, words[0], archive, now=now)
        sku = rules.normalize_sku(words[0]) or shorten(words[0], ECHO)
        if changed is None:
            out.message(message.chat.id, _("cat-no-such-product", sku=sku))
        elif not changed:
            out.message(message.chat.id, _("cat-archived-already" if archive else "cat-unarchived-already", sku=sku))
        else:
            await people.record_audit(session, actor_id=profile.id, action=f"product.{action}", now=now, target=sku)
            out.message(message.chat.id, _("cat-archived-done" if archive else "cat-unarchived-done", sku=sku))


async def _edit(message: Message, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
                now: datetime, rest: str, currency: str) -> None:
    photo = _photo(message)
    try:
        if photo is not None and len(rest.split()) == 1:  # a photo captioned /product edit SKU: the photo alone
            change = rules.ProductEdit(rules.parse_sku(rest), frozenset())
        else:
            change = rules.parse_edit(rest, currency)
        if photo is not None and change.removes_photo:
            raise rules.BadPhoto(value="none")
        edited = await service.edit(session, change, now=now)
    except rules.CatalogueError as error:
        out.message(message.chat.id, _error(_, error, "cat-edit-usage"))
        return
    product = edited.product
    if photo is not None:
        updated = await service.set_photo(session, product.sku, photo, now=now)
        assert updated is not None
        product = updated
    details = shorten(rest, 1000) + (" +photo" if photo is not None else "")
    await people.record_audit(session, actor_id=profile.id, action="product.edit", now=now, target=product.sku,
                              details=details)
    out.message(message.chat.id, "\n".join((_("cat-edited", sku=product.sku),
                                            views.render_card(_, product, currency))))


# ---- /products [query] ---------------------------------------------------------------------------

async def products_command(message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
                           _: Translator) -> None:
    page = await service.search(session, command.args or "", 0)
    text, keyboard = views.product_list(_, page, app.settings.shop_currency)
    out.message(message.chat.id, text, reply_markup=keyboard)


async def products_page(query: CallbackQuery, callback_data: CatalogueCb, app: App, out: Outbox, _: Translator,
                        role: Role) -> None:
    message = query.message
    if not role.is_staff:
        out.popup(_("staff-only"), alert=True)
        return
    if message is None or isinstance(message, InaccessibleMessage):
        out.popup(_("button-expired"))
        return
    # Answered at once: the edit below may wait for Telegram's rate limits.
    await app.sender.answer_callback(query.id)
    out.callback_id = None
    async with app.db.reader() as session:
        page = await service.search(session, callback_data.q, callback_data.page)
    text, keyboard = views.product_list(_, page, app.settings.shop_currency)
    await app.sender.edit_text(message.chat.id, message.message_id, text, reply_markup=keyboard)


def create_router() -> Router:
    router = Router(name="catalogue")
    router.message.filter(F.chat.type == "private")
    router.message.register(product_card, Command("product"), IsStaff(), _viewing, flags=READS_ONLY)
    router.message.register(product_command, Command("product"), IsStaff())
    router.message.register(products_command, Command("products"), IsStaff(), flags=READS_ONLY)
    router.callback_query.register(products_page, CatalogueCb.filter())
    return router

"""The catalogue on screen: the product card (staff's, and the public one every announcement and
restock notice shows), the staff's paged /products list and its buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.db.models import Product
from bot.sender import photo_refused
from bot.services import catalogue as service
from bot.texts import LIST_NAME, Markup, Translator, lines, shorten
from bot.views.broadcasts import Outgoing
from games import catalogue as rules
from games.money import format_money

if TYPE_CHECKING:
    from bot.app import App

MAX_PAGE = 10_000  # 80,000 products at 8 a page: beyond the catalogue's size


class CatalogueCb(CallbackData, prefix="cat"):
    """A /products page button: the page (0-based) and the search it pages through."""

    page: int = Field(ge=0, le=MAX_PAGE)
    q: str = Field(default="", max_length=rules.MAX_QUERY_BYTES)


def price(_: Translator, cents: int, currency: str) -> Markup:
    return _("cat-price", amount=format_money(cents), currency=currency)


def stock(_: Translator, product: Product) -> Markup:
    if product.stock is None:
        return _("cat-stock-untracked")
    if product.stock <= 0:
        return _("cat-sold-out")
    return _("cat-stock", stock=product.stock)


def is_web_link(link: str | None) -> bool:
    """A link a button can open (every link the catalogue accepts is one)."""
    return bool(link) and str(link).startswith(("https://", "http://"))


def render_card(_: Translator, product: Product, currency: str, *, archived_flag: bool = True,
                public: bool = False) -> Markup:
    """The product card, the one way an item is shown. Staff's: name, SKU, price with currency, stock
    ("sold out", "not tracked"), link, repurchase cycle and (``archived_flag``) whether it is archived.
    ``public`` (announcements, in the groups and to members): name, SKU and price, and the link only
    when no button can open it (a web link is the message's "🛒 Buy" button). HTML; fits a photo caption."""
    if public:
        return lines(
            _("cat-item-head", name=product.name, sku=product.sku),
            _("cat-item-price", price=price(_, product.price_cents, currency)),
            _("cat-card-link", link=product.link) if product.link and not is_web_link(product.link) else None,
        )
    return lines(
        _("cat-card-head", name=product.name, sku=product.sku),
        _("cat-card-price", price=price(_, product.price_cents, currency), stock=stock(_, product)),
        _("cat-card-link", link=product.link) if product.link else None,
        _("cat-card-cycle", days=product.cycle_days) if product.cycle_days else None,
        _("cat-card-archived") if archived_flag and product.archived_at is not None else None,
    )


def card_message(_: Translator, product: Product, currency: str, *, archived_flag: bool = True) -> Outgoing:
    """The card as one message: a photo with the card as caption when the product has one."""
    return Outgoing(render_card(_, product, currency, archived_flag=archived_flag), photo=product.photo)


async def send_card(app: App, chat_id: int, _: Translator, card: Outgoing, sku: str) -> None:
    """Send a card to a staff member; when Telegram refuses the product's photo (a file_id that is not
    this bot's, e.g. from a catalogue imported from another bot) the card goes as text and they are
    told how to replace the photo."""
    if card.photo is None:
        await app.sender.send_message(chat_id, card.text)
        return
    failed: list[TelegramAPIError] = []
    await app.sender.send_photo(chat_id, card.photo, caption=card.text, failed=failed)
    if any(photo_refused(error) for error in failed):
        await app.sender.send_message(chat_id, _("cat-photo-refused", sku=sku))


def product_list(_: Translator, page: service.Page, currency: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
    """One page of /products with ◀️ ▶️ buttons (none when it all fits on one page)."""
    query = page.query
    if not page.items:
        return (_("cat-list-none-query", query=query) if query else _("cat-list-none")), None
    head = _("cat-list-head-query", query=query, total=page.total, page=page.page + 1, pages=page.pages) if query \
        else _("cat-list-head", total=page.total, page=page.page + 1, pages=page.pages)
    rows = [_("cat-list-line", sku=p.sku, name=shorten(p.name, LIST_NAME), price=price(_, p.price_cents, currency),
              stock=stock(_, p), archived=_("cat-list-archived") if p.archived_at is not None else Markup(""))
            for p in page.items]
    body = lines(head, *rows, _("cat-list-hint"))
    if page.pages <= 1:
        return body, None
    buttons = []
    if page.page > 0:
        buttons.append(InlineKeyboardButton(text=_("cat-button-prev"),
                                            callback_data=CatalogueCb(page=page.page - 1, q=query).pack()))
    if page.page + 1 < page.pages and page.page + 1 <= MAX_PAGE:
        buttons.append(InlineKeyboardButton(text=_("cat-button-next"),
                                            callback_data=CatalogueCb(page=page.page + 1, q=query).pack()))
    return body, InlineKeyboardMarkup(inline_keyboard=[buttons])

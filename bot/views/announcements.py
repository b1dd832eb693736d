"""Announcements on screen: the buttons ("🔔 Remind me", "🔔 Notify me", "✅ Claim"), the broadcast
renderers (group posts, the private go-live message, the launch reward notice, the waitlist notice,
the reservation) and the staff confirmations. The broadcast engine calls the renderers, in the
recipient's language, when it sends each planned delivery (``bot/features.py`` registers them).

Each renderer reads the product as the catalogue has it at that moment and shows it as the catalogue's
public card (``bot/views/catalogue.render_card``): a price, name, photo or link edited after the
announcement was made is the one shown; a message that offers an item archived meanwhile is skipped
(reason ``archived`` in the delivery report), except a launch reward notice and a reservation, which
are the member's whatever became of the item.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field
from sqlalchemy import select

from bot.db.models import Product, Reservation
from bot.services import announcements as service
from bot.services import catalogue
from bot.texts import Markup, Translator, lines
from bot.views.broadcasts import Outgoing, RenderContext, Renderer, Skip
from bot.views.catalogue import is_web_link, render_card
from games import announcements as rules

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["RENDERERS", "ClaimCb", "NotifyCb", "RemindCb"]


class RemindCb(CallbackData, prefix="anr"):
    """"🔔 Remind me" under a pre-announcement's teaser: the announcement."""

    id: int = Field(ge=1, le=rules.MAX_ID)


class NotifyCb(CallbackData, prefix="ann"):
    """"🔔 Notify me" under a sold-out item: the product."""

    id: int = Field(ge=1, le=rules.MAX_ID)


class ClaimCb(CallbackData, prefix="anc"):
    """"✅ Claim" under a reservation: the reservation."""

    id: int = Field(ge=1, le=rules.MAX_ID)


def deep_link(username: str, prefix: str, item_id: int) -> str:
    """``https://t.me/<bot>?start=remind_12``: opens the bot; pressing Start sends ``/start remind_12``."""
    return f"https://t.me/{username}?start={prefix}{item_id}"


def local_time(app: App, moment: datetime) -> str:
    return moment.astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M")


def duration(_: Translator, seconds: int) -> str:
    if seconds % 86400 == 0:
        return _("an-days", n=seconds // 86400)
    if seconds % 3600 == 0:
        return _("an-hours", n=seconds // 3600)
    return _("an-minutes", n=max(seconds // 60, 1))


def notify_keyboard(_: Translator, product_id: int) -> InlineKeyboardMarkup:
    """"🔔 Notify me" for a sold-out item (also for the catalogue's card of a sold-out item)."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("an-button-notify"), callback_data=NotifyCb(id=product_id).pack())]])


def _buy_row(_: Translator, link: str | None) -> list[InlineKeyboardButton]:
    if link and is_web_link(link):
        return [InlineKeyboardButton(text=_("an-button-buy"), url=link)]
    return []


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def _translator(app: App, ctx: RenderContext) -> Translator:
    return ctx._ if ctx._ is not None else Translator(app.texts, app.settings.default_language)


def _card(app: App, _: Translator, product: Product) -> Markup:
    return render_card(_, product, app.settings.shop_currency, public=True)


async def _product(app: App, ctx: RenderContext, *, archived_ok: bool = False) -> Product | Skip:
    """The broadcast's product as the catalogue has it now; Skip when it is gone or (unless
    ``archived_ok``) archived: an item withdrawn after the announcement is not offered."""
    async with app.db.reader() as session:
        product = await catalogue.by_id(session, int(ctx.args.get("product_id") or 0))
    if product is None:
        return Skip("no_product")
    if not archived_ok and catalogue.is_archived(product):
        return Skip("archived")
    return product


# ---- group posts ------------------------------------------------------------------------------------

async def render_post(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A new arrival in a group: photo, name, price, link; "🔔 Notify me" when it is sold out."""
    product = await _product(app, ctx)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    sold_out = product.stock == 0
    text = lines(_("an-post-head"), _card(app, _, product), _("an-post-sold-out") if sold_out else None)
    assert product.id is not None
    notify = notify_keyboard(_, product.id).inline_keyboard[0] if sold_out else []
    return Outgoing(text, photo=product.photo, reply_markup=_markup(_buy_row(_, product.link), notify))


async def render_teaser(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A pre-announcement's teaser: what, when (local time), and "🔔 Remind me"."""
    product = await _product(app, ctx)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    args = ctx.args
    when = local_time(app, datetime.fromisoformat(str(args["go_live_at"])))
    text = lines(_("an-teaser-head"), _card(app, _, product), _("an-teaser-when", when=when), _("an-teaser-how"))
    button = [InlineKeyboardButton(text=_("an-button-remind"),
                                   callback_data=RemindCb(id=int(args["announcement_id"])).pack())]
    return Outgoing(text, photo=product.photo, reply_markup=_markup(button))


async def render_restock(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """Back in stock, in a group: how many units, and whether the waitlist has them reserved."""
    product = await _product(app, ctx)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    if product.stock == 0:  # sold out again before the post left: offered as sold out, with Notify me
        return _sold_out_again(app, _, product, _("an-restock-head"))
    units = ctx.args.get("units")
    reserve_s = ctx.args.get("reserve_s")
    text = lines(_("an-restock-head"), _card(app, _, product),
                 _("an-restock-units", units=int(units)) if units is not None else None,
                 _("an-restock-reserved", duration=duration(_, int(reserve_s))) if reserve_s else None)
    return Outgoing(text, photo=product.photo, reply_markup=_markup(_buy_row(_, product.link)))


def _sold_out_again(app: App, _: Translator, product: Product, head: str) -> Outgoing:
    assert product.id is not None
    text = lines(head, _card(app, _, product), _("an-post-sold-out"))
    return Outgoing(text, photo=product.photo, reply_markup=notify_keyboard(_, product.id))


# ---- private messages ---------------------------------------------------------------------------------

async def render_live(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To a member who asked to be reminded: it is live (and their launch reward, if they voted for it:
    paid, so told even if the item was archived since, as :func:`render_launch` tells it)."""
    points = ctx.recipient.get("points")
    product = await _product(app, ctx, archived_ok=bool(points))
    if isinstance(product, Skip):
        return product
    if catalogue.is_archived(product):
        return await render_launch(app, ctx)
    _ = _translator(app, ctx)
    text = lines(_("an-live-head", name=product.name), _card(app, _, product),
                 _("an-launch-points", points=int(points)) if points else None)
    return Outgoing(text, photo=product.photo, reply_markup=_markup(_buy_row(_, product.link)))


async def render_launch(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To a voter who chose this item: it is live, and their launch reward (paid: told even if the item
    was archived since, without the "Buy" button then)."""
    points = int(ctx.recipient.get("points") or 0)
    if points <= 0:
        return Skip("no-points")
    product = await _product(app, ctx, archived_ok=True)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    text = lines(_("an-launch-head", name=product.name), _("an-launch-points", points=points))
    buy = [] if catalogue.is_archived(product) else _buy_row(_, product.link)
    return Outgoing(text, reply_markup=_markup(buy))


async def render_notice(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To the waitlist: back in stock (first come, first served), or — when the units are reserved for
    those ahead — their place in line for a reservation that expires unclaimed."""
    product = await _product(app, ctx)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    units = ctx.args.get("units")
    if ctx.recipient.get("reserved"):
        text = lines(_("an-notice-head", name=product.name),
                     _("an-notice-in-line", place=int(ctx.recipient.get("place") or 1)))
        return Outgoing(text)
    if product.stock == 0:  # sold out again before the message left: they may join the line again
        return _sold_out_again(app, _, product, _("an-notice-head", name=product.name))
    text = lines(_("an-notice-head", name=product.name), _card(app, _, product),
                 _("an-restock-units", units=int(units)) if units is not None else None, _("an-notice-go"))
    return Outgoing(text, reply_markup=_markup(_buy_row(_, product.link)))


async def render_reservation(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A reservation: the item, the personal code, until when (local time), "✅ Claim". Skipped when it
    was claimed or expired before the message could leave (it stands if the item was archived since)."""
    args, mine = ctx.args, ctx.recipient
    reservation_id = int(mine.get("reservation_id") or 0)
    async with app.db.reader() as session:
        status = (await session.execute(select(Reservation.__table__.c.status).where(  # type: ignore[attr-defined]
            Reservation.__table__.c.id == reservation_id))).scalar()  # type: ignore[attr-defined]
    if status != service.OPEN:
        return Skip("reservation-closed")
    product = await _product(app, ctx, archived_ok=True)
    if isinstance(product, Skip):
        return product
    _ = _translator(app, ctx)
    until = local_time(app, datetime.fromisoformat(str(mine["expires_at"])))
    text = lines(_("an-reserve-passed") if args.get("passed") else None,
                 _("an-reserve-head", name=product.name), _card(app, _, product),
                 _("an-reserve-code", code=rules.format_code(str(mine["code"]))),
                 _("an-reserve-until", until=until), _("an-reserve-how"))
    claim = [InlineKeyboardButton(text=_("an-button-claim"), callback_data=ClaimCb(id=reservation_id).pack())]
    return Outgoing(text, reply_markup=_markup(claim, _buy_row(_, product.link)))


RENDERERS: dict[str, Renderer] = {
    service.POST: render_post,
    service.TEASER: render_teaser,
    service.RESTOCK: render_restock,
    service.LIVE_NOTE: render_live,
    service.LAUNCH_NOTE: render_launch,
    service.NOTICE: render_notice,
    service.RESERVED: render_reservation,
}


# ---- answers to staff and members -----------------------------------------------------------------------

def _where(_: Translator, groups: tuple[service.GroupTarget, ...]) -> str:
    labels = sorted({g.label for g in groups})
    return _("an-where", count=len(groups), labels=", ".join(labels)) if groups else _("an-where-none")


def created_text(app: App, _: Translator, created: service.Created) -> str:
    """What staff are told: what, when (local), where, and the broadcast id."""
    assert created.item is not None and created.go_live_at is not None
    what = _("an-what", name=created.item.name, sku=created.item.sku)
    head = _(f"an-created-{created.kind}", id=created.announcement_id)
    when = _("an-when-now") if created.live is not None or created.kind == str(rules.Kind.RESTOCK) else \
        _("an-when-best" if created.best else "an-when", when=local_time(app, created.go_live_at))
    parts: list[str | None] = [head, what, when, _where(_, created.groups)]
    if created.broadcast_id is not None:
        parts.append(_("an-broadcast", id=created.broadcast_id))
    if created.kind == str(rules.Kind.SOON):
        parts.append(_("an-soon-note"))
    if created.live is not None and created.live.rewarded:
        parts.append(_("an-live-rewarded", count=created.live.rewarded, points=created.live.points))
    if created.restocked is not None:
        parts.append(restocked_text(_, created.restocked))
    return lines(*parts)


def restocked_text(_: Translator, restocked: service.Restocked) -> str:
    if not restocked.waiting:
        return _("an-restock-nobody")
    if restocked.reserve is not None:
        return _("an-restock-allocated", waiting=restocked.waiting, reserved=restocked.reserved, told=restocked.told,
                 duration=duration(_, int(restocked.reserve.total_seconds())))
    return _("an-restock-told", waiting=restocked.waiting)


LIST_ROWS = 20  # /announce list stays one message


def list_text(app: App, _: Translator, listed: list[service.Listed], total: int) -> str:
    if not listed:
        return _("an-list-empty")
    rows = [_("an-list-head", count=total)]
    for item in listed:
        rows.append(_("an-list-row", id=item.id, kind=_(f"an-kind-{item.kind}"), name=item.name, sku=item.sku,
                      status=_(f"an-status-{item.status}"), when=local_time(app, item.go_live_at),
                      to=item.labels or "all", reminders=item.reminders))
    if total > len(listed):
        rows.append(_("an-list-more", count=total - len(listed)))
    return lines(*rows)


def stock_text(app: App, _: Translator, result: service.StockSet) -> str:
    before = _("an-stock-untracked") if result.before is None else str(result.before)
    head = _("an-stock-set", name=result.item.name, sku=result.item.sku, before=before, after=result.after)
    if result.restock is None:
        return head
    if result.restock.item is None:  # the same command delivered twice
        return head
    return lines(head, created_text(app, _, result.restock))


def remind_text(app: App, _: Translator, reminder: service.Reminder) -> str:
    when = local_time(app, reminder.go_live_at)
    return _("an-remind-on" if reminder.active else "an-remind-off", name=reminder.name, when=when)


def joined_text(_: Translator, joined: service.Joined) -> str:
    return _("an-notify-joined" if joined.new else "an-notify-already", name=joined.name, place=joined.place)


def claimed_text(_: Translator, claimed: service.Claimed) -> str:
    return lines(_("an-claimed", name=claimed.name, code=rules.format_code(claimed.code)),
                 _("cat-card-link", link=claimed.link) if claimed.link else None)


def claimed_staff_text(_: Translator, claimed: service.Claimed) -> str:
    left = _("an-stock-untracked") if claimed.stock is None else str(claimed.stock)
    return _("an-claimed-staff", code=rules.format_code(claimed.code), name=claimed.name, sku=claimed.sku,
             user=str(claimed.user_id), left=left)

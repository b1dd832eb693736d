"""Announcements on screen: the buttons ("🔔 Remind me", "🔔 Notify me", "✅ Claim"), the broadcast
renderers (group posts, the private go-live message, the launch reward notice, the waitlist notice,
the reservation) and the staff confirmations. The broadcast engine calls the renderers, in the
recipient's language, when it sends each planned delivery (``bot/features.py`` registers them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field
from sqlalchemy import select

from bot.db.models import Reservation
from bot.services import announcements as service
from bot.texts import Markup, Translator, lines
from bot.views.broadcasts import Outgoing, RenderContext, Renderer, Skip
from games import announcements as rules
from games.money import format_money

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


def price(app: App, cents: int) -> str:
    return f"{format_money(cents)} {app.settings.shop_currency}"


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
    if link and link.startswith(("https://", "http://")):
        return [InlineKeyboardButton(text=_("an-button-buy"), url=link)]
    return []


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def _translator(app: App, ctx: RenderContext) -> Translator:
    return ctx._ if ctx._ is not None else Translator(app.texts, app.settings.default_language)


def _item_lines(app: App, _: Translator, args: Mapping[str, Any]) -> Markup:
    link = args.get("link")
    plain_link = link if link and not str(link).startswith(("https://", "http://")) else None
    return lines(_("an-item-name", name=str(args.get("name", "")), sku=str(args.get("sku", ""))),
                 _("an-item-price", price=price(app, int(args.get("price_cents") or 0))),
                 _("an-item-link", link=str(plain_link)) if plain_link else None)


# ---- group posts ------------------------------------------------------------------------------------

async def render_post(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A new arrival in a group: photo, name, price, link; "🔔 Notify me" when it is sold out."""
    _ = _translator(app, ctx)
    args = ctx.args
    sold_out = args.get("stock") == 0
    text = lines(_("an-post-head"), _item_lines(app, _, args), _("an-post-sold-out") if sold_out else None)
    notify = notify_keyboard(_, int(args["product_id"])).inline_keyboard[0] if sold_out else []
    markup = _markup(_buy_row(_, args.get("link")), notify)
    return Outgoing(text, photo=args.get("photo"), reply_markup=markup)


async def render_teaser(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A pre-announcement's teaser: what, when (local time), and "🔔 Remind me"."""
    _ = _translator(app, ctx)
    args = ctx.args
    when = local_time(app, datetime.fromisoformat(str(args["go_live_at"])))
    text = lines(_("an-teaser-head"), _item_lines(app, _, args), _("an-teaser-when", when=when),
                 _("an-teaser-how"))
    button = [InlineKeyboardButton(text=_("an-button-remind"),
                                   callback_data=RemindCb(id=int(args["announcement_id"])).pack())]
    return Outgoing(text, photo=args.get("photo"), reply_markup=_markup(button))


async def render_restock(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """Back in stock, in a group: how many units, and whether the waitlist has them reserved."""
    _ = _translator(app, ctx)
    args = ctx.args
    units = args.get("units")
    reserve_s = args.get("reserve_s")
    text = lines(_("an-restock-head"), _item_lines(app, _, args),
                 _("an-restock-units", units=int(units)) if units is not None else None,
                 _("an-restock-reserved", duration=duration(_, int(reserve_s))) if reserve_s else None)
    return Outgoing(text, photo=args.get("photo"), reply_markup=_markup(_buy_row(_, args.get("link"))))


# ---- private messages ---------------------------------------------------------------------------------

async def render_live(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To a member who asked to be reminded: it is live (and their launch reward, if they voted for it)."""
    _ = _translator(app, ctx)
    args = ctx.args
    points = ctx.recipient.get("points")
    text = lines(_("an-live-head", name=str(args.get("name", ""))), _item_lines(app, _, args),
                 _("an-launch-points", points=int(points)) if points else None)
    return Outgoing(text, photo=args.get("photo"), reply_markup=_markup(_buy_row(_, args.get("link"))))


async def render_launch(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To a voter who chose this item: it is live, and their launch reward."""
    _ = _translator(app, ctx)
    args = ctx.args
    points = int(ctx.recipient.get("points") or 0)
    if points <= 0:
        return Skip("no-points")
    text = lines(_("an-launch-head", name=str(args.get("name", ""))), _("an-launch-points", points=points))
    return Outgoing(text, reply_markup=_markup(_buy_row(_, args.get("link"))))


async def render_notice(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """To the waitlist: back in stock (first come, first served), or — when the units are reserved for
    those ahead — their place in line for a reservation that expires unclaimed."""
    _ = _translator(app, ctx)
    args = ctx.args
    units = args.get("units")
    if ctx.recipient.get("reserved"):
        text = lines(_("an-notice-head", name=str(args.get("name", ""))),
                     _("an-notice-in-line", place=int(ctx.recipient.get("place") or 1)))
        return Outgoing(text)
    text = lines(_("an-notice-head", name=str(args.get("name", ""))), _item_lines(app, _, args),
                 _("an-restock-units", units=int(units)) if units is not None else None, _("an-notice-go"))
    return Outgoing(text, reply_markup=_markup(_buy_row(_, args.get("link"))))


async def render_reservation(app: App, ctx: RenderContext) -> Outgoing | Skip:
    """A reservation: the item, the personal code, until when (local time), "✅ Claim". Skipped when it
    was claimed or expired before the message could leave."""
    _ = _translator(app, ctx)
    args, mine = ctx.args, ctx.recipient
    reservation_id = int(mine.get("reservation_id") or 0)
    async with app.db.reader() as session:
        status = (await session.execute(select(Reservation.__table__.c.status).where(  # type: ignore[attr-defined]
            Reservation.__table__.c.id == reservation_id))).scalar()  # type: ignore[attr-defined]
    if status != service.OPEN:
        return Skip("reservation-closed")
    until = local_time(app, datetime.fromisoformat(str(mine["expires_at"])))
    text = lines(_("an-reserve-passed") if args.get("passed") else None,
                 _("an-reserve-head", name=str(args.get("name", ""))), _item_lines(app, _, args),
                 _("an-reserve-code", code=rules.format_code(str(mine["code"]))),
                 _("an-reserve-until", until=until), _("an-reserve-how"))
    claim = [InlineKeyboardButton(text=_("an-button-claim"), callback_data=ClaimCb(id=reservation_id).pack())]
    return Outgoing(text, reply_markup=_markup(claim, _buy_row(_, args.get("link"))))


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
                 _("an-item-link", link=claimed.link) if claimed.link else None)


def claimed_staff_text(_: Translator, claimed: service.Claimed) -> str:
    left = _("an-stock-untracked") if claimed.stock is None else str(claimed.stock)
    return _("an-claimed-staff", code=rules.format_code(claimed.code), name=claimed.name, sku=claimed.sku,
             user=str(claimed.user_id), left=left)

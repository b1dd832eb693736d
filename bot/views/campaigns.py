"""Recurring posts, campaigns and repurchase reminders on screen: the broadcast renderers (kinds
``recurring``, ``campaign``, ``repurchase``), the "🔕 No more promotions" button, and the staff texts
(``/schedule``'s list, a campaign's plan)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db.models import RecurringPost
from bot.services import campaigns as service
from bot.services import catalogue
from bot.texts import LIST_NAME, Markup, Translator, escape, lines, shorten
from bot.views.broadcasts import Outgoing, RenderContext, Renderer, Skip
from games.campaigns import DAY_NAMES, next_run

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["RENDERERS", "PromoAction", "PromoCb", "promo_keyboard", "schedule_list"]

PREVIEW = 40  # characters of a post's text in /schedule's list


class PromoAction(StrEnum):
    OFF = "off"
    ON = "on"


class PromoCb(CallbackData, prefix="cp"):
    """The button on every campaign message and reminder: opt out of promotions (or back in)."""

    action: PromoAction


def promo_keyboard(_: Translator, *, off: bool = False) -> InlineKeyboardMarkup:
    """"🔕 No more promotions" (``off``: the member opted out; the button turns them back on)."""
    action = PromoAction.ON if off else PromoAction.OFF
    button = InlineKeyboardButton(text=_(f"cp-button-promos-{action.value}"),
                                  callback_data=PromoCb(action=action).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def staff_text(text: str) -> Markup:
    """Staff's text as typed: escaped, line breaks kept."""
    return Markup(escape(text))


def _translator(app: App, ctx: RenderContext) -> Translator:
    return ctx._ or Translator(app.texts, app.settings.default_language)


# ---- renderers (called by the broadcast engine) ---------------------------------------------------

async def render_recurring(app: App, ctx: RenderContext) -> Outgoing | Skip:
    text = str(ctx.args.get("text") or "")
    if not text:
        return Skip("empty")
    return Outgoing(staff_text(text))


async def render_campaign(app: App, ctx: RenderContext) -> Outgoing | Skip:
    text = str(ctx.args.get("text") or "")
    if not text:
        return Skip("empty")
    return Outgoing(staff_text(text), reply_markup=promo_keyboard(_translator(app, ctx)))


async def render_repurchase(app: App, ctx: RenderContext) -> Outgoing | Skip:
    _ = _translator(app, ctx)
    async with app.db.reader() as session:
        product = await catalogue.by_sku(session, str(ctx.args.get("sku") or ""))
    if product is None or catalogue.is_archived(product):
        return Skip("product-gone")
    text = lines(_("cp-repurchase", name=product.name),
                 _("cp-repurchase-link", link=product.link) if product.link else None)
    return Outgoing(text, photo=product.photo, reply_markup=promo_keyboard(_))


RENDERERS: dict[str, Renderer] = {
    service.RECURRING: render_recurring,
    service.CAMPAIGN: render_campaign,
    service.REPURCHASE: render_repurchase,
}


# ---- staff texts ----------------------------------------------------------------------------------

def _when(_: Translator, post: RecurringPost) -> Markup:
    rule = service.recurrence_of(post)
    best = _("cp-best-mark") if rule.best else ""
    if rule.weekday is None:
        return _("cp-when-daily", at=post.at_time, best=best)
    return _("cp-when-weekly", day=_(f"cp-day-{DAY_NAMES[rule.weekday]}"), at=post.at_time, best=best)


def post_line(_: Translator, post: RecurringPost, now: datetime, tz: tzinfo) -> Markup:
    """One post: its id, when, to whom, the next run (local) or "paused", and its text's start."""
    labels = service.labels_of(post)
    to = ", ".join(labels) if labels else _("cp-to-all")
    if post.status == service.ACTIVE:
        upcoming = next_run(service.recurrence_of(post), now.astimezone(tz)).strftime("%Y-%m-%d %H:%M")
        state = _("cp-next", at=upcoming)
    else:
        state = _("cp-paused")
    return _("cp-post-line", id=int(post.id or 0), when=_when(_, post), to=to, state=state,
             text=shorten(post.text.replace("\n", " "), PREVIEW))


def schedule_list(_: Translator, posts: list[RecurringPost], upcoming: list[service.Upcoming], total: int,
                  now: datetime, tz: tzinfo) -> Markup:
    """/schedule: the recurring posts, then every broadcast still planned in the future."""
    post_rows = [post_line(_, post, now, tz) for post in posts] or [_("cp-no-posts")]
    rows = [_("cp-broadcast-line", id=item.broadcast_id, kind=shorten(item.kind, LIST_NAME),
              at=item.next_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), count=item.planned)
            for item in upcoming] or [_("cp-no-broadcasts")]
    more = _("list-more", count=total - len(upcoming)) if total > len(upcoming) else None
    return lines(_("cp-posts-head"), *post_rows, "", _("cp-broadcasts-head"), *rows, more)


def post_added(_: Translator, post_id: int, post: RecurringPost, now: datetime, tz: tzinfo) -> Markup:
    return _("cp-added", id=post_id, line=post_line(_, post, now, tz))


def campaign_planned(_: Translator, plan: service.CampaignPlan, at: datetime, tz: tzinfo,
                     second_at: datetime | None = None) -> Markup:
    ids = ", ".join(f"#{broadcast_id}" for broadcast_id in plan.broadcast_ids)
    head = _("cp-campaign-planned" if plan.created else "cp-campaign-again", ids=ids, count=plan.recipients,
             at=at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    second = (_("cp-campaign-second", at=second_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
              if second_at is not None else None)
    return lines(head, second, _("cp-campaign-skipped", opted_out=plan.opted_out, unreachable=plan.unreachable),
                 _("cp-campaign-report", id=plan.broadcast_ids[0]))

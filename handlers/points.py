"""/me and /top."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.app import App
from bot.directory import GroupInfo
from bot.outbox import Outbox
from bot.services import rewards as reward_service
from bot.services import tiers as tier_service
from bot.services.checkin import Ranked, member_card, top_checkins, top_points
from bot.services.people import Profile
from bot.texts import Markup, Translator
from bot.views import rewards as reward_views
from games.checkin import month_grid
from games.gate import format_money
from games.tiers import Measure, format_multiplier


def _calendar(_: Translator, today: date, days: set[date]) -> str:
    rows = []
    for week in month_grid(today.year, today.month, days):
        rows.append(" ".join("  " if cell is None else ("✅" if cell[1] else f"{cell[0]:02d}") for cell in week))
    return "\n".join(rows)


async def me(
    message: Message, app: App, out: Outbox, _: Translator, group_: Translator,
    profile: Profile, today: date,
) -> None:
    async with app.db.reader() as session:  # a snapshot: never waits for (or blocks) the writers
        card = await member_card(session, profile.id, today)
        owned = await reward_service.owned(session, profile.id) if message.chat.type == "private" else []
        tier = await tier_service.standing(session, profile.id, app.settings.shop_currency, app.clock.now()) \
            if message.chat.type == "private" else None
    if message.chat.type != "private":
        line = group_("me-line", name=profile.display_name, balance=card.balance, streak=card.streak)
        out.group_line(message.chat.id, "me", line, lambda lines: "\n".join(lines), key=profile.id)
        return
    entries = [
        _("me-entry", amount=f"{amount:+d}", reason=_(f"reason-{reason}"),
          date=created.astimezone(app.settings.tz).strftime("%m-%d %H:%M"))
        for amount, reason, created in card.recent
    ]
    card_text = _(
        "me-card", name=profile.display_name, balance=card.balance, lifetime=card.lifetime_points,
        streak=card.streak, total=card.checkins_total,
        today=_("me-today-yes") if card.checked_in_today else _("me-today-no"),
        month=today.strftime("%Y-%m"), calendar=Markup(_calendar(_, today, card.month_days)),
        entries=Markup("\n".join(entries) if entries else _("me-no-entries")),
    )
    if tier is not None:
        card_text = Markup(card_text + tier_lines(_, tier, app.settings.shop_currency))
    mine = reward_views.mine(_, owned)  # "my rewards", with their codes
    out.message(message.chat.id, Markup(f"{card_text}\n\n{mine}") if mine else card_text,
                reply_markup=reward_views.me_keyboard(_))


def tier_lines(_: Translator, standing: tier_service.Standing, currency: str) -> str:
    """/me's tier, progress to the next one and what is owed from refunds (nothing if the shop has
    no tiers and nothing is owed)."""
    rows: list[str] = []
    progress = standing.progress
    if standing.tiers:
        if progress.current is None:
            rows.append(_("tiers-me-none"))
        else:
            rows.append(_("tiers-me-tier", tier=progress.current.name,
                          multiplier=format_multiplier(progress.current.multiplier)))
        if progress.next is None:
            rows.append(_("tiers-me-top"))
        elif progress.next.measure is Measure.POINTS:
            rows.append(_("tiers-me-next-points", missing=progress.missing, next=progress.next.name))
        else:
            rows.append(_("tiers-me-next-spend", missing=format_money(progress.missing), currency=currency,
                          next=progress.next.name))
    for title, link in standing.links:
        rows.append(_("tiers-me-link", title=title, link=link))
    if standing.owed:
        rows.append(_("tiers-me-owed", owed=standing.owed))
    return "\n\n" + "\n".join(rows) if rows else ""


def _board(_: Translator, rows: list[Ranked], key: str) -> str:
    if not rows:
        return _("top-empty")
    return "\n".join(_(key, rank=i, name=r.name, value=r.value, extra=r.extra) for i, r in enumerate(rows, 1))


async def top(
    message: Message, app: App, out: Outbox, _: Translator, group_: Translator,
    group: GroupInfo | None, today: date,
) -> None:
    in_group = message.chat.type != "private"
    if in_group and group is None:
        out.group_line(message.chat.id, "not-registered", None, lambda _items: group_("group-not-registered"))
        return
    t = group_ if in_group else _
    chat_id = group.chat_id if group else None
    async with app.db.reader() as session:
        checkins, points = await top_checkins(session, chat_id, today), await top_points(session, chat_id)
    text = t(
        "top-board",
        scope=group.title if group else t("top-scope-shop"),
        checkins=Markup(_board(t, checkins, "top-checkin-row")),
        points=Markup(_board(t, points, "top-points-row")),
    )
    if in_group:
        # However many members ask at once, the group gets one fresh board per window.
        out.group_line(message.chat.id, "top", text, lambda texts: texts[-1])
    else:
        out.message(message.chat.id, text)


def create_router() -> Router:
    router = Router(name="points")
    router.message.register(me, Command("me"))
    router.message.register(top, Command("top"))
    return router

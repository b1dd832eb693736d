"""The lottery on screen: its feature state (the random source), callback data, the prize table
with odds, and a draw's result."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import tzinfo
from fractions import Fraction

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import lottery as service
from bot.texts import LIST_NAME, Markup, Translator, lines, shorten
from games import lottery as rules


@dataclass
class Lottery:
    """The lottery's state in one process, injected as ``lottery``: its random source, a
    cryptographically secure one in production (seeded in tests)."""

    rng: rules.RandomSource = field(default_factory=secrets.SystemRandom)


class DrawCb(CallbackData, prefix="lt"):
    action: str  # "free": the day's free draw (or the offer of a paid one); "pay": a paid draw


def pay_keyboard(_: Translator, cost: int, *, again: bool = False) -> InlineKeyboardMarkup:
    text = _("lt-button-again" if again else "lt-button-pay", cost=cost)
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text,
                                                                       callback_data=DrawCb(action="pay").pack())]])


def _odds(prize: rules.Prize, table: dict[int, object]) -> str:
    chance = table.get(prize.prize_id)
    return rules.percent(chance) if chance is not None else "0"  # type: ignore[arg-type]


def staff_table(_: Translator, rows: list[service.TableRow], config: service.Settings) -> str:
    cost = str(config.lottery_cost) if config.lottery_cost else _("lt-table-cost-off")
    head = _("lt-table-head", cost=cost, free=config.lottery_free)
    if not rows:
        return lines(head, _("lt-table-none"))
    chances = rules.odds([r.prize for r in rows])
    body = []
    for r in rows:
        prize = r.prize
        name = shorten(prize.name, LIST_NAME)
        if not prize.in_stock:
            body.append(_("lt-table-out", id=prize.prize_id, name=name, weight=prize.weight))
            continue
        kind = Markup("")
        if prize.kind is rules.Kind.POINTS:
            kind = _("lt-table-points", points=int(r.row.points))
        elif prize.kind is rules.Kind.REWARD:
            kind = _("lt-table-reward", reward=int(r.row.reward_id))
        stock = _("lt-table-stock", left=prize.left) if prize.left is not None else Markup("")
        body.append(_("lt-table-line", id=prize.prize_id, name=name, odds=rules.percent(chances[prize.prize_id]),
                      weight=prize.weight, prize=kind, stock=stock))
    return lines(head, *body, "", _("lt-table-note"))


def member_odds(_: Translator, rows: list[service.TableRow]) -> str:
    chances = rules.odds([r.prize for r in rows])
    body = [_("lt-odds-line", name=shorten(r.prize.name, LIST_NAME), odds=rules.percent(chances[r.prize.prize_id]))
            for r in rows if r.prize.prize_id in chances]
    return lines(_("lt-odds-head"), *body) if body else _("lt-no-table")


def result(_: Translator, drawn: service.Drawn) -> str:
    odds = rules.percent(Fraction(drawn.odds_ppm, rules.PPM))
    if drawn.guaranteed:
        head = _("lt-won-guaranteed", prize=drawn.prize_name)
    elif drawn.kind is rules.Kind.NOTHING:
        head = _("lt-won-nothing", odds=odds)
    else:
        head = _("lt-won", prize=drawn.prize_name, odds=odds)
    parts: list[str | None] = [head]
    if drawn.points:
        parts.append(_("lt-won-points", points=drawn.points, balance=drawn.balance))
    if drawn.redemption_id is not None:
        parts.append(_("lt-won-code", code=drawn.code, id=drawn.redemption_id) if drawn.code
                     else _("lt-won-number", id=drawn.redemption_id))
    elif drawn.kind is rules.Kind.GIFT:
        parts.append(_("lt-won-gift", id=drawn.draw_id))
    if drawn.cost:
        parts.append(_("lt-paid", cost=drawn.cost, balance=drawn.balance))
    else:
        parts.append(_("lt-free-left", left=drawn.free_left))
    return lines(*parts)


def draws_list(_: Translator, items: list[service.DrawLine], tz: tzinfo) -> str:
    if not items:
        return _("lt-draws-none")
    rows = []
    for d in items:
        odds = _("lt-draws-guaranteed") if d.guaranteed \
            else rules.percent(Fraction(d.odds_ppm, rules.PPM)) + "%"
        rows.append(_("lt-draws-line", id=d.draw_id, date=d.created_at.astimezone(tz).strftime("%m-%d %H:%M"),
                      name=shorten(d.name, LIST_NAME), prize=shorten(d.prize, LIST_NAME), odds=odds,
                      paid=_("lt-draws-paid", cost=d.cost) if d.cost else Markup("")))
    return lines(_("lt-draws-head"), *rows)

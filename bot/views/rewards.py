"""The rewards shop on screen: callback data, keyboards and texts of the shop, the confirmation,
the redemption (its code or number), a member's rewards and the staff lists."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import tzinfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import rewards as service
from bot.texts import LIST_NAME, Markup, Translator, lines, shorten
from bot.views.lottery import DrawCb
from games import rewards as rules
from games.errors import DomainError

MAX_BUTTONS = 20  # reward buttons under the shop message
STAFF_ROWS = 40  # rows of a list (members' shop, staff catalogue): one message, always
BUTTON_NAME = 24


class SoldOutMemo:
    """Rewards found sold out, remembered for ``ttl`` seconds so that a stampede of confirmations
    after the last code is answered from memory instead of queueing for the database. Unlike a red
    packet, a reward can come back (staff add stock or codes, in any process), so the memory is
    short and this process forgets a reward at once when its staff change it. A remembered "sold
    out" only ever refuses: it can never make anything be redeemed."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._until: dict[int, float] = {}

    def sold_out(self, reward_id: int) -> bool:
        until = self._until.get(reward_id)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self._until[reward_id]
            return False
        return True

    def remember(self, reward_id: int) -> None:
        self._until[reward_id] = time.monotonic() + self.ttl

    def forget(self, reward_id: int) -> None:
        self._until.pop(reward_id, None)


@dataclass
class Rewards:
    """The rewards shop's state in one process, injected as ``rewards``."""

    memo: SoldOutMemo = field(default_factory=SoldOutMemo)


class RewardCb(CallbackData, prefix="rw"):
    action: str  # "shop": open the shop; "ask": confirm this reward; "ok": redeem; "no": cancel
    id: int = 0


def _cash(_: Translator, cash: str | None) -> Markup:
    return _("rw-cash-note", cash=cash) if cash else Markup("")


def shop_keyboards(_: Translator) -> list[InlineKeyboardButton]:
    """The buttons /me shows: the shop and the lottery."""
    return [InlineKeyboardButton(text=_("rw-button-shop"), callback_data=RewardCb(action="shop").pack()),
            InlineKeyboardButton(text=_("rw-button-draw"), callback_data=DrawCb(action="free").pack())]


def me_keyboard(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[shop_keyboards(_)])


def shop(_: Translator, lines_: list[service.RewardLine], balance: int) -> tuple[str, InlineKeyboardMarkup]:
    """The member's shop: affordable rewards first (cheapest first), then the rest, sold out last."""
    by_id = {line.id: line for line in lines_}
    offers = rules.for_member([rules.Offer(line.id, line.reward.name, int(line.reward.cost), line.left)
                               for line in lines_], balance)
    rows: list[str] = []
    buttons: list[list[InlineKeyboardButton]] = []
    for offer in offers:
        line = by_id[offer.reward_id]
        name = shorten(offer.name, LIST_NAME)
        cash = _cash(_, line.reward.cash)
        left = _("rw-member-unlimited") if offer.left is None else _("rw-member-left", left=offer.left)
        if offer.left is not None and offer.left <= 0:
            rows.append(_("rw-member-line-out", name=name))
            continue
        if offer.cost <= balance:
            rows.append(_("rw-member-line-ok", name=name, cost=offer.cost, cash=cash, left=left))
        else:
            rows.append(_("rw-member-line-short", name=name, cost=offer.cost, cash=cash, left=left,
                          missing=offer.cost - balance))
        if len(buttons) < MAX_BUTTONS:
            buttons.append([InlineKeyboardButton(
                text=_("rw-button", name=shorten(offer.name, BUTTON_NAME), cost=offer.cost),
                callback_data=RewardCb(action="ask", id=offer.reward_id).pack())])
    buttons.append(shop_keyboards(_)[1:])
    if not rows:
        return lines(_("rw-member-head", balance=balance), _("rw-member-none")), InlineKeyboardMarkup(
            inline_keyboard=buttons)
    more = _("list-more", count=len(rows) - STAFF_ROWS) if len(rows) > STAFF_ROWS else None
    body = lines(_("rw-member-head", balance=balance), *rows[:STAFF_ROWS], more)
    return Markup(f"{body}\n\n{_('rw-member-hint')}"), InlineKeyboardMarkup(inline_keyboard=buttons)


def confirmation(_: Translator, reward_id: int, name: str, cost: int, cash: str | None, balance: int
                 ) -> tuple[str, InlineKeyboardMarkup]:
    text = _("rw-confirm", name=name, cost=cost, cash=_cash(_, cash), balance=balance)
    return text, InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("rw-confirm-yes"), callback_data=RewardCb(action="ok", id=reward_id).pack()),
        InlineKeyboardButton(text=_("rw-confirm-no"), callback_data=RewardCb(action="no", id=reward_id).pack()),
    ]])


def redeemed(_: Translator, done: service.Redeemed) -> str:
    if done.code is not None:
        return _("rw-done-code", name=done.name, cost=done.cost, balance=done.balance, code=done.code,
                 id=done.redemption_id)
    return _("rw-done-number", name=done.name, cost=done.cost, balance=done.balance, id=done.redemption_id)


def refusal(_: Translator, error: DomainError) -> str:
    params = dict(error.params)
    if isinstance(error, rules.LimitReached):
        params["period"] = _(f"rw-period-{params.get('period', 'ever')}")
    return _(error.key, **params)


def mine(_: Translator, owned: list[service.Owned]) -> str | None:
    """The "my rewards" block of /me (None: nothing redeemed yet)."""
    if not owned:
        return None
    rows = []
    for item in owned:
        name = shorten(item.name, LIST_NAME)
        if item.code is not None:
            rows.append(_("rw-mine-code", id=item.redemption_id, name=name, code=item.code))
        elif item.status == service.DONE:
            rows.append(_("rw-mine-done", id=item.redemption_id, name=name))
        else:
            rows.append(_("rw-mine-pending", id=item.redemption_id, name=name))
    return lines(_("rw-mine-head"), *rows)


def spec_line(_: Translator, spec: rules.RewardSpec) -> str:
    return _("rw-line", name=spec.name, cost=spec.cost, cash=_cash(_, spec.cash))


def staff_list(_: Translator, lines_: list[service.RewardLine]) -> str:
    if not lines_:
        return _("rw-staff-none")
    rows = []
    for line in lines_[:STAFF_ROWS]:
        reward = line.reward
        stock = _("rw-staff-stock-unlimited") if reward.stock is None \
            else _("rw-staff-stock", left=reward.stock - reward.redeemed, stock=reward.stock)
        extra = []
        if line.free_codes is not None:
            extra.append(_("rw-staff-codes", codes=line.free_codes))
        if reward.limit_count is not None:
            extra.append(_("rw-staff-limit", limit=f"{reward.limit_count}/{reward.limit_period}"))
        if reward.tier:
            extra.append(_("rw-staff-tier", tier=reward.tier))
        if reward.cash:
            extra.append(_("rw-staff-cash", cash=reward.cash))
        if reward.status == service.PAUSED:
            extra.append(_("rw-staff-paused"))
        rows.append(_("rw-staff-line", id=reward.id, name=shorten(reward.name, LIST_NAME), cost=reward.cost,
                      stock=stock, redeemed=reward.redeemed, extra=Markup(" ".join(extra))))
    more = _("list-more", count=len(lines_) - STAFF_ROWS) if len(lines_) > STAFF_ROWS else None
    return lines(_("rw-staff-list-head", count=len(lines_)), *rows, more)


def pending_list(_: Translator, items: list[service.Pending], total: int, tz: tzinfo) -> str:
    if not items:
        return _("rw-pending-none")
    rows = [_("rw-pending-line", id=p.redemption_id, reward=shorten(p.reward, LIST_NAME),
              name=shorten(p.user_name, LIST_NAME), user=p.user_id,
              date=p.created_at.astimezone(tz).strftime("%m-%d %H:%M")) for p in items]
    more = _("list-more", count=total - len(items)) if total > len(items) else None
    return lines(_("rw-pending-head", count=total), *rows, more)

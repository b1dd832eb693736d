"""Price-guessing rounds on screen: the round's post (with its deep-link button), the private
view of a round, the answers to guesses, the invite button and link, and the results.

Shared by the handlers and the scheduler jobs (which close rounds at their deadline). Guessing
happens in private chat, so the group sees two posts per round: the round and its results.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import guessing as service
from bot.services import people
from bot.services.guessing import InviteCredit
from bot.texts import LIST_NAME, Markup, Translator, language_for, lines, shorten
from games import guessing as rules

if TYPE_CHECKING:
    from sqlalchemy import Row

    from bot.app import App

log = logging.getLogger(__name__)

DEEP_LINK_PREFIX = "guess_"
PRODUCT_IN_LIST = 40


class InviteCb(CallbackData, prefix="gi"):
    id: int


def deep_link(username: str, round_id: int) -> str:
    return f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{round_id}"


def group_translator(app: App, chat_id: int) -> Translator:
    group = app.directory.group(chat_id)
    return Translator(app.texts, language_for(group.language if group else None, app.settings.default_language))


def local(app: App, moment: datetime) -> str:
    return moment.astimezone(app.settings.tz).strftime("%m-%d %H:%M")


def price_text(app: App, cents: int) -> str:
    return f"{rules.format_price(cents)} {app.settings.shop_currency}"


def rule_line(_: Translator, round_row: Row[Any]) -> str:
    if round_row.rule == str(rules.Rule.WITHIN):
        return _("guess-rule-within", percent=rules.format_percent(round_row.within_bp))
    return _(f"guess-rule-{round_row.rule}")


def render_post(app: App, _: Translator, round_row: Row[Any]) -> str:
    parts = [_("guess-post-head", id=str(round_row.id), product=round_row.product), rule_line(_, round_row),
             _("guess-line-tries", tries=round_row.tries)]
    if round_row.hints:
        parts.append(_("guess-line-hints"))
    if round_row.invites:
        parts.append(_("guess-line-invites", invites=round_row.invites))
    if round_row.prize:
        parts.append(_("guess-line-prize", prize=round_row.prize))
    parts += [_("guess-line-until", until=local(app, round_row.deadline)), _("guess-post-how")]
    return lines(*parts)


async def post(app: App, round_id: int) -> None:
    """Post the round in its group (a photo when it has one) with the button that opens it in
    private chat, and remember the post (a guess typed as a reply to it is taken too)."""
    async with app.db.reader() as session:
        round_row = await service.get(session, round_id)
    if round_row is None or round_row.message_id is not None or round_row.status != service.OPEN:
        return
    _ = group_translator(app, round_row.chat_id)
    me = await app.sender.bot.me()
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("guess-button"), url=deep_link(me.username or "", round_id))]])
    text = render_post(app, _, round_row)
    group = app.directory.group(round_row.chat_id)
    thread = group.thread_id if group else None
    if round_row.photo:
        message = await app.sender.send_photo(round_row.chat_id, round_row.photo, caption=text, reply_markup=markup,
                                              message_thread_id=thread)
    else:
        message = await app.sender.send_message(round_row.chat_id, text, reply_markup=markup,
                                                message_thread_id=thread)
    if message is None:
        log.warning("guess round %s: its post to %s failed", round_id, round_row.chat_id)
        return
    async with app.db.session() as session:
        await service.set_message(session, round_id, message.message_id)


def intro(app: App, _: Translator, round_row: Row[Any], player: service.Player) -> str:
    """The round as a member sees it in private chat."""
    parts = [_("guess-private-head", id=str(round_row.id), product=round_row.product), rule_line(_, round_row)]
    if round_row.hints:
        parts.append(_("guess-line-hints"))
    if round_row.prize:
        parts.append(_("guess-line-prize", prize=round_row.prize))
    parts.append(_("guess-line-until", until=local(app, round_row.deadline)))
    parts.append(_("guess-private-left", left=player.left))
    if player.left:
        parts.append(_("guess-private-how"))
    elif round_row.invites and player.may_earn:
        parts.append(_("guess-invite-offer", invites=round_row.invites))
    return lines(*parts)


def invite_markup(_: Translator, round_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("guess-invite-button"), callback_data=InviteCb(id=round_id).pack())]])


def wants_invite(round_row: Row[Any], player: service.Player | None) -> bool:
    """An exhausted member of an open round that still rewards invites gets the invite button."""
    return (player is not None and round_row.status == service.OPEN and round_row.invites > 0
            and player.left == 0 and player.may_earn)


def answer(app: App, _: Translator, round_row: Row[Any], accepted: service.Accepted) -> str:
    """What a member hears after a guess."""
    price = price_text(app, accepted.cents)
    parts = [_("guess-accepted", id=str(round_row.id), n=accepted.n, price=price, left=accepted.left)]
    if accepted.hint is not None and not accepted.won:
        parts.append(_(f"guess-hint-{accepted.hint}", price=price))
    if accepted.won:
        parts.append(_("guess-won", id=str(round_row.id), price=price,
                       percent=rules.format_percent(round_row.within_bp)))
        if accepted.paid:
            parts.append(_("guess-won-prize", prize=accepted.paid))
    elif accepted.left == 0:
        parts.append(_("guess-out-of-tries"))
        if accepted.player is not None and wants_invite(round_row, accepted.player):
            parts.append(_("guess-invite-offer", invites=round_row.invites))
    return lines(*parts)


def render_results(app: App, _: Translator, results: service.Results) -> str:
    round_row = results.round
    if round_row.status == service.CANCELLED:
        return _("guess-results-cancelled", id=str(round_row.id), product=round_row.product)
    parts = [_("guess-results-head", id=str(round_row.id), product=round_row.product,
               price=price_text(app, round_row.price_cents))]
    if results.winner is not None:
        parts.append(_("guess-results-winner", name=shorten(results.winner.name, LIST_NAME),
                       guess=price_text(app, results.winner.cents)))
        if round_row.paid:
            parts.append(_("guess-results-prize", prize=round_row.paid))
    elif results.guesses:
        parts.append(_("guess-results-nobody"))
    else:
        parts.append(_("guess-results-no-guesses"))
    if results.top:
        parts.append(_("guess-results-best"))
        parts.extend(_("guess-results-row", rank=rank, name=shorten(r.name, LIST_NAME),
                       guess=price_text(app, r.cents), at=local(app, r.at))
                     for rank, r in enumerate(results.top, start=1))
    if results.guesses:
        parts.append(_("guess-results-stats", guesses=results.guesses, players=results.players))
    return lines(*parts)


async def announce(app: App, round_id: int) -> bool:
    """Post a closed or cancelled round's results in its group, once (claimed before sending), and
    take the button off the round's post."""
    async with app.db.session() as session:
        if not await service.claim_announcement(session, round_id):
            return False
        results = await service.results(session, round_id)
    if results is None:
        return False
    round_row = results.round
    _ = group_translator(app, round_row.chat_id)
    group = app.directory.group(round_row.chat_id)
    await app.sender.send_message(round_row.chat_id, render_results(app, _, results),
                                  reply_to_message_id=round_row.message_id,
                                  message_thread_id=group.thread_id if group else None)
    if round_row.message_id is not None:
        await app.sender.edit_reply_markup(round_row.chat_id, round_row.message_id, reply_markup=None)
    return True


async def tell_inviter(app: App, credit: InviteCredit, friend_name: str) -> None:
    async with app.db.reader() as session:
        round_row = await service.get(session, credit.round_id)
        inviter = await people.get_user(session, credit.inviter_id)
        language = inviter.language_code if inviter is not None else None
    if round_row is None:
        return
    _ = Translator(app.texts, language_for(language, app.settings.default_language))
    key = "guess-friend-joined" if credit.counted else "guess-friend-joined-maxed"
    text = _(key, name=shorten(friend_name, LIST_NAME), id=str(round_row.id), product=round_row.product,
             left=credit.player.left)
    await app.sender.send_message(credit.inviter_id, Markup(text))


class GuessRounds:
    """The price-guessing feature's state, injected as ``guess_rounds``: it keeps nothing in memory,
    but follows a group that becomes a supergroup — the open rounds are posted again there (their
    posts stayed behind in the old group, where nobody can reply any more)."""

    async def chat_moved(self, app: App, old_chat_id: int, new_chat_id: int, reposts: list[int]) -> None:
        async with app.db.session() as session:
            rounds = await service.to_post_again(session, new_chat_id)
        for round_id in rounds:
            await post(app, round_id)

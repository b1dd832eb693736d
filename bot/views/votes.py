"""Votes on screen: the vote's post with one button per option, its debounced tally edits, the results
announcement, and the staff lists. Shared by the handlers and the scheduler jobs.

The feature's own state (:class:`Votes`: the debouncer of post edits) is made once per process by
the feature registry and injected as ``votes`` — never carried by the app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services import votes as service
from bot.texts import Markup, Translator, escape, lines, shorten
from bot.views.redpackets import Debouncer, group_translator
from games import votes as rules

if TYPE_CHECKING:
    from datetime import datetime

    from bot.app import App

log = logging.getLogger(__name__)

BAR = 10  # blocks in a tally bar
QUESTION_IN_LIST = 60


class VoteCb(CallbackData, prefix="vt"):
    """A tap on option ``o`` of vote ``id``: at most ``vt:999999999:10`` (15 bytes of Telegram's 64)."""

    id: int
    o: int


@dataclass
class Votes:
    """The vote feature's state in one process, injected as ``votes``."""

    # Tally edits of a vote's post: at most one per few seconds per vote, always of the latest counts.
    debouncer: Debouncer = field(default_factory=lambda: Debouncer(interval=5.0, first_delay=1.0))

    async def close(self) -> None:
        await self.debouncer.close()

    async def chat_moved(self, app: App, old_chat_id: int, new_chat_id: int, reposts: list[int]) -> None:
        """A group became a supergroup: its open votes' posts stayed behind in the old (now read-only)
        group, so they are posted again in the new one, with their counts so far (``reposts`` are
        red packets: not ours)."""
        async with app.db.session() as session:
            moved = await service.forget_posts(session, new_chat_id)
        for vote_id in moved:
            await post(app, vote_id)


# ---- rendering ---------------------------------------------------------------------------------

def local_time(app: App, moment: datetime) -> str:
    return moment.astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M")


def _bar(percent: int) -> str:
    filled = (min(max(percent, 0), 100) * BAR + 50) // 100
    return "█" * filled + "░" * (BAR - filled)


def _option_rows(_: Translator, vv: service.VoteView, *, counts: bool, bars: bool = True) -> list[str]:
    rows: list[str] = []
    for option, count, percent in zip(vv.options, vv.tally.counts, vv.tally.percents, strict=True):
        if counts and bars:
            rows.append(_("vote-option-bar", no=option.no, label=option.label, count=count, percent=percent,
                          bar=_bar(percent)))
        elif counts:
            rows.append(_("vote-option-count", no=option.no, label=option.label, count=count, percent=percent))
        else:
            rows.append(_("vote-option", no=option.no, label=option.label))
    return rows


def outcome(_: Translator, vv: service.VoteView) -> str:
    """The winner, a tie (all the tied options), or nobody voted."""
    tally = vv.tally
    if not tally.winners:
        return _("vote-result-none")
    labels = [vv.options[no - 1].label for no in tally.winners]
    count = tally.counts[tally.winners[0] - 1]
    percent = tally.percents[tally.winners[0] - 1]
    if tally.tie:
        return _("vote-result-tie", labels=Markup(_("vote-list-separator").join(escape(label) for label in labels)),
                 count=count, percent=percent)
    return _("vote-result-winner", label=labels[0], count=count, percent=percent)


def render(app: App, _: Translator, vv: service.VoteView, *, results: bool = False, staff: bool = False) -> str:
    """The vote's post (``results``: the results announcement; ``staff``: tallies even when hidden)."""
    vote = vv.vote
    head = _("vote-results-head" if results else "vote-head", id=vote.id, question=vote.question)
    parts: list[str | None] = [head]
    if vote.status == service.OPEN:
        counts = vote.show == str(rules.Show.LIVE) or staff
        parts.extend(_option_rows(_, vv, counts=counts))
        parts.append(_("vote-voters", count=vv.tally.voters))
        if vote.multi:
            parts.append(_("vote-rule-multi"))
        if vote.buyers:
            parts.append(_("vote-rule-buyers"))
        if vote.reward:
            parts.append(_("vote-rule-reward", reward=vote.reward))
        if vote.launch:
            parts.append(_("an-vote-rule-launch", launch=vote.launch))
        if not counts:
            parts.append(_("vote-rule-hidden"))
        parts.append(_("vote-until", until=local_time(app, vote.closes_at)))
    elif vote.status == service.CLOSED:
        parts.extend(_option_rows(_, vv, counts=True, bars=not results))
        parts.append(_("vote-voters", count=vv.tally.voters))
        parts.append(outcome(_, vv))
        if vote.reward:
            parts.append(_("vote-paid-note", voters=vote.voters, reward=vote.reward))
        parts.append(_("vote-closed-at", when=local_time(app, vote.closed_at or vote.closes_at)))
    else:
        parts.extend(_option_rows(_, vv, counts=False))
        parts.append(_("vote-cancelled-note"))
    return lines(*parts)


def keyboard(vv: service.VoteView) -> InlineKeyboardMarkup | None:
    """One button per option while the vote is open (each on its own row: labels may be long)."""
    if vv.vote.status != service.OPEN:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=shorten(option.label, rules.MAX_OPTION),
                              callback_data=VoteCb(id=int(vv.vote.id), o=option.no).pack())]
        for option in vv.options
    ])


def tap_answer(_: Translator, cast: service.Cast) -> str:
    """The popup for a tap that counted."""
    if not cast.choices:
        return _("vote-tap-none")
    choices = Markup(_("vote-list-separator").join(escape(label) for label in cast.choices))
    if cast.duplicate or not cast.changed:
        text = _("vote-tap-same", choices=choices)
    elif cast.multi:
        text = _("vote-tap-multi", choices=choices)
    elif cast.first:
        text = _("vote-tap-chosen", choices=choices)
    else:
        text = _("vote-tap-changed", choices=choices)
    if cast.reward:
        text = Markup(f"{text} {_('vote-tap-reward', reward=cast.reward)}")
    return text


def list_rows(app: App, _: Translator, listed: list[service.Listed], total: int) -> str:
    rows = [_("vote-list-row", id=v.id, question=shorten(v.question, QUESTION_IN_LIST),
              state=_(f"vote-state-{v.status}"), voters=v.voters, until=local_time(app, v.closes_at))
            for v in listed]
    more = _("list-more", count=total - len(listed)) if total > len(listed) else None
    return lines(_("vote-list-head", count=total), *(rows or [_("vote-list-none")]), more)


# ---- posting and refreshing --------------------------------------------------------------------

async def post(app: App, vote_id: int) -> None:
    """Send the vote's post into its group (once) and remember its message id."""
    async with app.db.reader() as session:
        vv = await service.view(session, vote_id)
    if vv is None or vv.vote.message_id is not None or vv.vote.status != service.OPEN:
        return
    chat_id = int(vv.vote.chat_id)
    _ = group_translator(app, chat_id)
    group = app.directory.group(chat_id)
    message = await app.sender.send_message(chat_id, render(app, _, vv), reply_markup=keyboard(vv),
                                            message_thread_id=group.thread_id if group else None)
    if message is None:
        log.warning("vote %s: its post to %s failed; it is posted again at the next start", vote_id, chat_id)
        return
    async with app.db.session() as session:
        await service.set_message(session, vote_id, message.message_id)


async def refresh(app: App, vote_id: int) -> None:
    """Edit the vote's post to its current state (through the debouncer, or at the close)."""
    async with app.db.reader() as session:
        vv = await service.view(session, vote_id)
    if vv is None or vv.vote.message_id is None:
        return
    chat_id = int(vv.vote.chat_id)
    _ = group_translator(app, chat_id)
    await app.sender.edit_text(chat_id, int(vv.vote.message_id), render(app, _, vv), reply_markup=keyboard(vv))


def schedule_refresh(app: App, votes: Votes, vote_id: int) -> None:
    votes.debouncer.request(("vote", vote_id), lambda: refresh(app, vote_id))


async def refresh_now(app: App, votes: Votes, vote_id: int) -> None:
    """Edit the post now (closed, cancelled): a pending debounced edit is superseded."""
    votes.debouncer.request(("vote", vote_id), _nothing)
    await refresh(app, vote_id)


async def announce(app: App, votes: Votes, vote_id: int) -> None:
    """A closed vote: its post shows the results (no more buttons), and the results are posted in
    the group as a reply to it; then the vote is marked announced (a restart in between posts them
    again at start-up rather than never)."""
    await refresh_now(app, votes, vote_id)
    async with app.db.reader() as session:
        vv = await service.view(session, vote_id)
    if vv is None or vv.vote.status != service.CLOSED:
        return
    chat_id = int(vv.vote.chat_id)
    _ = group_translator(app, chat_id)
    group = app.directory.group(chat_id)
    await app.sender.send_message(chat_id, render(app, _, vv, results=True),
                                  reply_to_message_id=vv.vote.message_id,
                                  message_thread_id=group.thread_id if group else None)
    async with app.db.session() as session:
        await service.mark_announced(session, vote_id, app.clock.now())


async def _nothing() -> None:
    return None

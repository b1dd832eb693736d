"""Recurring posts and campaigns: /schedule and /campaign (staff, private), /stop_promos and
/start_promos (members, private) and the "🔕 No more promotions" button. Everything here plans;
the broadcast engine sends."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import campaigns as service
from bot.services import people
from bot.services.people import Profile
from bot.texts import ECHO, Markup, Translator, lines, shorten
from bot.views import campaigns as views
from bot.views.campaigns import PromoAction, PromoCb
from games import campaigns as rules
from games import segments
from games.errors import DomainError, SegmentSyntaxError
from games.inputs import parse_id
from games.windows import AtError, parse_at
from handlers.filters import IsStaff
from handlers.moderation import segment_error_text

ACTIONS = ("pause", "resume", "cancel")


def _error(_: Translator, error: DomainError, usage: str) -> Markup:
    params = {k: shorten(v, ECHO) if isinstance(v, str) else v for k, v in error.params.items()
              if isinstance(v, int | str)}
    text = _(error.key, **params)
    return text if error.key == usage else lines(text, _(usage))


# ---- /schedule --------------------------------------------------------------------------------------

def _listing(message: Message, command: CommandObject) -> bool:
    return (command.args or "").strip().lower() in ("", "list")


async def schedule_list(message: Message, app: App, session: AsyncSession, out: Outbox, _: Translator,
                        now: datetime) -> None:
    posts = await service.posts(session)
    upcoming, total = await service.upcoming(session, now)
    out.message(message.chat.id, views.schedule_list(_, posts, upcoming, total, now, app.settings.tz))


async def schedule_command(message: Message, command: CommandObject, app: App, session: AsyncSession,
                           out: Outbox, _: Translator, profile: Profile, now: datetime) -> None:
    words = (command.args or "").split(maxsplit=1)
    action, rest = (words[0].lower() if words else ""), (words[1] if len(words) > 1 else "")
    if action == "add":
        try:
            new = rules.parse_schedule_add(rest, now.astimezone(app.settings.tz))
        except rules.ScheduleError as error:
            out.message(message.chat.id, _error(_, error, "cp-schedule-usage"))
            return
        unknown = await service.unknown_labels(session, new.labels)
        if unknown:
            out.message(message.chat.id, _("cp-unknown-labels", labels=", ".join(unknown)))
            return
        post_id = await service.add_post(session, new, profile.id, now)
        await people.record_audit(session, actor_id=profile.id, action="schedule.add", now=now,
                                  target=f"sp:{post_id}", details=rest)
        post = await service.get_post(session, post_id)
        assert post is not None
        out.message(message.chat.id, views.post_added(_, post_id, post, now, app.settings.tz))
        return
    if action in ACTIONS:
        target = parse_id(rest)
        if target is None:
            out.message(message.chat.id, lines(_("cp-bad-id", value=shorten(rest.strip(), ECHO)),
                                               _("cp-schedule-usage")))
            return
        post_id = target
        outcome = await service.set_post_status(session, post_id, action)
        if outcome is None:
            out.message(message.chat.id, _("cp-no-such-post", id=post_id))
        elif outcome == "same":
            out.message(message.chat.id, _(f"cp-{action}-same", id=post_id))
        else:
            await people.record_audit(session, actor_id=profile.id, action=f"schedule.{action}", now=now,
                                      target=f"sp:{post_id}")
            out.message(message.chat.id, _(f"cp-{action}-done", id=post_id))
        return
    out.message(message.chat.id, _("cp-schedule-usage"))


# ---- /campaign --------------------------------------------------------------------------------------

async def campaign_command(message: Message, command: CommandObject, app: App, session: AsyncSession,
                           out: Outbox, _: Translator, profile: Profile, now: datetime, today: date) -> None:
    tz = app.settings.tz
    try:
        spec = rules.parse_campaign(command.args or "")
    except rules.CampaignError as error:
        out.message(message.chat.id, _error(_, error, "cp-campaign-usage"))
        return
    try:
        expr = segments.parse(spec.segment)
    except SegmentSyntaxError as exc:
        out.message(message.chat.id, lines(segment_error_text(_, exc), _("cp-campaign-usage")))
        return
    try:
        at = parse_at(spec.at or "now", now.astimezone(tz))
    except AtError as error:
        out.message(message.chat.id, lines(_(error.key), _("cp-campaign-usage")))
        return
    first_at = now if at.now else at.moment.astimezone(UTC)
    source = f"campaign:{message.chat.id}:{message.message_id}"
    plan = await service.plan_campaign(
        session, expr=expr, segment=segments.render(expr), texts=spec.texts, first_at=first_at, after=spec.after,
        now=now, today=today, source=source, created_by=profile.id)
    if plan.created:
        await people.record_audit(session, actor_id=profile.id, action="campaign.plan", now=now,
                                  target=",".join(f"bc:{i}" for i in plan.broadcast_ids),
                                  details=f"segment={segments.render(expr)} recipients={plan.recipients}")
    second_at = rules.wakeup_times(first_at, spec.after)[1] if spec.wakeup else None
    out.message(message.chat.id, views.campaign_planned(_, plan, first_at, tz, second_at))


# ---- opting out of (and back into) promotions -----------------------------------------------------

async def stop_promos(message: Message, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
                      now: datetime) -> None:
    changed = await service.set_promos(session, profile.id, on=False, now=now)
    out.message(message.chat.id, _("cp-promos-off" if changed else "cp-promos-off-already"),
                reply_markup=views.promo_keyboard(_, off=True))


async def start_promos(message: Message, session: AsyncSession, out: Outbox, _: Translator, profile: Profile,
                       now: datetime) -> None:
    changed = await service.set_promos(session, profile.id, on=True, now=now)
    out.message(message.chat.id, _("cp-promos-on" if changed else "cp-promos-on-already"))


async def promos_in_group(message: Message, out: Outbox, group_: Translator) -> None:
    """Opting out is a private matter: one pointer per window, however many members ask."""
    out.group_line(message.chat.id, "cp-promos-private", None, lambda _items: group_("cp-promos-private"))


async def promo_button(query: CallbackQuery, callback_data: PromoCb, session: AsyncSession, out: Outbox,
                       _: Translator, profile: Profile, now: datetime) -> None:
    message = query.message
    if message is None or message.chat.type != "private":
        out.popup(_("cp-popup-private"), alert=True)
        return
    off = callback_data.action is PromoAction.OFF
    changed = await service.set_promos(session, profile.id, on=not off, now=now)
    out.popup(_("cp-popup-off" if off else "cp-popup-on"))  # answered at once; the way back follows
    if changed:
        out.message(message.chat.id, _("cp-promos-off" if off else "cp-promos-on"),
                    reply_markup=views.promo_keyboard(_, off=True) if off else None)


def create_router() -> Router:
    router = Router(name="campaigns")
    private = F.chat.type == "private"
    router.message.register(schedule_list, Command("schedule"), IsStaff(), private, _listing, flags=READS_ONLY)
    router.message.register(schedule_command, Command("schedule"), IsStaff(), private)
    router.message.register(campaign_command, Command("campaign"), IsStaff(), private)
    router.message.register(promos_in_group, Command("stop_promos", "start_promos"), ~private)
    router.message.register(stop_promos, Command("stop_promos"), private)
    router.message.register(start_promos, Command("start_promos"), private)
    router.callback_query.register(promo_button, PromoCb.filter())
    return router

"""Member tiers and points for purchases, staff side: /tier (list, add, remove) and /points_rate."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.outbox import Outbox
from bot.services import people, purchases
from bot.services import tiers as tier_service
from bot.services.people import Profile
from bot.texts import ECHO, Markup, Translator, shorten
from games import purchases as purchase_rules
from games import tiers as rules
from games.errors import ConfigError
from games.gate import format_money
from games.tiers import Measure, TierSpec
from handlers.filters import IsStaff


def _reply(out: Outbox, message: Message, text: str) -> None:
    out.message(message.chat.id, text, reply_to=message.message_id if message.chat.type != "private" else None)


def tier_list(_: Translator, tiers: list[TierSpec], currency: str) -> str:
    if not tiers:
        return _("tiers-list-empty")
    rows = []
    for tier in tiers:
        multiplier = rules.format_multiplier(tier.multiplier)
        if tier.measure is Measure.POINTS:
            rows.append(_("tiers-row-points", name=tier.name, threshold=tier.threshold, multiplier=multiplier))
        else:
            rows.append(_("tiers-row-spend", name=tier.name, amount=format_money(tier.threshold), currency=currency,
                          multiplier=multiplier))
    return _("tiers-list", rows=Markup("\n".join(rows)))


def config_error(_: Translator, exc: ConfigError) -> str:
    detail = str(exc.params.get("detail", ""))
    if detail == "measure":
        return _("tiers-error-measure", measure=_(f"tiers-measure-{exc.params.get('measure', 'points')}"))
    if detail == "threshold":
        return _("tiers-error-threshold", tier=str(exc.params.get("tier", "")))
    if detail == "count":
        return _("tiers-error-count", most=rules.MAX_TIERS)
    if detail == "in-use":
        return _("tiers-error-in-use", group=str(exc.params.get("group", "")))
    return _("tiers-error", item=shorten(detail, ECHO))


async def tier_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    currency = app.settings.shop_currency
    args = (command.args or "").strip()
    verb, _sep, rest = args.partition(" ")
    verb = verb.lower()
    if verb == "add" and rest.strip():
        try:
            spec = rules.parse_tier(rest)
            new = await tier_service.save_tier(session, spec, by=profile.id, now=now)
        except ConfigError as exc:
            _reply(out, message, config_error(_, exc) + "\n" + _("tiers-usage"))
            return
        await people.record_audit(session, actor_id=profile.id, action="tier.add" if new else "tier.edit", now=now,
                                  target=spec.name, details=shorten(rest, 200))
        tiers = await tier_service.all_tiers(session)
        _reply(out, message, _("tiers-added" if new else "tiers-updated", name=spec.name) + "\n"
               + tier_list(_, tiers, currency))
        return
    if verb in ("remove", "delete") and rest.strip():
        try:
            name = rules.parse_name(rest)
            removed = await tier_service.remove_tier(session, name)
        except ConfigError as exc:
            _reply(out, message, config_error(_, exc) + "\n" + _("tiers-usage"))
            return
        if not removed:
            _reply(out, message, _("tiers-not-found", name=name))
            return
        await people.record_audit(session, actor_id=profile.id, action="tier.remove", now=now, target=name)
        _reply(out, message, _("tiers-removed-tier", name=name) + "\n"
               + tier_list(_, await tier_service.all_tiers(session), currency))
        return
    tiers = await tier_service.all_tiers(session)
    if args and verb not in ("list", "add", "remove", "delete"):
        _reply(out, message, _("tiers-error", item=shorten(args, ECHO)) + "\n" + _("tiers-usage"))
        return
    if args and verb != "list":
        _reply(out, message, _("tiers-usage"))
        return
    _reply(out, message, tier_list(_, tiers, currency) + "\n" + _("tiers-usage"))


async def points_rate_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    currency = app.settings.shop_currency
    args = (command.args or "").strip()
    current = await purchases.current_rate(session)
    if not args:
        state = _("points-rate-is-off") if current is None else \
            _("points-rate-is", rate=purchase_rules.format_rate(current), currency=currency)
        _reply(out, message, state + "\n" + _("points-rate-usage", currency=currency))
        return
    try:
        rate = purchase_rules.parse_rate(args)
    except ConfigError:
        _reply(out, message, _("points-rate-error", item=shorten(args, ECHO)) + "\n"
               + _("points-rate-usage", currency=currency))
        return
    await purchases.set_rate(session, rate, by=profile.id, now=now)
    shown = "off" if rate is None else purchase_rules.format_rate(rate)
    await people.record_audit(session, actor_id=profile.id, action="points.rate", now=now, details=shown)
    if rate is None:
        _reply(out, message, _("points-rate-turned-off"))
    else:
        _reply(out, message, _("points-rate-set", rate=shown, currency=currency))


def create_router() -> Router:
    router = Router(name="tiers")
    router.message.register(tier_command, Command("tier"), IsStaff())
    router.message.register(points_rate_command, Command("points_rate"), IsStaff())
    return router

"""Gated groups: join requests, the password answer in private chat, and the group's gate,
welcome and invite-link settings (staff)."""

from __future__ import annotations

import shlex
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import ChatJoinRequest, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.directory import GroupInfo
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import gate as gate_service
from bot.services import groups as group_service
from bot.services import people
from bot.services import tiers as tier_service
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Markup, Translator, lines, shorten
from bot.views import gate as gatekeeper
from bot.views import rights as bot_rights
from games.errors import ConfigError
from games.gate import GateRules, format_money, parse_config
from games.rights import BotRights, Feature
from games.tiers import format_grace
from handlers.filters import GROUP_TYPES, IsStaff
from handlers.staff import _reply, _rules_summary, group_row

MAX_WELCOME = 1000
MAX_WELCOME_NAMES = 3  # {name} placeholders in a welcome text
NAME_PLACEHOLDER = "{name}"
MAX_GIFT = 100_000


class AwaitingPassword(Filter):
    """A private, non-command message from someone whose join request waits for its password."""

    async def __call__(self, message: Message, app: App) -> bool | dict[str, int]:
        if message.from_user is None or not message.text or message.text.startswith("/"):
            return False
        async with app.db.reader() as reader:
            request_id = await gate_service.awaiting_password(reader, message.from_user.id)
        return {"join_request_id": request_id} if request_id is not None else False


async def join_request(request: ChatJoinRequest, bot: Bot, app: App, out: Outbox) -> None:
    # No session: the flow reads on snapshots and writes through the group committer.
    await gatekeeper.handle_request(app, bot, out, request)


async def password_answer(message: Message, bot: Bot, app: App, session: AsyncSession, out: Outbox,
                          _: Translator, join_request_id: int) -> None:
    await gatekeeper.handle_password(app, bot, session, out, message, join_request_id, _)


# ---- staff: /gate, /welcome, /invite, /invites, /settings ----------------------------------------------

def gate_summary(_: Translator, rules: GateRules, currency: str) -> str:
    lines = []
    if rules.password:
        lines.append(_("gate-line-password", attempts=rules.attempts))
    if rules.channel:
        lines.append(_("gate-line-channel"))
    if rules.allow:
        lines.append(_("gate-line-allow"))
    if rules.segment:
        lines.append(_("gate-line-segment", expr=rules.segment))
    if rules.spend_cents is not None:
        lines.append(_("gate-line-spend", amount=format_money(rules.spend_cents), currency=currency))
    if rules.tier is not None:
        lines.append(Markup(_("tiers-gate-line", tier=rules.tier) + " " + (
            _("tiers-gate-grace", grace=format_grace(rules.tier_grace)) if rules.tier_grace is not None
            else _("tiers-gate-grace-never"))))
    minutes = max(1, int(rules.timeout.total_seconds() // 60))
    if not lines:
        return _("gate-summary-open", minutes=minutes)
    mode = _("gate-mode-all") if rules.mode == "all" else _("gate-mode-any")
    return _("gate-summary", mode=mode, lines=Markup("\n".join(f"• {line}" for line in lines)), minutes=minutes)


def _masked(args: str) -> str:
    """The /gate arguments for the audit log, with the password hidden."""
    try:
        items = shlex.split(args)
    except ValueError:
        return args
    return " ".join("password=***" if i.lower().startswith("password=") and i.lower() != "password=off" else i
                    for i in items)


LIST_ROWS = 30  # a staff list stays one message (Telegram's 4,096 characters)


async def gate_command(
    message: Message, command: CommandObject, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, group: GroupInfo | None, now: datetime,
) -> None:
    name = await bot_rights.bot_name(bot)
    if "password=" in (command.args or "").lower() and message.chat.type != "private":
        # The password must not stay readable in the group, whatever happens next; if it does,
        # staff must know at once.
        warning = _("gate-password-exposed", how=bot_rights.how_to_grant(_, (Feature.CLEANUP,), name))
        out.after_commit(lambda: _delete_password(app, message, warning))
    # The bot's rights are asked before the transaction starts (never hold one across an API call).
    me = await bot_rights.fetch(bot, message.chat.id) if command.args and message.chat.type == "supergroup" else None
    row = await group_row(session, message, out, _, group)
    if row is None:
        return
    current = gate_service.rules_of(row)
    currency = app.settings.shop_currency
    if not command.args:
        _reply(out, message, _("gate-usage", rules=gate_summary(_, current, currency)))
        return
    try:
        rules = parse_config(command.args, current)
    except ConfigError as exc:
        item = str(exc.params.get("detail", ""))
        _reply(out, message, _("gate-error", item="password" if "password" in item.lower() else shorten(item, ECHO),
                               rules=gate_summary(_, current, currency)))
        return
    if rules.tier is not None and rules.tier != current.tier and \
            rules.tier not in {t.name for t in await tier_service.all_tiers(session)}:
        _reply(out, message, _("tiers-gate-unknown", name=rules.tier))
        return
    if rules.channel and not current.channel and app.settings.shop_channel is None:
        _reply(out, message, _("gate-no-channel"))
        return
    if rules.thresholds:
        # A threshold is checked on join requests: Telegram sends them only in supergroups, and
        # only to an administrator with "Invite users via link".
        refusal = _gate_refusal(message, me, name, _)
        if refusal is not None:
            _reply(out, message, refusal)
            return
    await gate_service.save_rules(session, row.chat_id, rules)
    await people.record_audit(session, actor_id=profile.id, action="gate.config", now=now, chat_id=row.chat_id,
                              details=_masked(command.args))
    _reply(out, message, _("gate-saved", rules=gate_summary(_, rules, currency)))


def _gate_refusal(message: Message, me: BotRights | None, name: str, _: Translator) -> str | None:
    """Why no entry threshold can work in this group now, or None if one can."""
    if message.chat.type != "supergroup":
        return _("gate-needs-supergroup")
    if me is None:
        return _("rights-unknown")
    if not me.works(Feature.GATE):
        return _("gate-needs-invite-right", how=bot_rights.how_to_grant(_, (Feature.GATE,), name))
    return None


async def _delete_password(app: App, message: Message, warning: str) -> None:
    if not await app.sender.delete(message.chat.id, message.message_id):
        await app.sender.send_message(message.chat.id, warning, reply_to_message_id=message.message_id)


def welcome_summary(_: Translator, text: str | None, gift: int) -> str:
    shown = text if text else _("welcome-default-name")
    return _("welcome-summary", text=shown, gift=gift)


async def welcome_command(
    message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, group: GroupInfo | None, now: datetime,
) -> None:
    row = await group_row(session, message, out, _, group)
    if row is None:
        return
    args = (command.args or "").strip()
    text, gift = row.welcome_text, row.welcome_gift
    if not args:
        _reply(out, message, _("welcome-usage", summary=welcome_summary(_, text, gift)))
        return
    low = args.lower()
    keyword = low.split(maxsplit=1)[0]
    if keyword in ("reset", "off") and low != keyword:
        # "/welcome reset x" is a mistyped keyword, not a welcome text beginning with "reset".
        _reply(out, message, _("welcome-keyword-alone", word=keyword))
        return
    if low.startswith("gift="):
        value = low.removeprefix("gift=").strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) > MAX_GIFT:
            _reply(out, message, _("welcome-bad-gift", max=MAX_GIFT))
            return
        gift = int(value)
    elif low == "reset":
        text = None
    elif low == "off":
        text, gift = None, 0
    elif len(args) > MAX_WELCOME:
        _reply(out, message, _("welcome-too-long", max=MAX_WELCOME))
        return
    elif args.count(NAME_PLACEHOLDER) > MAX_WELCOME_NAMES:
        # Each {name} is every newcomer of the batch: many of them would not fit one message.
        _reply(out, message, _("welcome-too-many-names", max=MAX_WELCOME_NAMES))
        return
    else:
        text = args
    await gate_service.save_welcome(session, row.chat_id, text=text, gift=gift)
    await people.record_audit(session, actor_id=profile.id, action="welcome.config", now=now,
                              chat_id=row.chat_id, details=args)
    _reply(out, message, _("welcome-saved", summary=welcome_summary(_, text, gift)))


async def invite_command(
    message: Message, command: CommandObject, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, group: GroupInfo | None, now: datetime,
) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    words = (command.args or "").split(maxsplit=1)
    if words and words[0].lower() == "revoke":
        await revoke_invite(message, words[1].strip() if len(words) > 1 else "", bot, app, session, out, _,
                            profile, group, now)
        return
    name = (command.args or "").strip() or None
    if name is not None and len(name) > 32:
        _reply(out, message, _("invite-bad-name"))
        return
    try:
        link = await bot.create_chat_invite_link(group.chat_id, name=name, creates_join_request=True)
    except TelegramAPIError:
        _reply(out, message, _("invite-failed"))
        return
    await gate_service.add_link(session, link=link.invite_link, chat_id=group.chat_id, name=name, by=profile.id,
                                now=now)
    await people.record_audit(session, actor_id=profile.id, action="invite.create", now=now, chat_id=group.chat_id,
                              target=link.invite_link, details=name)
    _reply(out, message, _("invite-created", link=link.invite_link, name=name or _("invite-unnamed")))


async def revoke_invite(message: Message, name: str, bot: Bot, app: App, session: AsyncSession, out: Outbox,
                        _: Translator, profile: Profile, group: GroupInfo, now: datetime) -> None:
    """``/invite revoke NAME`` (or the link): Telegram stops the link, and it leaves /invites."""
    if not name:
        _reply(out, message, _("invite-revoke-usage"))
        return
    async with app.db.reader() as reader:  # looked up before asking Telegram: no transaction held across it
        links = await gate_service.links_named(reader, group.chat_id, name)
    if not links:
        _reply(out, message, _("invite-revoke-unknown", name=shorten(name, LIST_NAME)))
        return
    for link in links:
        try:
            await bot.revoke_chat_invite_link(group.chat_id, link)
        except TelegramBadRequest as exc:
            if "INVITE_HASH_EXPIRED" not in exc.message:  # a link Telegram no longer knows is gone anyway
                _reply(out, message, _("invite-revoke-failed"))
                return
        except TelegramAPIError:
            _reply(out, message, _("invite-revoke-failed"))
            return
    count = await gate_service.remove_links(session, group.chat_id, links)
    await people.record_audit(session, actor_id=profile.id, action="invite.revoke", now=now, chat_id=group.chat_id,
                              target=links[0], details=name)
    _reply(out, message, _("invite-revoked", count=count, name=shorten(name, LIST_NAME)))


async def invites_command(message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
                          _: Translator, group: GroupInfo | None) -> None:
    if group is None:
        _reply(out, message, _("group-not-registered"))
        return
    name = (command.args or "").strip()
    if name:
        people_ = await gate_service.joined_via(session, group.chat_id, name, limit=LIST_ROWS)
        rows = [_("invites-person", name=shorten(n, LIST_NAME), id=str(uid)) for uid, n in people_]
        _reply(out, message, lines(_("invites-joined", link=shorten(name, LIST_NAME), count=len(people_)),
                                   *(rows or [_("segment-nobody")])))
        return
    stats = await gate_service.link_stats(session, group.chat_id)
    if not stats:
        _reply(out, message, _("invites-empty"))
        return
    rows = [_("invites-row", name=name or _("invite-unnamed"), link=link, requests=n, joined=a)
            for link, name, n, a in stats[:LIST_ROWS]]
    more = _("list-more", count=len(stats) - LIST_ROWS) if len(stats) > LIST_ROWS else None
    _reply(out, message, lines(_("invites-list"), *rows, more))


async def settings_command(message: Message, bot: Bot, app: App, session: AsyncSession, out: Outbox,
                           _: Translator, group: GroupInfo | None) -> None:
    # Asked before the transaction starts (never hold one across an API call).
    me = await bot_rights.fetch(bot, message.chat.id) if group is not None else None
    name = await bot_rights.bot_name(bot)
    row = await group_row(session, message, out, _, group)
    if row is None:
        return
    summary = _(
        "settings-summary", title=row.title, label=row.label,
        checkin=_rules_summary(_, group_service.rules_of(row)),
        gate=gate_summary(_, gate_service.rules_of(row), app.settings.shop_currency),
        welcome=welcome_summary(_, row.welcome_text, row.welcome_gift),
    )
    report = _("rights-not-checked") if me is None else bot_rights.report(
        _, me, supergroup=message.chat.type == "supergroup", name=name)
    _reply(out, message, Markup(f"{summary}\n\n{report}"))


def create_router() -> Router:
    router = Router(name="gate")
    router.chat_join_request.register(join_request)
    router.message.register(password_answer, F.chat.type == "private", AwaitingPassword())
    in_group = F.chat.type.in_(GROUP_TYPES)
    router.message.register(gate_command, Command("gate"), IsStaff(), in_group)
    router.message.register(welcome_command, Command("welcome"), IsStaff(), in_group)
    router.message.register(invite_command, Command("invite"), IsStaff(), in_group)
    router.message.register(invites_command, Command("invites"), IsStaff(), in_group, flags=READS_ONLY)
    router.message.register(settings_command, Command("settings"), IsStaff(), in_group, flags=READS_ONLY)
    return router

"""Staff tools that work anywhere: bans (拉黑), the allow-list, tags, segments and the audit log."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.middlewares import READS_ONLY
from bot.outbox import Outbox
from bot.services import access, people
from bot.services import groups as group_service
from bot.services import segments as segment_service
from bot.services.people import Profile
from bot.texts import ECHO, LIST_NAME, Markup, Translator, lines, shorten
from bot.views import gate as gatekeeper
from bot.views import rights as bot_rights
from games import segments
from games.checkin import local_day
from games.errors import SegmentSyntaxError
from games.gate import Reason
from games.rights import PRESENT, Feature
from handlers.filters import IsStaff
from handlers.staff import _reply, is_a_bot, resolve_target

AUDIT_ROWS = 15
MAX_TAGS_SHOWN = 50


def _split_target(message: Message, args: str) -> tuple[str | None, str]:
    """(target argument, the rest). With a reply and no id/@username first, the reply is the target."""
    first, _, rest = args.strip().partition(" ")
    looks_like_target = first.isdigit() or first.startswith("@")
    if message.reply_to_message is not None and not looks_like_target:
        return None, args.strip()
    return (first or None), rest.strip()


async def _target(session: AsyncSession, message: Message, out: Outbox, _: Translator, arg: str | None,
                  usage: str) -> tuple[int, str] | None:
    """The user a command is about; None after answering with the usage (no target) or who is unknown."""
    target = await resolve_target(session, message, arg)
    if target is None:
        _reply(out, message, _(usage) if not arg else _("staff-unknown-user", arg=shorten(arg, ECHO)))
    return target


async def _groups(session: AsyncSession) -> list[int]:
    return [g.chat_id for g in await group_service.active_groups(session)]


async def ban_command(
    message: Message, command: CommandObject, bot: Bot, app: App, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    arg, reason = _split_target(message, command.args or "")
    target = await _target(session, message, out, _, arg, "ban-usage")
    if target is None:
        return
    user_id, name = target
    if app.directory.role(user_id).is_staff or user_id == bot.id:
        _reply(out, message, _("ban-staff", name=name))
        return
    if not await access.ban(session, user_id, profile.id, now, reason[:256] or None):
        _reply(out, message, _("ban-already", name=name, id=str(user_id)))
        return
    await gatekeeper.decline_pending_of(session, out, app, user_id, Reason.BANNED, now)
    await people.record_audit(session, actor_id=profile.id, action="ban", now=now, target=str(user_id),
                              details=reason or None)
    groups = [(g.chat_id, g.title) for g in await group_service.active_groups(session)]

    async def remove_everywhere() -> None:
        # Staff learn what happened in each group, after it happened (never "removed" on faith).
        how = bot_rights.how_to_grant(_, (Feature.BAN,), await bot_rights.bot_name(bot))
        rows = []
        removed = 0
        for chat_id, title in groups:
            outcome, error = await _remove_from(bot, chat_id, user_id)
            removed += outcome == "removed"
            rows.append(_(f"ban-group-{outcome}", title=title, how=how, error=error))
        summary = _("ban-summary", removed=removed, total=len(groups)) if groups else _("ban-no-groups")
        text = _("ban-report", name=name, id=str(user_id), summary=summary, rows=Markup("\n".join(rows)))
        await app.sender.send_message(message.chat.id, text, reply_to_message_id=(
            message.message_id if message.chat.type != "private" else None))

    out.after_commit(remove_everywhere)


async def _remove_from(bot: Bot, chat_id: int, user_id: int) -> tuple[str, str]:
    """Ban ``user_id`` from one group: ``(outcome, Telegram's error)``; the outcome names a text."""
    me = await bot_rights.fetch(bot, chat_id)
    if me is not None and not me.present:
        return "gone", ""
    if me is not None and not me.works(Feature.BAN):
        return "missing-right", ""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
        was_in = member.status in PRESENT and getattr(member, "is_member", True)
    except TelegramAPIError:
        was_in = True  # unknown: the ban's own answer decides
    try:
        await bot.ban_chat_member(chat_id, user_id)
    except TelegramForbiddenError:
        return "gone", ""
    except TelegramBadRequest as exc:
        if "not enough rights" in exc.message:
            return "missing-right", ""
        if "administrator" in exc.message or "owner" in exc.message:
            return "admin", ""
        return "failed", exc.message
    except TelegramAPIError as exc:
        return "failed", exc.message
    return ("removed" if was_in else "kept-out"), ""


async def unban_command(
    message: Message, command: CommandObject, bot: Bot, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    arg, _rest = _split_target(message, command.args or "")
    target = await _target(session, message, out, _, arg, "unban-usage")
    if target is None:
        return
    user_id, name = target
    if not await access.unban(session, user_id):
        _reply(out, message, _("unban-not-banned", name=name, id=str(user_id)))
        return
    await people.record_audit(session, actor_id=profile.id, action="unban", now=now, target=str(user_id))
    chats = await _groups(session)

    async def lift_everywhere() -> None:
        for chat_id in chats:
            try:
                await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
            except TelegramAPIError:
                continue

    out.after_commit(lift_everywhere)
    _reply(out, message, _("unban-done", name=name, id=str(user_id)))


async def allow_command(
    message: Message, command: CommandObject, bot: Bot, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    if args.lower() == "list":
        total, ids = await access.allowed_ids(session)
        shown = Markup(", ".join(str(i) for i in ids)) if ids else _("allow-list-empty")
        _reply(out, message, _("allow-list", count=total, ids=shown))
        return
    remove = args.lower().startswith("remove")
    if remove:
        args = args[len("remove"):].strip()
    arg, _rest = _split_target(message, args)
    target = await _target(session, message, out, _, arg, "allow-usage")
    if target is None:
        return
    user_id, name = target
    if not remove and await is_a_bot(session, bot, message, user_id):
        _reply(out, message, _("allow-not-a-bot"))  # bots are always declined at the door
        return
    if remove:
        changed = await access.disallow(session, user_id)
        key = "allow-removed" if changed else "allow-not-listed"
    else:
        changed = await access.allow(session, user_id, profile.id, now)
        key = "allow-added" if changed else "allow-already"
    if changed:
        await people.record_audit(session, actor_id=profile.id, action="allow.remove" if remove else "allow.add",
                                  now=now, target=str(user_id))
    _reply(out, message, _(key, name=name, id=str(user_id)))


async def tag_command(
    message: Message, command: CommandObject, session: AsyncSession, out: Outbox,
    _: Translator, profile: Profile, now: datetime,
) -> None:
    args = (command.args or "").strip()
    remove = args.lower().startswith("remove ")
    if remove:
        args = args[len("remove "):].strip()
    arg, rest = _split_target(message, args)
    target = await _target(session, message, out, _, arg, "tag-usage")
    if target is None:
        return
    user_id, name = target
    if not rest:
        tags = await access.tags_of(session, user_id)
        shown = ", ".join(tags[:MAX_TAGS_SHOWN])
        if len(tags) > MAX_TAGS_SHOWN:
            shown += " " + _("list-more", count=len(tags) - MAX_TAGS_SHOWN)
        _reply(out, message, _("tag-show", name=name, id=str(user_id), tags=Markup(shown) if tags else _("tag-none")))
        return
    try:
        tag = segments.normalize_tag(rest)
    except SegmentSyntaxError:
        _reply(out, message, _("tag-bad", tag=shorten(rest, ECHO)))
        return
    if remove:
        changed = await access.remove_tag(session, user_id, tag)
        key = "tag-removed" if changed else "tag-not-there"
    else:
        changed = await access.add_tag(session, user_id, tag, profile.id, now)
        key = "tag-added" if changed else "tag-already"
    if changed:
        await people.record_audit(session, actor_id=profile.id, action="tag.remove" if remove else "tag.add",
                                  now=now, target=str(user_id), details=tag)
    _reply(out, message, _(key, name=name, id=str(user_id), tag=tag))


def segment_error_text(_: Translator, exc: SegmentSyntaxError) -> str:
    problem = str(exc.params.get("problem", "unexpected"))
    token = str(exc.params.get("token", ""))
    return _("segment-syntax-error", position=int(exc.params.get("position", 1)),  # type: ignore[call-overload]
             token=_("segment-token", token=token) if token else "", problem=_(f"segment-problem-{problem}"))


async def segment_command(
    message: Message, command: CommandObject, app: App, session: AsyncSession, out: Outbox,
    _: Translator, now: datetime,
) -> None:
    text = (command.args or "").strip()
    if not text:
        _reply(out, message, _("segment-usage"))
        return
    try:
        expr = segments.parse(text)
    except SegmentSyntaxError as exc:
        _reply(out, message, Markup(f"{segment_error_text(_, exc)}\n{_('segment-usage')}"))
        return
    result = await segment_service.summary(session, expr, now, local_day(now, app.settings.tz))
    sample = [_("segment-sample-row", name=shorten(name, LIST_NAME), id=str(uid)) for uid, name in result.sample]
    _reply(out, message, lines(_("segment-result", expr=segments.render(expr), count=result.count),
                               *(sample or [_("segment-nobody")])))


async def audit_command(message: Message, app: App, session: AsyncSession, out: Outbox, _: Translator) -> None:
    rows = await people.latest_audit(session, AUDIT_ROWS)
    if not rows:
        _reply(out, message, _("audit-empty"))
        return
    rows_ = []
    for entry, actor_name in rows:
        when = entry.created_at.astimezone(app.settings.tz).strftime("%m-%d %H:%M")
        rows_.append(_("audit-row", when=when, actor=shorten(actor_name or str(entry.actor_id), LIST_NAME),
                       action=entry.action, target=shorten(entry.target or "", 64),
                       details=shorten(entry.details or "", 80)))
    _reply(out, message, lines(_("audit-list", count=len(rows)), *rows_))


def create_router() -> Router:
    router = Router(name="moderation")
    router.message.register(ban_command, Command("ban"), IsStaff())
    router.message.register(unban_command, Command("unban"), IsStaff())
    router.message.register(allow_command, Command("allow"), IsStaff())
    router.message.register(tag_command, Command("tag"), IsStaff())
    router.message.register(segment_command, Command("segment"), IsStaff(), flags=READS_ONLY)
    router.message.register(audit_command, Command("audit"), IsStaff(), flags=READS_ONLY)
    return router

"""The join-request flow (入群门槛): evaluate a group's thresholds, decide, tell Telegram and the
applicant, welcome the newcomer and pay the welcome gift.

Every step is safe to repeat. A decision is a conditional UPDATE of a pending row; telling
Telegram happens after that commits and is confirmed by a second conditional UPDATE
(``applied``, with Telegram's ``outcome``), which also pays the gift under the ledger key
``welcome:<user>`` — only when the approval took effect. The applicant's message is claimed
(``notified``) before it is sent, so a retried decision never repeats it. Requests that time out,
decisions whose Telegram call did not go through (a crash, a 429, a 5xx, a network error), and
requests whose channel check got no answer are picked up by :func:`sweep`, which runs at
start-up and every half minute.

Telegram's clock, not ours: a request's timeout runs from its ``date``, and the bot may write to
an applicant who never started it only within 5 minutes of that date (``user_chat_id``); a
request that reaches the bot later than that (downtime, a backlog) is never sent a prompt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ChatJoinRequest, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.db.engine import ReadBatch
from bot.db.models import Group, JoinRequest
from bot.outbox import Outbox
from bot.services import access, ledger, orders, people
from bot.services import gate as gate_service
from bot.services import groups as group_service
from bot.services import guessing as guess_service
from bot.services import segments as segment_service
from bot.services import tiers as tier_service
from bot.services.people import Profile
from bot.texts import LIST_NAME, Markup, Translator, escape, language_for, plain_names, shorten
from bot.views import guessing
from games.checkin import local_day
from games.errors import DomainError
from games.gate import Decision, GateRules, Reason, Threshold, Verdict, check_password, combine, precheck
from games.points import Reason as PointsReason
from games.points import welcome_key

log = logging.getLogger(__name__)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
# Telegram lets the bot write to an applicant who never started it for 5 minutes after the request.
JOIN_WINDOW = timedelta(minutes=5)
PROMPT_MARGIN = timedelta(seconds=15)  # a prompt must arrive inside the window, not at its edge
STAFF_REMINDER = timedelta(hours=1)  # staff hear about missing rights at most this often per group
NOT_A_MEMBER = ("user not found", "participant_id_invalid")
# What carrying out a decision on Telegram came to (JoinRequest.outcome).
DONE, MEMBER, GONE, NO_RIGHTS, TOO_MANY, REFUSED = (
    "done", "already_member", "gone", "no_rights", "too_many_channels", "refused")
SILENT_REASONS = frozenset({str(Reason.BOT)})


async def channel_follows(app: App, bot: Bot, user_id: int) -> bool | None:
    """Whether ``user_id`` is in the shop's channel (the bot must be admin there to ask); None when
    it could not be established (Telegram did not answer after the limiter's retries, or refused
    to say): never a "no" that was not Telegram's."""
    channel = app.settings.shop_channel
    if channel is None:
        return False
    try:
        member = await bot.get_chat_member(channel, user_id)
    except TelegramBadRequest as exc:
        if any(marker in exc.message.lower() for marker in NOT_A_MEMBER):
            return False
        log.warning("getChatMember(%s, %s) refused: %s; follows: unknown", channel, user_id, exc.message)
        return None
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("getChatMember(%s, %s) failed: %s; follows: unknown", channel, user_id, exc)
        return None
    return member.status in MEMBER_STATUSES or (member.status == "restricted" and bool(getattr(member, "is_member", 0)))


def may_prompt(requested_at: datetime, now: datetime) -> bool:
    """Whether a prompt sent now reaches an applicant who never started the bot."""
    return now < requested_at + JOIN_WINDOW - PROMPT_MARGIN


async def in_segment(app: App, segment: str, user_id: int, now: datetime) -> bool:
    """The segment threshold, decided on a read snapshot (indexed look-ups, batched with the checks
    arriving at the same time): never under the write lock."""
    return await segment_service.CHECKS.check(app.db, segment, user_id, now, local_day(now, app.settings.tz))


async def results(session: AsyncSession, app: App, user_id: int, password_ok: bool | None, rules: GateRules,
                  channel_ok: bool | None, now: datetime, segment_ok: bool | None = None
                  ) -> dict[Threshold, bool | None]:
    """Each configured threshold's result for applicant ``user_id`` (None: the password is still
    awaited). ``segment_ok``: the segment threshold if the caller decided it before its write transaction."""
    found: dict[Threshold, bool | None] = {}
    if rules.password:
        found[Threshold.PASSWORD] = password_ok
    if rules.channel:
        found[Threshold.CHANNEL] = channel_ok  # None: Telegram did not say; the request waits
    if rules.allow:
        found[Threshold.ALLOW] = await access.is_allowed(session, user_id)
    if rules.segment:
        found[Threshold.SEGMENT] = segment_ok if segment_ok is not None else await in_segment(
            app, rules.segment, user_id, now)
    if rules.spend_cents is not None:
        spent = await orders.spend_of(session, user_id, app.settings.shop_currency)
        found[Threshold.SPEND] = spent >= rules.spend_cents
    if rules.tier is not None:
        found[Threshold.TIER] = await tier_service.reaches(session, user_id, rules.tier,
                                                             app.settings.shop_currency, now)
    return found


def reason_code(decision: Decision) -> str:
    if decision.reason is Reason.FAILED and decision.failed:
        return "failed:" + ",".join(str(t) for t in decision.failed)
    return str(decision.reason)


def _translator(app: App, language_code: str | None) -> Translator:
    return Translator(app.texts, language_for(language_code, app.settings.default_language))


PROMPT = "prompt"  # handle_request's work: ask the applicant for the password
Outcome = tuple[int | None, Decision | str | None]


@dataclass(frozen=True)
class NewJoin:
    """A join request to record and decide, with everything read before the write transaction."""

    app: App
    request: gate_service.NewRequest
    profile: Profile | None  # None: a bot (not saved as a user)
    rules: GateRules
    early: Decision | None
    channel_ok: bool | None
    segment_ok: bool | None
    may_prompt: bool


class JoinOp:
    """Recording and deciding new join requests, group-committed: a burst of requests costs a few
    statements per batch (the applicants, the requests, one update per kind of decision) instead of
    several per request. ``single`` is the same work for one request, in its own transaction.

    Each request's result: (request id, what was decided): a Decision, PROMPT, or None (it waits
    for the sweep); (None, None) for a duplicate. Writes only; the caller talks to the applicant
    after the commit."""

    async def single(self, session: AsyncSession, item: NewJoin) -> Outcome:
        outcome = (await self.bulk(session, [item]))[0]
        assert not isinstance(outcome, DomainError)
        return outcome

    async def bulk(self, session: AsyncSession, items: list[NewJoin]) -> list[Outcome | DomainError]:
        await people.upsert_users(session, [(i.profile, i.request.now) for i in items if i.profile is not None])
        ids = await gate_service.open_requests(session, [i.request for i in items])
        outcomes: list[Outcome | DomainError] = []
        # One update per kind of decision, each request keeping its own time (a burst's requests
        # arrive microseconds apart on the real clock).
        decisions: dict[tuple[bool, str], list[tuple[int, datetime]]] = {}
        to_check: list[int] = []
        for item, request_id in zip(items, ids, strict=True):
            if request_id is None:
                outcomes.append((None, None))
                continue
            decided = await self._decision(session, item, request_id, to_check)
            if isinstance(decided, Decision):
                key = (decided.verdict is Verdict.APPROVE, reason_code(decided))
                decisions.setdefault(key, []).append((request_id, item.request.now))
            outcomes.append((request_id, decided))
        await gate_service.needs_check_many(session, to_check)
        for (approved, reason), decided_at in decisions.items():
            await gate_service.decide_many(session, decided_at, approved=approved, reason=reason)
        return outcomes

    @staticmethod
    async def _decision(session: AsyncSession, item: NewJoin, request_id: int, to_check: list[int]
                        ) -> Decision | str | None:
        """What to do with a request just opened (its password not yet asked)."""
        rules, now = item.rules, item.request.now
        if item.request.expires_at <= now and item.early is None:
            return Decision(Verdict.DECLINE, Reason.TIMEOUT)
        decision = item.early or combine(rules.mode, await results(
            session, item.app, item.request.user_id, None, rules, item.channel_ok, now, item.segment_ok))
        if decision.verdict is not Verdict.WAIT:
            return decision
        if rules.channel and item.channel_ok is None:
            to_check.append(request_id)
        if not rules.password:
            return None  # only the channel check is missing: the sweep asks Telegram again
        if item.may_prompt:
            return PROMPT
        # Too late to ask: the prompt would not reach an applicant who never started the bot.
        log.info("join request %s reached the bot %s after it was made; too late to ask for the password",
                 request_id, now - item.request.requested_at)
        return Decision(Verdict.DECLINE, Reason.LATE)


JOIN_OP = JoinOp()
# A burst of join requests reads the groups, bans and segment checks it needs on one snapshot.
JOIN_READS: ReadBatch[gate_service.Ask, gate_service.Context] = ReadBatch(gate_service.contexts, "join-request-reads")


async def handle_request(app: App, bot: Bot, out: Outbox, request: ChatJoinRequest) -> None:
    """A new ``chat_join_request``: record it, then decide now or ask for the password.

    Reads (the group, a ban, the segment) and Telegram (the channel) come first, outside any write
    transaction, and the reads of requests arriving together share one snapshot; the writes — the
    applicant, the request, the decision — are one piece of work for the group committer, so a
    burst of requests shares a few transactions instead of queueing for the write lock one by one."""
    if app.directory.group(request.chat.id) is None:
        return  # not a shop group: the admins decide by hand
    now = app.clock.now()
    user = request.from_user
    context = await JOIN_READS.get(app.db, gate_service.Ask(request.chat.id, user.id, user.is_bot, now,
                                                            local_day(now, app.settings.tz)))
    group = context.group
    if group is None:
        return
    rules = gate_service.rules_of(group)
    early = precheck(is_bot=user.is_bot, banned=context.banned)
    # Before the write transaction starts: the segment check (read above, on the snapshot) ...
    segment_ok = context.in_segment if rules.segment and early is None else None
    # ... and Telegram (never hold a transaction across an API call).
    channel_ok = await channel_follows(app, bot, user.id) if rules.channel and early is None else None
    # The clock starts when the user asked, not when we got to it (downtime, a backlog).
    expires_at = request.date + rules.timeout
    invite_link = request.invite_link.invite_link if request.invite_link else None
    new = gate_service.NewRequest(
        chat_id=request.chat.id, user_id=user.id, user_chat_id=request.user_chat_id, first_name=user.full_name,
        language_code=user.language_code, invite_link=invite_link, requested_at=request.date, now=now,
        expires_at=expires_at)
    profile = None if user.is_bot else Profile(user.id, user.first_name or "", user.last_name, user.username,
                                               user.language_code, user.is_bot)
    request_id, decided = await app.db.submit(JOIN_OP, NewJoin(app, new, profile, rules, early, channel_ok,
                                                               segment_ok, may_prompt(request.date, now)))
    if request_id is None:
        log.info("join request of %s to %s is already pending", user.id, request.chat.id)
        return
    if decided == PROMPT:
        _ = _translator(app, user.language_code)
        minutes = max(1, int((expires_at - now).total_seconds() // 60))
        out.message(request.user_chat_id, _("join-ask-password", title=group.title, attempts=rules.attempts,
                                            minutes=minutes))
    elif isinstance(decided, Decision):
        # What was just written, so carrying it out need not read it back.
        row = JoinRequest(id=request_id, chat_id=new.chat_id, user_id=new.user_id, user_chat_id=new.user_chat_id,
                          first_name=new.first_name[:256], language_code=new.language_code,
                          invite_link=(invite_link or None) and invite_link[:128],
                          status=gate_service.APPROVED if decided.verdict is Verdict.APPROVE else gate_service.DECLINED,
                          reason=reason_code(decided)[:64], applied=False, notified=False,
                          requested_at=new.requested_at, created_at=now, expires_at=expires_at)
        decided_id = request_id
        out.after_commit(lambda: apply(app, decided_id, known=(row, group)))


async def handle_password(app: App, bot: Bot, session: AsyncSession, out: Outbox, message: Message,
                          request_id: int, _: Translator) -> None:
    """The applicant sent something in private chat while their request waits for the password."""
    now = app.clock.now()
    async with app.db.reader() as reader:
        row = await gate_service.get_request(reader, request_id)
        group = await group_service.get_group(reader, row.chat_id) if row is not None else None
        reader.expunge_all()  # keep their loaded values after the read transaction ends
    if row is None or group is None or row.status != gate_service.PENDING:
        out.message(message.chat.id, _("join-password-late"))
        return
    rules = gate_service.rules_of(group)
    if row.expires_at <= now:  # past its time, the sweep just has not come by yet
        if await gate_service.decide(session, request_id, approved=False, reason=str(Reason.TIMEOUT), now=now):
            out.after_commit(lambda: apply(app, request_id))
        return
    if not rules.password:
        out.message(message.chat.id, _("join-password-late"))
        return
    channel_ok = await channel_follows(app, bot, row.user_id) if rules.channel else None
    check = check_password(rules.password, message.text or "", row.password_attempts, rules.attempts)
    ok = True if check.ok else (False if check.exhausted else None)
    if not await gate_service.record_password(session, request_id, before=row.password_attempts,
                                              used=check.attempts_used, ok=ok):
        out.message(message.chat.id, _("join-password-late"))
        return
    if ok is None:
        out.message(message.chat.id, _("join-password-wrong", left=check.attempts_left))
        return
    fresh = await gate_service.get_request(session, request_id)
    assert fresh is not None
    decision = combine(rules.mode, await results(session, app, fresh.user_id, fresh.password_ok, rules,
                                                          channel_ok, now))
    if decision.verdict is Verdict.WAIT:  # the channel check got no answer: the sweep asks again
        await gate_service.set_needs_check(session, request_id, True)
        out.message(message.chat.id, _("join-checking"))
        return
    # The decision itself (approved, or declined with the reason) is the answer; see apply().
    await gate_service.decide(session, request_id, approved=decision.verdict is Verdict.APPROVE,
                              reason=reason_code(decision), now=now)
    out.after_commit(lambda: apply(app, request_id))


async def decline_pending_of(session: AsyncSession, out: Outbox, app: App, user_id: int, reason: Reason,
                             now: datetime) -> None:
    """Decline every pending request of ``user_id`` (e.g. they were just banned)."""
    for request_id in await gate_service.pending_of_user(session, user_id):
        if await gate_service.decide(session, request_id, approved=False, reason=str(reason), now=now):
            out.after_commit(lambda rid=request_id: apply(app, rid))  # type: ignore[misc]


# ---- telling Telegram, the applicant and the group ------------------------------------------------

async def _tell_telegram(bot: Bot, row: JoinRequest) -> str | None:
    """Approve or decline on Telegram (the limiter retries 429s, 5xx and network errors). Returns
    the outcome, or None for a transient failure that outlasted the retries (the sweep tries again)."""
    try:
        if row.status == gate_service.APPROVED:
            await bot.approve_chat_join_request(row.chat_id, row.user_id)
        else:
            await bot.decline_chat_join_request(row.chat_id, row.user_id)
        return DONE
    except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as exc:
        log.warning("join request %s: Telegram unavailable (%s); will retry", row.id, exc)
        return None
    except TelegramBadRequest as exc:
        text = exc.message.upper()
        log.warning("join request %s: Telegram refused to %s it (%s)", row.id, row.status, exc.message)
        if "USER_ALREADY_PARTICIPANT" in text:
            return MEMBER
        if "HIDE_REQUESTER_MISSING" in text:
            return GONE
        if "CHAT_ADMIN_REQUIRED" in text or "NOT ENOUGH RIGHTS" in text:
            return NO_RIGHTS
        if "USER_CHANNELS_TOO_MUCH" in text:
            return TOO_MANY
        return REFUSED
    except TelegramForbiddenError as exc:  # the bot is no longer in the group
        log.warning("join request %s: Telegram refused (%s)", row.id, exc.message)
        return REFUSED
    except TelegramAPIError as exc:
        log.warning("join request %s: Telegram refused (%s)", row.id, exc.message)
        return REFUSED


def decision_text(_: Translator, row: JoinRequest, title: str) -> str:
    if row.status == gate_service.APPROVED:
        return _("join-approved", title=title)
    reason = row.reason or "failed"
    if reason.startswith("failed:"):
        names = Markup(", ".join(_(f"threshold-{name}") for name in reason.removeprefix("failed:").split(",")))
        return _("join-declined-failed", title=title, thresholds=names)
    key = {"banned": "join-declined-banned", "timeout": "join-declined-timeout",
           "unverified": "join-declined-unverified", "late": "join-declined-late"}.get(reason, "join-declined")
    return _(key, title=title)


@dataclass(frozen=True)
class Notify:
    request_id: int
    user_id: int
    check_ban: bool  # an approval: a ban since the decision turns it into a decline
    claim: bool  # claim telling the applicant


class NotifyOp:
    """Before the applicant hears a decision, group-committed: an approval whose applicant was
    banned meanwhile is revoked, and the message is claimed (once per request). Each item's result:
    (revoked, claimed)."""

    async def single(self, session: AsyncSession, item: Notify) -> tuple[bool, bool]:
        outcome = (await self.bulk(session, [item]))[0]
        assert not isinstance(outcome, DomainError)
        return outcome

    async def bulk(self, session: AsyncSession, items: list[Notify]) -> list[tuple[bool, bool] | DomainError]:
        revoked = await gate_service.revoke_banned(
            session, [(i.request_id, i.user_id) for i in items if i.check_ban], reason=str(Reason.BANNED))
        claimed = await gate_service.claim_notified_many(session, sorted({i.request_id for i in items if i.claim}))
        found: list[tuple[bool, bool] | DomainError] = []
        for item in items:
            found.append((item.request_id in revoked, item.claim and item.request_id in claimed))
            claimed.discard(item.request_id)  # the same request twice in a batch: claimed once
        return found


@dataclass(frozen=True)
class Applied:
    request_id: int
    outcome: str
    row: JoinRequest
    group: Group | None
    joined: bool
    now: datetime


class AppliedOp:
    """Marking decisions carried out, group-committed, with what follows in the same transaction:
    the newcomer's membership, the welcome gift, a price-guessing invite's credit. Each item's
    result: (applied now, gift paid, tell staff, a guessing invite credited)."""

    async def single(self, session: AsyncSession, item: Applied) -> AppliedResult:
        if not await gate_service.claim_applied(session, item.request_id, item.outcome):
            return False, 0, False, None
        return await self._after_claim(session, item)

    async def bulk(self, session: AsyncSession, items: list[Applied]) -> list[AppliedResult | DomainError]:
        by_outcome: dict[str, list[int]] = {}
        for item in items:
            if item.outcome != NO_RIGHTS:
                by_outcome.setdefault(item.outcome, []).append(item.request_id)
        claimed: set[int] = set()
        for outcome, request_ids in by_outcome.items():
            claimed |= await gate_service.claim_applied_many(session, request_ids, outcome)
        found: list[AppliedResult | DomainError] = []
        for item in items:
            if item.outcome == NO_RIGHTS:
                # One by one, in order: whether staff were told already depends on the ones before.
                found.append(await self.single(session, item))
            elif item.request_id in claimed:
                claimed.discard(item.request_id)  # the same request twice in a batch: applied once
                found.append(await self._after_claim(session, item))
            else:
                found.append((False, 0, False, None))
        return found

    @staticmethod
    async def _after_claim(session: AsyncSession, item: Applied) -> AppliedResult:
        row, group, now = item.row, item.group, item.now
        gift, tell_staff = 0, False
        credit: guess_service.InviteCredit | None = None
        if item.joined and group is not None:
            if row.invite_link:  # a price-guessing invite: one more try for the friend who shared it
                newcomer = item.outcome == DONE and not await guess_service.in_group(session, row.chat_id,
                                                                                     row.user_id)
                credit = await guess_service.credit_invite(session, chat_id=row.chat_id, link=row.invite_link,
                                                           friend_id=row.user_id, newcomer=newcomer, now=now)
            await people.add_to_group(session, row.chat_id, row.user_id, now)
            if group.welcome_gift > 0:
                movement = await ledger.move(session, user_id=row.user_id, amount=group.welcome_gift,
                                             reason=PointsReason.WELCOME, key=welcome_key(row.user_id), now=now,
                                             ref=f"group:{row.chat_id}")
                gift = 0 if movement.duplicate else movement.amount
        if item.outcome == NO_RIGHTS:
            tell_staff = not await gate_service.outcome_seen(session, row.chat_id, NO_RIGHTS,
                                                             now - STAFF_REMINDER, item.request_id)
        return True, gift, tell_staff, credit


AppliedResult = tuple[bool, int, bool, "guess_service.InviteCredit | None"]
NOTIFY_OP = NotifyOp()
APPLIED_OP = AppliedOp()
# Whether newcomers were paid their welcome gift already (a burst of approvals: one query).
WELCOME_PAID: ReadBatch[str, bool] = ReadBatch(ledger.keys_found, "welcome-gift-reads")


async def apply(app: App, request_id: int, known: tuple[JoinRequest, Group] | None = None) -> None:
    """Carry out a decision once: the applicant's message, Telegram, the welcome and its gift.

    The applicant is told first: Telegram lets the bot write to someone who never started it only
    until their request is processed (``user_chat_id``), so the answer must go before the approval.
    The message is claimed in the database before it goes, so retries (the sweep, after a 429 or
    a network error) never repeat it; the gift it announces is paid only once Telegram confirms
    the approval (or says the applicant is already a member). When Telegram refuses for good the
    applicant hears what happened instead (once): the request is gone, staff will handle it (the
    bot lacks the right; staff are told once), or they are in too many groups.

    ``known``: the request as just decided by this process and its group (so neither is read back).
    """
    if known is None:
        async with app.db.reader() as reader:
            row = await gate_service.get_request(reader, request_id)
            group = await group_service.get_group(reader, row.chat_id) if row is not None else None
            reader.expunge_all()  # keep their loaded values after the read transaction ends
    else:
        row, group = known
    if row is None or row.status == gate_service.PENDING or row.applied:
        return
    tell = group is not None and row.reason not in SILENT_REASONS and not row.notified
    # Banned between the decision and now: the ban wins.
    check_ban = row.status == gate_service.APPROVED
    revoked, claimed = await app.db.submit(NOTIFY_OP, Notify(request_id, row.user_id, check_ban, tell)) \
        if check_ban or tell else (False, False)
    if revoked:
        row.status, row.reason = gate_service.DECLINED, str(Reason.BANNED)
    approved = row.status == gate_service.APPROVED
    promised = 0
    if group is not None and approved and group.welcome_gift > 0:
        paid = await WELCOME_PAID.get(app.db, welcome_key(row.user_id))
        promised = 0 if paid else group.welcome_gift
    _ = _translator(app, row.language_code)
    if claimed:
        assert group is not None
        text = decision_text(_, row, group.title)
        if promised:
            text = Markup(f"{text}\n{_('join-gift', points=promised)}")
        await app.sender.send_message(row.user_chat_id, text)
    outcome = await _tell_telegram(app.sender.bot, row)
    if outcome is None:
        return
    joined = approved and outcome in (DONE, MEMBER)
    applied, gift, tell_staff, credit = await app.db.submit(
        APPLIED_OP, Applied(request_id, outcome, row, group, joined, app.clock.now()))
    if not applied:
        return
    if credit is not None:
        await guessing.tell_inviter(app, credit, row.first_name)
    if group is None:
        return
    if joined:
        if outcome == DONE:
            welcome(app, group, row.first_name, gift, user_id=row.user_id)
        return
    if approved and outcome in (GONE, NO_RIGHTS, TOO_MANY):
        key = {GONE: "join-gone", NO_RIGHTS: "join-staff-will-handle", TOO_MANY: "join-too-many-channels"}[outcome]
        await app.sender.send_message(row.user_chat_id, _(key, title=group.title))
    if tell_staff:
        staff_ = _translator(app, group.language)
        for staff_id in sorted(app.directory.staff_and_owners()):
            await app.sender.send_message(staff_id, staff_("join-staff-no-rights", title=group.title))


@dataclass(frozen=True)
class Newcomer:
    name: str
    gift: int
    user_id: int | None = None


MAX_WELCOMED_NAMES = 40  # one welcome stays one message however many join in a window


def welcome_text(group_: Translator, template: str | None, items: list[Newcomer]) -> str:
    shown, hidden = items[:MAX_WELCOMED_NAMES], len(items) - MAX_WELCOMED_NAMES
    names = ", ".join(escape(shorten(i.name, LIST_NAME)) for i in shown)
    if hidden > 0:
        names += " " + group_("welcome-more", count=hidden)
    body = escape(template).replace("{name}", names) if template else group_("welcome-default", names=Markup(names))
    lines = [str(body)]
    for amount in sorted({i.gift for i in items if i.gift}):
        gifted_items = [i for i in items if i.gift == amount]
        gifted = Markup(", ".join(escape(shorten(i.name, LIST_NAME)) for i in gifted_items[:MAX_WELCOMED_NAMES])
                        + (" " + group_("welcome-more", count=len(gifted_items) - MAX_WELCOMED_NAMES)
                           if len(gifted_items) > MAX_WELCOMED_NAMES else ""))
        lines.append(group_("welcome-gift", names=gifted, points=amount))
    return "\n".join(lines)


def welcome(app: App, group: Group, name: str, gift: int, *, user_id: int | None = None) -> None:
    """Queue a welcome in the group; busy groups get one message for many newcomers, and the
    previous welcome is deleted once the new one is out."""
    group_ = _translator(app, group.language)
    template = group.welcome_text
    chat_id = group.chat_id

    async def replace_previous(messages: list[Message]) -> None:
        # A huge batch may be split in several messages; the last one stands for the batch. Its chat
        # is the group's (a basic group that became a supergroup meanwhile: the new one).
        newest, where = messages[-1].message_id, messages[-1].chat.id
        async with app.db.session() as session:
            previous = await gate_service.swap_welcome_message(session, where, newest)
        if previous and previous not in {m.message_id for m in messages}:
            await app.sender.delete(where, previous)

    app.coalescer.add(chat_id, "welcome", Newcomer(name, gift, user_id),
                      lambda items: welcome_text(group_, template, items), replace_previous,
                      key=user_id, fallback=lambda items: plain_names([i.name for i in items]),
                      thread_id=group.thread_id)


async def recheck(app: App, request_id: int) -> None:
    """Ask Telegram again whether a waiting applicant follows the shop channel, and decide if it says."""
    async with app.db.reader() as reader:
        row = await gate_service.get_request(reader, request_id)
        group = await group_service.get_group(reader, row.chat_id) if row is not None else None
        reader.expunge_all()
    if row is None or group is None or row.status != gate_service.PENDING:
        return
    rules = gate_service.rules_of(group)
    channel_ok = await channel_follows(app, app.sender.bot, row.user_id) if rules.channel else None
    if rules.channel and channel_ok is None:
        return  # still unknown: the request keeps waiting (its timeout still applies)
    now = app.clock.now()
    async with app.db.session() as session:
        await gate_service.set_needs_check(session, request_id, False)
        fresh = await gate_service.get_request(session, request_id)
        if fresh is None or fresh.status != gate_service.PENDING:
            return
        decision = combine(rules.mode, await results(session, app, fresh.user_id, fresh.password_ok, rules,
                                                          channel_ok, now))
        if decision.verdict is Verdict.WAIT:
            return  # the password is still awaited
        decided = await gate_service.decide(session, request_id, approved=decision.verdict is Verdict.APPROVE,
                                            reason=reason_code(decision), now=now)
    if decided:
        await apply(app, request_id)


async def sweep(app: App) -> int:
    """Decline requests past their time (measured from the request's date), check again those
    whose channel check got no answer, then carry out every decision not yet carried out.
    Returns how many requests timed out."""
    now = app.clock.now()
    timed_out = 0
    async with app.db.session() as session:
        for request_id in await gate_service.expired(session, now):
            row = await gate_service.get_request(session, request_id)
            # Unanswered checks are not the applicant's fault: say so, not "you failed".
            reason = Reason.UNVERIFIED if row is not None and row.needs_check else Reason.TIMEOUT
            if await gate_service.decide(session, request_id, approved=False, reason=str(reason), now=now):
                timed_out += 1
        to_check = await gate_service.to_check_again(session)
    for request_id in to_check:
        try:
            await recheck(app, request_id)
        except Exception:
            log.exception("checking join request %s again failed; will retry", request_id)
    async with app.db.reader() as reader:
        todo = await gate_service.unapplied(reader)
    for request_id in todo:
        try:
            await apply(app, request_id)
        except Exception:
            log.exception("carrying out join request %s failed; will retry", request_id)
    return timed_out

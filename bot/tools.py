"""Operator tools behind ``regulars export``, ``regulars doctor`` and ``regulars import-orders``."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.config import Settings
from bot.db.engine import Database
from bot.db.models import LedgerEntry, Member, RedPacket, Streak, User
from bot.services.ledger import audit


async def export_csv(url: str, what: str, out: TextIO) -> int:
    db = Database(url)
    writer = csv.writer(out)
    try:
        async with db.reader() as session:
            if what == "members":
                writer.writerow(["user_id", "first_name", "last_name", "username", "language", "balance",
                                 "lifetime_points", "streak", "last_checkin_day", "checkins_total", "member_since"])
                rows = await session.stream(
                    select(Member, User, Streak).join(User, col(User.id) == col(Member.user_id))
                    .outerjoin(Streak, col(Streak.user_id) == col(Member.user_id)).order_by(col(Member.user_id))
                )
                async for member, user, streak in rows:
                    streak = streak or Streak(user_id=member.user_id)
                    writer.writerow([member.user_id, user.first_name, user.last_name or "", user.username or "",
                                     user.language_code or "", member.balance, member.lifetime_points,
                                     streak.streak, streak.last_checkin_day or "", streak.checkins_total,
                                     member.created_at.isoformat()])
            else:
                writer.writerow(["id", "created_at", "user_id", "amount", "balance_after", "reason", "ref",
                                 "idempotency_key", "actor_id"])
                entries = await session.stream(select(LedgerEntry).order_by(col(LedgerEntry.id)))
                async for (entry,) in entries:
                    writer.writerow([entry.id, entry.created_at.isoformat(), entry.user_id, entry.amount,
                                     entry.balance_after, entry.reason, entry.ref or "", entry.idempotency_key,
                                     entry.actor_id or ""])
    finally:
        await db.close()
    return 0


async def doctor(url: str, out: TextIO) -> int:
    from bot.services.redpackets import accounting

    db = Database(url)
    try:
        async with db.reader() as session:
            problems = await audit(session)
            packet_problems = await accounting(session)
            members = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
            entries = (await session.execute(select(func.count()).select_from(LedgerEntry))).scalar_one()
            packets = (await session.execute(select(func.count()).select_from(RedPacket))).scalar_one()
            spending_problems = await _spending(session, out)
    finally:
        await db.close()
    if not problems:
        print(f"ledger OK: {members} members, {entries} entries, every balance equals the sum of its "
              "entries and none is negative", file=out)
    else:
        print(f"ledger FAILED: {len(problems)} problem(s)", file=out)
        for p in problems:
            print(f"  member {p.user_id}: {p.problem}", file=out)
    if not packet_problems:
        print(f"red packets OK: {packets} packets, each funded = grabbed + refunded + still open, "
              "in the packets, their shares and the ledger", file=out)
    else:
        print(f"red packets FAILED: {len(packet_problems)} problem(s)", file=out)
        for problem in packet_problems:
            print(f"  {problem}", file=out)
    return 1 if problems or packet_problems or spending_problems else 0


async def _spending(session: AsyncSession, out: TextIO) -> int:
    """The rewards shop and the lottery: stock = redeemed + left, codes handed out once, prize
    stock consistent, and the ledger holds exactly what redemptions and draws moved."""
    from bot.services import lottery, rewards

    reward_problems = await rewards.accounting(session)
    lottery_problems = await lottery.accounting(session)
    n_rewards, n_redemptions, n_codes = await rewards.summary(session)
    n_prizes, n_draws = await lottery.summary(session)
    if not reward_problems:
        print(f"rewards OK: {n_rewards} rewards, {n_redemptions} redemptions, {n_codes} codes; for each reward "
              "stock = redeemed + left, every code handed out at most once and to the redemption that shows it, "
              "the ledger took exactly what the redemptions cost", file=out)
    else:
        print(f"rewards FAILED: {len(reward_problems)} problem(s)", file=out)
        for problem in reward_problems:
            print(f"  {problem}", file=out)
    if not lottery_problems:
        print(f"lottery OK: {n_prizes} prizes, {n_draws} draws; each prize won = its draws, within its stock, "
              "and the ledger moved exactly what the draws cost and paid", file=out)
    else:
        print(f"lottery FAILED: {len(lottery_problems)} problem(s)", file=out)
        for problem in lottery_problems:
            print(f"  {problem}", file=out)
    return len(reward_problems) + len(lottery_problems)


OPERATOR_ID = 0  # the audit log's actor for command-line actions


async def import_orders(settings: Settings, file: str, out: TextIO, err: TextIO) -> int:
    """Import an orders CSV in one transaction; on any error, name the line and import nothing."""
    from bot.clock import SystemClock
    from bot.services import orders, people
    from games.errors import OrderFileError, OrderLineError
    from games.orders import MAX_LISTED_ERRORS, decode_csv, parse_orders_csv

    path = Path(file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        print(f"regulars: cannot read {file}: {exc.strerror}", file=err)
        return 1
    try:
        rows = parse_orders_csv(decode_csv(data), settings.tz)
    except OrderLineError as exc:
        errors = exc.errors if isinstance(exc, OrderFileError) else [exc]
        for error in errors[:MAX_LISTED_ERRORS]:
            p = error.params
            value = f" ({str(p['value'])[:80]})" if p.get("value") else ""
            problem = CLI_PROBLEMS.get(str(p["problem"]), str(p["problem"]))
            print(f"regulars: {file}, line {p['line']}: {problem}{value}", file=err)
        if len(errors) > MAX_LISTED_ERRORS:
            print(f"regulars: {file}: and {len(errors) - MAX_LISTED_ERRORS} more bad lines", file=err)
        print(f"regulars: {file}: nothing was imported", file=err)
        return 1
    now = SystemClock().now()
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            result = await orders.import_rows(session, rows, now)
            await people.record_audit(session, actor_id=OPERATOR_ID, action="orders.import", now=now,
                                      target=path.name[:128], details=f"new={result.new} updated={result.updated}")
    finally:
        await db.close()
    print(f"imported {len(rows)} orders from {file}: {result.new} new, {result.updated} updated", file=out)
    return 0


CLI_PROBLEMS = {
    "columns": "expected 5 columns (order id, amount, currency, paid at, check value)",
    "order-id": "the order id is missing or has characters other than letters, digits and _-./#",
    "duplicate": "this order id appears twice in the file",
    "amount": "the amount is not a positive number with at most two decimals",
    "currency": "the currency is not a three-letter code such as CNY",
    "paid-at": "the payment time is not a date (2026-03-01) or date and time (2026-03-01 14:30)",
    "check": "the check value is empty or longer than 64 characters",
    "too-many": "too many rows",
    "empty": "the file has no orders",
    "unreadable": "the file is not a CSV text file (save it as CSV, UTF-8 or GB18030)",
}

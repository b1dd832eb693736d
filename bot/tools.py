"""Operator tools behind ``regulars export`` and ``regulars doctor``."""

from __future__ import annotations

import csv
from typing import TextIO

from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import LedgerEntry, Member, RedPacket, User
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
                    select(Member, User).join(User, User.id == Member.user_id).order_by(Member.user_id)  # type: ignore[arg-type]
                )
                async for member, user in rows:
                    writer.writerow([member.user_id, user.first_name, user.last_name or "", user.username or "",
                                     user.language_code or "", member.balance, member.lifetime_points,
                                     member.streak, member.last_checkin_day or "", member.checkins_total,
                                     member.created_at.isoformat()])
            else:
                writer.writerow(["id", "created_at", "user_id", "amount", "balance_after", "reason", "ref",
                                 "idempotency_key", "actor_id"])
                entries = await session.stream(select(LedgerEntry).order_by(LedgerEntry.id))  # type: ignore[arg-type]
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
    return 1 if problems or packet_problems else 0

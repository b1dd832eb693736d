"""Staff corrections (/points USER +N|-N REASON): a grant or deduction with a reason, once per
command message, never taking a balance below zero; and what staff see of a member's points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEntry, Member
from bot.services import ledger, people
from games.errors import InsufficientPoints
from games.points import Reason, correction_key

MAX_REASON = 200


@dataclass(frozen=True)
class Corrected:
    amount: int
    balance: int
    duplicate: bool


async def correct(session: AsyncSession, *, user_id: int, amount: int, reason: str, actor_id: int, chat_id: int,
                  message_id: int, now: datetime) -> Corrected:
    """Grant (``amount`` > 0) or deduct (< 0) points, audited. A deduction larger than the balance
    raises InsufficientPoints (``balance``: what could be taken) and writes nothing."""
    key = correction_key(chat_id, message_id)
    if amount < 0:
        balance = await ledger.balance_of(session, user_id)
        if balance < -amount and await ledger.find_by_key(session, key) is None:
            raise InsufficientPoints(balance=balance, needed=-amount)
    moved = await ledger.move(session, user_id=user_id, amount=amount,
                              reason=Reason.GRANT if amount > 0 else Reason.DEDUCT,
                              key=key, ref=reason[:128], now=now, actor_id=actor_id)
    if not moved.duplicate:
        await people.record_audit(session, actor_id=actor_id, action="points.grant" if amount > 0 else "points.deduct",
                                  now=now, chat_id=chat_id, target=str(user_id), details=f"{amount:+d} {reason}")
    return Corrected(moved.amount, moved.balance_after, moved.duplicate)


async def statement(session: AsyncSession, user_id: int, limit: int = 10) -> tuple[int, int, list[LedgerEntry]]:
    """(balance, lifetime points, latest entries) of a member, for staff."""
    balance = await ledger.balance_of(session, user_id)
    entries = await ledger.recent(session, user_id, limit)
    member = await session.get(Member, user_id)
    return balance, member.lifetime_points if member else 0, entries

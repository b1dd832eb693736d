"""Tables. Invariants live here as constraints: the application may race, the database may not."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


def _bigint(*args: object, primary_key: bool = False, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(BigInteger, *args, primary_key=primary_key, nullable=nullable, autoincrement=False)


class User(SQLModel, table=True):
    """A Telegram account as last seen by the bot."""

    __tablename__ = "users"

    id: int = Field(sa_column=_bigint(primary_key=True))
    first_name: str = Field(sa_column=Column(String(256), nullable=False))
    last_name: str | None = Field(default=None, sa_column=Column(String(256)))
    username: str | None = Field(default=None, sa_column=Column(String(64)))
    language_code: str | None = Field(default=None, sa_column=Column(String(16)))
    is_bot: bool = False
    first_seen_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class Member(SQLModel, table=True):
    """The shop's profile of a customer: points balance and check-in streak."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint("lifetime_points >= 0", name="lifetime_non_negative"),
        CheckConstraint("streak >= 0", name="streak_non_negative"),
    )

    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    balance: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    lifetime_points: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    streak: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_checkin_day: date | None = Field(default=None, sa_column=Column(Date))
    checkins_total: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    created_at: datetime = Field(sa_column=_utc())


class Group(SQLModel, table=True):
    """A shop group registered by staff with /setup, and its settings."""

    __tablename__ = "groups"

    chat_id: int = Field(sa_column=_bigint(primary_key=True))
    title: str = Field(sa_column=Column(String(256), nullable=False))
    label: str = Field(default="general", sa_column=Column(String(32), nullable=False))
    language: str | None = Field(default=None, sa_column=Column(String(8)))
    checkin_base: int = Field(default=5, sa_column=Column(Integer, nullable=False, default=5))
    checkin_bonuses: str = Field(default="7:20", sa_column=Column(String(256), nullable=False))
    checkin_post_time: str | None = Field(default=None, sa_column=Column(String(5)))
    active: bool = True
    registered_by: int = Field(sa_column=_bigint())
    registered_at: datetime = Field(sa_column=_utc())


class GroupMember(SQLModel, table=True):
    """Who has been seen in which group (for group leaderboards)."""

    __tablename__ = "group_members"

    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id"), primary_key=True))
    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    first_seen_at: datetime = Field(sa_column=_utc())


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    added_by: int = Field(sa_column=_bigint())
    added_at: datetime = Field(sa_column=_utc())


class LedgerEntry(SQLModel, table=True):
    """One movement of points. The sum of a member's entries is their balance."""

    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_ledger_idempotency_key"),
        CheckConstraint("amount <> 0", name="amount_non_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_non_negative"),
        Index("ix_ledger_user_id_id", "user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_bigint(ForeignKey("members.user_id")))
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    balance_after: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    ref: str | None = Field(default=None, sa_column=Column(String(128)))
    idempotency_key: str = Field(sa_column=Column(String(160), nullable=False))
    actor_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=_utc())


class Checkin(SQLModel, table=True):
    """One check-in per member per local day: the unique constraint is the rule."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_checkins_user_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_bigint(ForeignKey("members.user_id")))
    day: date = Field(sa_column=Column(Date, nullable=False))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    streak: int = Field(sa_column=Column(Integer, nullable=False))
    points: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class AuditEntry(SQLModel, table=True):
    """Every staff action: who, what, when."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(sa_column=_bigint())
    action: str = Field(sa_column=Column(String(64), nullable=False))
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    target: str | None = Field(default=None, sa_column=Column(String(128)))
    details: str | None = Field(default=None, sa_column=Column(String(1024)))
    created_at: datetime = Field(sa_column=_utc())


class JobRun(SQLModel, table=True):
    """A claim that a scheduled job ran for a given key (e.g. a day), so it never runs twice."""

    __tablename__ = "job_runs"

    key: str = Field(sa_column=Column(String(160), primary_key=True))
    ran_at: datetime = Field(sa_column=_utc())


class RedPacket(SQLModel, table=True):
    """A pot of points split into shares at creation; see bot/services/redpackets.py for why."""

    __tablename__ = "red_packets"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_red_packets_source_key"),
        CheckConstraint("shares >= 1 AND total >= shares", name="shares_fit_total"),
        CheckConstraint("grabbed_count >= 0 AND grabbed_count <= shares", name="grabs_within_shares"),
        CheckConstraint("grabbed_amount >= 0 AND refunded >= 0 AND grabbed_amount + refunded <= total",
                        name="money_within_total"),
        CheckConstraint("status IN ('open', 'empty', 'expired')", name="status_known"),
        Index("ix_red_packets_status_expires_at", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    funder_id: int = Field(sa_column=_bigint(ForeignKey("members.user_id")))
    created_by: int = Field(sa_column=_bigint())
    total: int = Field(sa_column=Column(BigInteger, nullable=False))
    shares: int = Field(sa_column=Column(Integer, nullable=False))
    split: str = Field(sa_column=Column(String(8), nullable=False))
    password: str | None = Field(default=None, sa_column=Column(String(64)))
    eligibility: str = Field(default="all", sa_column=Column(String(160), nullable=False, default="all"))
    grabbed_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    grabbed_amount: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    refunded: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    status: str = Field(default="open", sa_column=Column(String(8), nullable=False, default="open"))
    source_key: str = Field(sa_column=Column(String(160), nullable=False))
    schedule_id: int | None = Field(default=None, sa_column=Column(Integer))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class RedPacketShare(SQLModel, table=True):
    """One pre-split share; ``user_id`` is set by the grab that takes it, once."""

    __tablename__ = "red_packet_shares"
    __table_args__ = (
        UniqueConstraint("packet_id", "user_id", name="uq_red_packet_shares_packet_user"),
        CheckConstraint("amount >= 1", name="amount_positive"),
    )

    packet_id: int = Field(sa_column=Column(Integer, ForeignKey("red_packets.id"), primary_key=True,
                                            autoincrement=False))
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, ForeignKey("members.user_id")))
    grabbed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class RedPacketSchedule(SQLModel, table=True):
    """A scheduled drop: daily at a time, or once at a date and time (local to the shop)."""

    __tablename__ = "red_packet_schedules"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    every: str = Field(sa_column=Column(String(8), nullable=False))
    at: str = Field(sa_column=Column(String(5), nullable=False))
    on: date | None = Field(default=None, sa_column=Column(Date))
    total: int = Field(sa_column=Column(BigInteger, nullable=False))
    shares: int = Field(sa_column=Column(Integer, nullable=False))
    options: str = Field(sa_column=Column(String(160), nullable=False))
    active: bool = True
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


metadata = SQLModel.metadata

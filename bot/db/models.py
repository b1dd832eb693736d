"""Tables. Invariants live here as constraints: the application may race, the database may not."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
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


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _bigint(*args: SchemaItem, primary_key: bool = False, nullable: bool = False) -> Column[int]:
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
    """The shop's wallet of a customer: the points balance, written only by bot/services/ledger.py."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint("lifetime_points >= 0", name="lifetime_non_negative"),
        CheckConstraint("owed >= 0", name="owed_non_negative"),
    )

    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    balance: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    lifetime_points: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # A shortfall: purchase points taken back on a refund after they were spent; recovered from
    # the next points earned (bot/services/ledger.py), never by a negative balance.
    owed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0, server_default=text("0")))
    created_at: datetime = Field(sa_column=_utc())


class Streak(SQLModel, table=True):
    """A member's check-in streak (no row: never checked in), kept apart from the wallet."""

    __tablename__ = "streaks"
    __table_args__ = (CheckConstraint("streak >= 0", name="streak_non_negative"),)

    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    streak: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_checkin_day: date | None = Field(default=None, sa_column=Column(Date))
    checkins_total: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))


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
    # Entry thresholds (入群门槛); see games.gate.GateRules.
    gate_mode: str = Field(default="all", sa_column=Column(String(8), nullable=False, server_default="all"))
    gate_password: str | None = Field(default=None, sa_column=Column(String(64)))
    gate_attempts: int = Field(default=3, sa_column=Column(Integer, nullable=False, server_default=text("3")))
    gate_channel: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    gate_allow: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    gate_segment: str | None = Field(default=None, sa_column=Column(String(500)))
    gate_spend_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    gate_timeout_s: int = Field(default=600, sa_column=Column(Integer, nullable=False, server_default=text("600")))
    # Welcome (进群欢迎/进群福利).
    welcome_text: str | None = Field(default=None, sa_column=Column(String(1024)))
    welcome_gift: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    welcome_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # Forum groups: the topic where staff ran /setup; the bot's own posts go there (None: General).
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # A tier group: the tier it requires (a name in ``tiers``) and how long a member who fell below
    # it may stay after the notice (None: never removed).
    gate_tier: str | None = Field(default=None, sa_column=Column(String(24)))
    gate_tier_grace_s: int | None = Field(default=None, sa_column=Column(Integer))


class ChatMigration(SQLModel, table=True):
    """A basic group that Telegram upgraded to a supergroup (a new chat id). The row is written in
    the transaction that moves the group's rows, so the move happens once, whichever sign of it
    (a service message, a 400 with ``migrate_to_chat_id``) arrives first."""

    __tablename__ = "chat_migrations"

    old_chat_id: int = Field(sa_column=_bigint(primary_key=True))
    new_chat_id: int = Field(sa_column=_bigint())
    migrated_at: datetime = Field(sa_column=_utc())


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


class JoinRequest(SQLModel, table=True):
    """A Telegram join request and its decision. ``pending_key`` (``chat:user``) is set only while
    pending, so one user has at most one open request per group; a decision is a conditional
    UPDATE of a pending row, so it happens once. ``applied`` turns true once Telegram was told;
    ``outcome`` says what Telegram answered (done, already a member, request gone, rights
    missing...). ``notified`` turns true (before sending) when the applicant is told the decision,
    so they hear it once however often carrying it out is retried. ``needs_check``: a threshold
    could not be checked (Telegram did not answer) and the sweep asks again."""

    __tablename__ = "join_requests"
    __table_args__ = (
        UniqueConstraint("pending_key", name="uq_join_requests_pending_key"),
        # Telegram may deliver the same update twice; a request is its (chat, user, date).
        UniqueConstraint("chat_id", "user_id", "requested_at", name="uq_join_requests_chat_user_date"),
        CheckConstraint("status IN ('pending', 'approved', 'declined')", name="status_known"),
        CheckConstraint("password_attempts >= 0", name="attempts_non_negative"),
        Index("ix_join_requests_status_expires_at", "status", "expires_at"),
        Index("ix_join_requests_user_id_status", "user_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    user_id: int = Field(sa_column=_bigint())
    user_chat_id: int = Field(sa_column=_bigint())
    first_name: str = Field(sa_column=Column(String(256), nullable=False))
    language_code: str | None = Field(default=None, sa_column=Column(String(16)))
    invite_link: str | None = Field(default=None, sa_column=Column(String(128)))
    invite_name: str | None = Field(default=None, sa_column=Column(String(32)))
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(64)))
    pending_key: str | None = Field(default=None, sa_column=Column(String(48)))
    password_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    password_ok: bool | None = Field(default=None, sa_column=Column(Boolean))
    applied: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    notified: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False,
                                                           server_default=false()))
    outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    needs_check: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False,
                                                              server_default=false()))
    requested_at: datetime = Field(sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class InviteLink(SQLModel, table=True):
    """A join-request invite link staff created, optionally named after a channel or campaign."""

    __tablename__ = "invite_links"

    link: str = Field(sa_column=Column(String(128), primary_key=True))
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    name: str | None = Field(default=None, sa_column=Column(String(32)))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


class AllowedUser(SQLModel, table=True):
    """The shop's allow-list (指定人群): user ids staff let in."""

    __tablename__ = "allowed_users"

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    added_by: int = Field(sa_column=_bigint())
    added_at: datetime = Field(sa_column=_utc())


class UserTag(SQLModel, table=True):
    """A staff tag on a customer (``tag:vip`` in segments)."""

    __tablename__ = "user_tags"
    __table_args__ = (Index("ix_user_tags_tag_user_id", "tag", "user_id"),)

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    tag: str = Field(sa_column=Column(String(32), primary_key=True))
    added_by: int = Field(sa_column=_bigint())
    added_at: datetime = Field(sa_column=_utc())


class Ban(SQLModel, table=True):
    """A banned user (拉黑): removed from every shop group, join requests declined."""

    __tablename__ = "bans"

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    banned_by: int = Field(sa_column=_bigint())
    reason: str | None = Field(default=None, sa_column=Column(String(256)))
    banned_at: datetime = Field(sa_column=_utc())


class Order(SQLModel, table=True):
    """An order imported from the shop's CSV. It binds to one account only: ``user_id`` is set by a
    conditional UPDATE ``WHERE user_id IS NULL``. Only a hash of the check value is kept."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("status IN ('paid', 'refunded')", name="status_known"),
        CheckConstraint("points_earned IS NULL OR points_earned >= 0", name="points_earned_non_negative"),
        CheckConstraint("points_shortfall >= 0 AND points_shortfall <= COALESCE(points_reversed, 0)",
                        name="shortfall_within_reversed"),
        Index("ix_orders_user_id", "user_id"),
    )

    order_id: str = Field(sa_column=Column(String(64), primary_key=True))
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    paid_at: datetime = Field(sa_column=_utc())
    check_hash: str = Field(sa_column=Column(String(64), nullable=False))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    bound_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    imported_at: datetime = Field(sa_column=_utc())
    # Points for purchases: ``points_earned`` is set once (conditional UPDATE ... IS NULL) with the
    # rate and multiplier it used; a refund is final (paid -> refunded once) and takes the points
    # back: ``points_reversed`` of them, of which ``points_shortfall`` were owed (already spent).
    status: str = Field(default="paid", sa_column=Column(String(8), nullable=False, default="paid",
                                                         server_default="paid"))
    points_earned: int | None = Field(default=None, sa_column=Column(BigInteger))
    earn_rate: int | None = Field(default=None, sa_column=Column(Integer))
    earn_multiplier: int | None = Field(default=None, sa_column=Column(Integer))
    refunded_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    points_reversed: int | None = Field(default=None, sa_column=Column(BigInteger))
    points_shortfall: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0,
                                                              server_default=text("0")))


class OrderTotals(SQLModel, table=True):
    """Per-customer summary of their linked orders, for segments (one indexed row per buyer, none for
    a customer without orders). Kept by bot/services/orders.py in the transaction that binds or
    re-imports an order; ``regulars doctor`` checks it against the orders."""

    __tablename__ = "order_totals"
    __table_args__ = (CheckConstraint("orders >= 1", name="orders_positive"),)

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    orders: int = Field(sa_column=Column(Integer, nullable=False))
    last_paid_at: datetime = Field(sa_column=_utc())


class BindFailure(SQLModel, table=True):
    """A wrong /bind attempt, counted to rate-limit guessing."""

    __tablename__ = "bind_failures"
    __table_args__ = (Index("ix_bind_failures_user_id_created_at", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_bigint())
    order_id: str = Field(sa_column=Column(String(64), nullable=False))
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


class BotChatRights(SQLModel, table=True):
    """The bot's status and administrator rights in a chat as last seen (games.rights.BotRights.encode),
    so that a change is told to staff once, however often Telegram repeats the update."""

    __tablename__ = "bot_chat_rights"

    chat_id: int = Field(sa_column=_bigint(primary_key=True))
    state: str = Field(sa_column=Column(String(160), nullable=False))
    updated_at: datetime = Field(sa_column=_utc())


class Vote(SQLModel, table=True):
    """A product vote (投票) in a group. Closed once (a conditional update from ``open``), by its
    deadline or by staff; the closer pays ``reward`` to each voter and records ``voters`` and
    ``paid`` (= reward × voters), which ``regulars doctor`` checks against the ballots and the ledger."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_votes_source_key"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="status_known"),
        CheckConstraint("show IN ('live', 'end')", name="show_known"),
        CheckConstraint("options >= 2 AND options <= 10", name="options_in_range"),
        CheckConstraint("reward >= 0 AND voters >= 0 AND paid = reward * voters", name="paid_matches"),
        Index("ix_votes_status_closes_at", "status", "closes_at"),
        Index("ix_votes_chat_id", "chat_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_by: int = Field(sa_column=_bigint())
    question: str = Field(sa_column=Column(String(200), nullable=False))
    options: int = Field(sa_column=Column(Integer, nullable=False))
    multi: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    buyers: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    show: str = Field(default="live", sa_column=Column(String(4), nullable=False, default="live"))
    reward: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # The launch reward (migration 0016): points for each member who chose an option naming a SKU
    # (``| OPTION @SKU``), paid once when that item goes live (bot/services/announcements.py).
    launch: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))
    status: str = Field(default="open", sa_column=Column(String(9), nullable=False, default="open"))
    source_key: str = Field(sa_column=Column(String(160), nullable=False))
    voters: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    paid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(sa_column=_utc())
    closes_at: datetime = Field(sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    closed_by: int | None = Field(default=None, sa_column=Column(BigInteger))  # None: the deadline
    announced_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class VoteOption(SQLModel, table=True):
    """An option of a vote, numbered from 1; ``sku``: the catalogue item it names (``@SKU``), as text."""

    __tablename__ = "vote_options"

    vote_id: int = Field(sa_column=Column(Integer, ForeignKey("votes.id"), primary_key=True, autoincrement=False))
    no: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    label: str = Field(sa_column=Column(String(60), nullable=False))
    sku: str | None = Field(default=None, sa_column=Column(String(32)))


class VoteBallot(SQLModel, table=True):
    """One per member per vote (the primary key): the row a tap locks before changing its choices,
    and where the reward paid at the close is recorded (``rewarded``)."""

    __tablename__ = "vote_ballots"
    __table_args__ = (CheckConstraint("rewarded >= 0 AND changes >= 0", name="counts_non_negative"),)

    vote_id: int = Field(sa_column=Column(Integer, ForeignKey("votes.id"), primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    first_at: datetime = Field(sa_column=_utc())
    changed_at: datetime = Field(sa_column=_utc())
    changes: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    rewarded: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class VoteTap(SQLModel, table=True):
    """A tap applied to an open vote, by its callback query id: Telegram redelivering the update
    (after a restart, to another replica) finds it here and changes nothing. Deleted at the close."""

    __tablename__ = "vote_taps"

    query_id: str = Field(sa_column=Column(String(64), primary_key=True))
    vote_id: int = Field(sa_column=Column(Integer, ForeignKey("votes.id"), nullable=False))


class VoteChoice(SQLModel, table=True):
    """A member's current choice (several in a ``multi`` vote): the rows the results are counted from."""

    __tablename__ = "vote_choices"

    vote_id: int = Field(sa_column=Column(Integer, ForeignKey("votes.id"), primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=_bigint(primary_key=True))
    option_no: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class GuessRound(SQLModel, table=True):
    """A price-guessing round (猜价格); see bot/services/guessing.py. ``status`` moves open → closed
    or open → cancelled once, by a conditional UPDATE; ``paid`` is what the ledger paid its winner
    (the prize, or 0); ``announced`` turns true (before the results go out) so they go out once."""

    __tablename__ = "guess_rounds"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_guess_rounds_source_key"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("tries >= 1 AND invites >= 0 AND prize >= 0 AND within_bp >= 0", name="settings_valid"),
        CheckConstraint("rule IN ('closest', 'under', 'within')", name="rule_known"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="status_known"),
        CheckConstraint("paid = 0 OR (status = 'closed' AND paid = prize AND winner_id IS NOT NULL)",
                        name="paid_only_the_prize_to_a_winner"),
        Index("ix_guess_rounds_status_deadline", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id")))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    product: str = Field(sa_column=Column(String(128), nullable=False))
    photo: str | None = Field(default=None, sa_column=Column(String(256)))
    price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    rule: str = Field(sa_column=Column(String(8), nullable=False))
    within_bp: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    tries: int = Field(sa_column=Column(Integer, nullable=False))
    prize: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    hints: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    invites: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    status: str = Field(default="open", sa_column=Column(String(10), nullable=False, default="open"))
    deadline: datetime = Field(sa_column=_utc())
    winner_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    winner_guess_id: int | None = Field(default=None, sa_column=Column(Integer))
    paid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    announced: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    source_key: str = Field(sa_column=Column(String(160), nullable=False))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class GuessPlayer(SQLModel, table=True):
    """A member's tries in a round. ``tries`` and ``max_bonus`` are the round's, copied so that the
    database itself refuses a try too many (``used <= tries + bonus``) or a bonus too many."""

    __tablename__ = "guess_players"
    __table_args__ = (
        CheckConstraint("used >= 0 AND used <= tries + bonus", name="tries_within_allowance"),
        CheckConstraint("bonus >= 0 AND bonus <= max_bonus", name="bonus_within_invites"),
    )

    round_id: int = Field(sa_column=Column(Integer, ForeignKey("guess_rounds.id"), primary_key=True))
    user_id: int = Field(sa_column=_bigint(primary_key=True))
    tries: int = Field(sa_column=Column(Integer, nullable=False))
    max_bonus: int = Field(sa_column=Column(Integer, nullable=False))
    used: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    bonus: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    focused_at: datetime = Field(sa_column=_utc())


class GuessEntry(SQLModel, table=True):
    """One guess: the member's ``n``-th try (unique), from one message (``source_key``, unique)."""

    __tablename__ = "guesses"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "n", name="uq_guesses_round_id_user_n"),
        UniqueConstraint("source_key", name="uq_guesses_source_key"),
        CheckConstraint("cents > 0 AND n >= 1", name="guess_valid"),
        Index("ix_guesses_round_id", "round_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(sa_column=Column(Integer, ForeignKey("guess_rounds.id"), nullable=False))
    user_id: int = Field(sa_column=_bigint())
    n: int = Field(sa_column=Column(Integer, nullable=False))
    cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    source_key: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=_utc())


class GuessLink(SQLModel, table=True):
    """A member's personal invite link for a round (a named createChatInviteLink), one per member."""

    __tablename__ = "guess_links"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_guess_links_round_id_user"),)

    link: str = Field(sa_column=Column(String(128), primary_key=True))
    round_id: int = Field(sa_column=Column(Integer, ForeignKey("guess_rounds.id"), nullable=False))
    user_id: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


class GuessInvite(SQLModel, table=True):
    """A friend who joined through a member's link: once per friend per round (the key), never the
    inviter; ``counted``: it earned the inviter a try (false once the inviter had the most)."""

    __tablename__ = "guess_invites"
    __table_args__ = (CheckConstraint("friend_id <> inviter_id", name="not_self"),)

    round_id: int = Field(sa_column=Column(Integer, ForeignKey("guess_rounds.id"), primary_key=True))
    friend_id: int = Field(sa_column=_bigint(primary_key=True))
    inviter_id: int = Field(sa_column=_bigint())
    counted: bool = Field(sa_column=Column(Boolean, nullable=False))
    joined_at: datetime = Field(sa_column=_utc())


# ---- rewards shop (积分兑换), lottery (抽奖), staff corrections -------------------------------------

class Reward(SQLModel, table=True):
    """A reward members buy with points. ``redeemed`` moves only by a conditional update under the
    reward's lock; the check constraint is the stock rule: never more redemptions than stock."""

    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("redeemed >= 0 AND (stock IS NULL OR redeemed <= stock)", name="redeemed_within_stock"),
        CheckConstraint("status IN ('active', 'paused')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False))
    cost: int = Field(sa_column=Column(BigInteger, nullable=False))
    stock: int | None = Field(default=None, sa_column=Column(BigInteger))
    redeemed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    limit_count: int | None = Field(default=None, sa_column=Column(Integer))
    limit_period: str | None = Field(default=None, sa_column=Column(String(8)))
    tier: str | None = Field(default=None, sa_column=Column(String(32)))
    cash: str | None = Field(default=None, sa_column=Column(String(64)))
    has_codes: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    status: str = Field(default="active", sa_column=Column(String(8), nullable=False, default="active"))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


class Redemption(SQLModel, table=True):
    """One redemption (its id is the redemption number staff fulfil). ``request_key`` names the
    member's confirmation tap (or the lottery draw): a repeated request redeems once."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("request_key", name="uq_redemptions_request_key"),
        CheckConstraint("cost >= 0", name="cost_non_negative"),
        CheckConstraint("status IN ('delivered', 'pending', 'done')", name="status_known"),
        Index("ix_redemptions_user_id_reward_id_created_at", "user_id", "reward_id", "created_at"),
        Index("ix_redemptions_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(sa_column=Column(Integer, ForeignKey("rewards.id"), nullable=False))
    user_id: int = Field(sa_column=_bigint(ForeignKey("members.user_id")))
    cost: int = Field(sa_column=Column(BigInteger, nullable=False))
    code: str | None = Field(default=None, sa_column=Column(String(128)))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    source: str = Field(default="shop", sa_column=Column(String(8), nullable=False, default="shop"))
    request_key: str = Field(sa_column=Column(String(160), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    done_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    done_by: int | None = Field(default=None, sa_column=Column(BigInteger))


class RewardCode(SQLModel, table=True):
    """One code of a reward's pool (coupon, gift card). A code exists once in the whole shop and
    belongs to at most one redemption (unique constraints), set by a conditional update."""

    __tablename__ = "reward_codes"
    __table_args__ = (
        UniqueConstraint("code", name="uq_reward_codes_code"),
        UniqueConstraint("redemption_id", name="uq_reward_codes_redemption_id"),
        Index("ix_reward_codes_reward_id_redemption_id", "reward_id", "redemption_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(sa_column=Column(Integer, ForeignKey("rewards.id"), nullable=False))
    code: str = Field(sa_column=Column(String(128), nullable=False))
    redemption_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("redemptions.id")))
    uploaded_by: int = Field(sa_column=_bigint())
    uploaded_at: datetime = Field(sa_column=_utc())


class LotteryPrize(SQLModel, table=True):
    """A row of the prize table. ``won`` moves only by a conditional update; the check constraint
    keeps it within the stock."""

    __tablename__ = "lottery_prizes"
    __table_args__ = (
        CheckConstraint("weight >= 1", name="weight_positive"),
        CheckConstraint("won >= 0 AND (stock IS NULL OR won <= stock)", name="won_within_stock"),
        CheckConstraint("kind IN ('nothing', 'points', 'reward', 'gift')", name="kind_known"),
        CheckConstraint("points >= 0", name="points_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(48), nullable=False))
    weight: int = Field(sa_column=Column(Integer, nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    points: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    reward_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("rewards.id")))
    stock: int | None = Field(default=None, sa_column=Column(BigInteger))
    won: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


class LotteryDraw(SQLModel, table=True):
    """One draw, kept for audit: who, which prize, the odds at the time. ``free_no`` numbers a
    member's free draws of a local day (unique: never more than the free draws allowed);
    ``first_user_id`` is set on a member's first draw ever (unique: one guaranteed prize each)."""

    __tablename__ = "lottery_draws"
    __table_args__ = (
        UniqueConstraint("request_key", name="uq_lottery_draws_request_key"),
        UniqueConstraint("user_id", "day", "free_no", name="uq_lottery_draws_user_day_free"),
        UniqueConstraint("first_user_id", name="uq_lottery_draws_first_user_id"),
        CheckConstraint("cost >= 0", name="cost_non_negative"),
        CheckConstraint("odds_ppm >= 0 AND odds_ppm <= 1000000", name="odds_in_range"),
        Index("ix_lottery_draws_user_id_day", "user_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_bigint(ForeignKey("members.user_id")))
    prize_id: int = Field(sa_column=Column(Integer, ForeignKey("lottery_prizes.id"), nullable=False))
    prize_name: str = Field(sa_column=Column(String(48), nullable=False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    odds_ppm: int = Field(sa_column=Column(Integer, nullable=False))
    guaranteed: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    cost: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    points: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    day: date = Field(sa_column=Column(Date, nullable=False))
    free_no: int | None = Field(default=None, sa_column=Column(Integer))
    first_user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    redemption_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("redemptions.id")))
    request_key: str = Field(sa_column=Column(String(160), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class PointsSettings(SQLModel, table=True):
    """Shop-wide settings of spending and corrections (one row, id 1): the lottery's price of a
    paid draw (0: paid draws off) and free draws per member per local day; the most points a staff
    member (not an owner) may grant or deduct in one /points command (0: owners only)."""

    __tablename__ = "points_settings"
    __table_args__ = (
        CheckConstraint("lottery_cost >= 0 AND lottery_free >= 0 AND staff_limit >= 0", name="non_negative"),
    )

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    lottery_cost: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    lottery_free: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    staff_limit: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_column=_utc())


class Tier(SQLModel, table=True):
    """A member tier (会员等级) staff defined: reached at ``threshold`` lifetime points or spend (cents
    in the last 12 months), with a points ``multiplier`` in percent."""

    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("name", name="uq_tiers_name"),
        CheckConstraint("measure IN ('points', 'spend')", name="measure_known"),
        CheckConstraint("threshold > 0", name="threshold_positive"),
        CheckConstraint("multiplier >= 100 AND multiplier <= 500", name="multiplier_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(24), nullable=False))
    measure: str = Field(sa_column=Column(String(8), nullable=False))
    threshold: int = Field(sa_column=Column(BigInteger, nullable=False))
    multiplier: int = Field(default=100, sa_column=Column(Integer, nullable=False, default=100))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())


class MemberTier(SQLModel, table=True):
    """A member's tier as last recorded (no row: no tier yet), and its multiplier, read on the
    check-in path. Changed only by a conditional UPDATE from the recorded tier, so a change is
    recorded (and told) once."""

    __tablename__ = "member_tiers"
    __table_args__ = (CheckConstraint("multiplier >= 100 AND multiplier <= 500", name="multiplier_range"),)

    user_id: int = Field(sa_column=_bigint(ForeignKey("users.id"), primary_key=True))
    tier: str | None = Field(default=None, sa_column=Column(String(24)))
    multiplier: int = Field(default=100, sa_column=Column(Integer, nullable=False, default=100))
    changed_at: datetime = Field(sa_column=_utc())


class TierEvent(SQLModel, table=True):
    """A member rose or fell; ``notified_at`` is set (before sending) when they are told, once."""

    __tablename__ = "tier_events"
    __table_args__ = (
        CheckConstraint("direction IN ('up', 'down')", name="direction_known"),
        Index("ix_tier_events_notified_at", "notified_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_bigint())
    old_tier: str | None = Field(default=None, sa_column=Column(String(24)))
    new_tier: str | None = Field(default=None, sa_column=Column(String(24)))
    direction: str = Field(sa_column=Column(String(4), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    notified_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class TierSeat(SQLModel, table=True):
    """A member's place in a tier group: the personal link sent (once), whether they reached the tier,
    and since when they are below it (told once). Deleted when the bot removes them."""

    __tablename__ = "tier_seats"

    chat_id: int = Field(sa_column=_bigint(ForeignKey("groups.chat_id"), primary_key=True))
    user_id: int = Field(sa_column=_bigint(primary_key=True))
    qualified: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    invited_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    link: str | None = Field(default=None, sa_column=Column(String(128)))
    fell_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class PointsRate(SQLModel, table=True):
    """Each ``/points_rate`` setting (points per unit of the shop currency, in hundredths; None: off);
    the latest row is the rate in force."""

    __tablename__ = "points_rates"

    id: int | None = Field(default=None, primary_key=True)
    rate: int | None = Field(default=None, sa_column=Column(Integer))
    set_by: int = Field(sa_column=_bigint())
    set_at: datetime = Field(sa_column=_utc())


# ---- catalogue (商品) and the broadcast engine ------------------------------------------------------

class Product(SQLModel, table=True):
    """An item of the shop's catalogue. ``sku`` is stored upper-case (A–Z, 0–9, ``-``, ``_``; 1–32);
    ``stock`` None: not tracked; ``cycle_days``: the repurchase cycle (智能复购提醒)."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("sku", name="uq_products_sku"),
        CheckConstraint("price_cents >= 0", name="price_non_negative"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_non_negative"),
        CheckConstraint("cycle_days IS NULL OR cycle_days > 0", name="cycle_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(sa_column=Column(String(32), nullable=False))
    name: str = Field(sa_column=Column(String(128), nullable=False))
    price_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    stock: int | None = Field(default=None, sa_column=Column(Integer))
    photo: str | None = Field(default=None, sa_column=Column(String(256)))  # a Telegram file_id
    link: str | None = Field(default=None, sa_column=Column(String(512)))
    cycle_days: int | None = Field(default=None, sa_column=Column(Integer))
    archived_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class OrderItem(SQLModel, table=True):
    """An item (by SKU) of an imported order: the optional SKU column of the orders CSV."""

    __tablename__ = "order_items"
    __table_args__ = (Index("ix_order_items_sku", "sku"),)

    order_id: str = Field(sa_column=Column(String(64), ForeignKey("orders.order_id"), primary_key=True))
    sku: str = Field(sa_column=Column(String(32), primary_key=True))


class Contact(SQLModel, table=True):
    """A member the bot may message privately: they started the bot (``started_at``); ``blocked_at``
    is set on a 403 (they blocked it) and cleared when they write to it again; ``promos_off_at``: they
    opted out of campaigns (/stop_promos), until they opt back in."""

    __tablename__ = "contacts"

    user_id: int = Field(sa_column=_bigint(primary_key=True))
    started_at: datetime = Field(sa_column=_utc())
    blocked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    promos_off_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Broadcast(SQLModel, table=True):
    """One announcement, campaign or reminder: what to send (``kind`` names the renderer, ``args`` its
    arguments) and to whom (its deliveries, planned in the same transaction). ``source`` is a stable
    key of what caused it, so planning twice plans once."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        UniqueConstraint("source", name="uq_broadcasts_source"),
        CheckConstraint("status IN ('active', 'done', 'cancelled')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(24), nullable=False))
    args: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON
    source: str | None = Field(default=None, sa_column=Column(String(96)))
    status: str = Field(default="active", sa_column=Column(String(12), nullable=False, default="active"))
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Delivery(SQLModel, table=True):
    """One message of a broadcast to one chat (a group, or a member in private). ``state``:
    planned → sending (committed before the request leaves) → sent (confirmed with its message id),
    or skipped / failed with a ``reason``. ``capped``: counts toward and obeys the per-member frequency
    cap; ``quiet``: obeys quiet hours; ``delayed`` says why ``not_before`` was last pushed back."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id", name="uq_deliveries_broadcast_id"),
        CheckConstraint(
            "state IN ('planned', 'sending', 'sent', 'skipped', 'failed', 'cancelled')", name="state_known"
        ),
        Index("ix_deliveries_state_not_before", "state", "not_before"),
        Index("ix_deliveries_chat_id_sent_at", "chat_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(sa_column=Column(Integer, ForeignKey("broadcasts.id"), nullable=False))
    chat_id: int = Field(sa_column=_bigint())
    private: bool = Field(sa_column=Column(Boolean, nullable=False))
    seq: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    args: str | None = Field(default=None, sa_column=Column(Text))  # JSON, per recipient
    capped: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    quiet: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    state: str = Field(default="planned", sa_column=Column(String(12), nullable=False, default="planned"))
    not_before: datetime = Field(sa_column=_utc())
    delayed: str | None = Field(default=None, sa_column=Column(String(8)))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    reason: str | None = Field(default=None, sa_column=Column(String(64)))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    marked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Set with the mark, for the check of a post left in flight (migration 0018): the newest message id
    # of the chat the worker knew of before it (every message at or below it was there before the mark),
    # and a digest of what was sent (a check posts again only what was sent the first time).
    after_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    content: str | None = Field(default=None, sa_column=Column(String(16)))
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Lease(SQLModel, table=True):
    """A named lease (the broadcast worker's): one process holds it while it renews it in time."""

    __tablename__ = "leases"

    name: str = Field(sa_column=Column(String(32), primary_key=True))
    holder: str = Field(sa_column=Column(String(64), nullable=False))
    expires_at: datetime = Field(sa_column=_utc())


# ---- announcements (上新推送, 预约上新, 补货通知): migration 0016_announcements ------------------------

class Announcement(SQLModel, table=True):
    """A new arrival (``new``), a pre-announcement (``soon``: a teaser now, the item at go-live) or a
    restock. ``status`` moves scheduled → live once, by a conditional update: the go-live (group post,
    reminders, voters' launch reward) happens once, whichever job firing or process gets there first.
    ``labels``: the group labels it goes to (comma-separated; None: every active group)."""

    __tablename__ = "announcements"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_announcements_source_key"),
        CheckConstraint("kind IN ('new', 'soon', 'restock')", name="kind_known"),
        CheckConstraint("status IN ('scheduled', 'live', 'cancelled')", name="status_known"),
        CheckConstraint("units IS NULL OR units >= 0", name="units_non_negative"),
        CheckConstraint("reserve_s IS NULL OR reserve_s > 0", name="reserve_positive"),
        Index("ix_announcements_status_go_live_at", "status", "go_live_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(8), nullable=False))
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("products.id"), nullable=False))
    sku: str = Field(sa_column=Column(String(32), nullable=False))
    labels: str | None = Field(default=None, sa_column=Column(String(700)))
    status: str = Field(default="scheduled", sa_column=Column(String(10), nullable=False, default="scheduled"))
    go_live_at: datetime = Field(sa_column=_utc())
    best: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    units: int | None = Field(default=None, sa_column=Column(Integer))  # a restock: the units that came back
    reserve_s: int | None = Field(default=None, sa_column=Column(Integer))  # a restock: reservation time
    source_key: str = Field(sa_column=Column(String(160), nullable=False))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())
    live_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class AnnouncementReminder(SQLModel, table=True):
    """A member's "🔔 Remind me" on a pre-announcement: one row per member (unique), ``active``
    toggled by their taps; ``query_id`` is the tap that last changed it, so the same tap delivered
    again changes nothing. The id orders the reminders (who asked first)."""

    __tablename__ = "announcement_reminders"
    __table_args__ = (
        UniqueConstraint("announcement_id", "user_id", name="uq_announcement_reminders_announcement_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(sa_column=Column(Integer, ForeignKey("announcements.id"), nullable=False))
    user_id: int = Field(sa_column=_bigint())
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    query_id: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = Field(sa_column=_utc())
    changed_at: datetime = Field(sa_column=_utc())


class WaitlistEntry(SQLModel, table=True):
    """A member waiting for a sold-out item ("🔔 Notify me"): once per member per item (unique); the
    id is the place in line (join order). A member leaves the line when a restock tells them it is
    back (no reservations) or gives them a reservation."""

    __tablename__ = "waitlist"
    __table_args__ = (
        UniqueConstraint("product_id", "user_id", name="uq_waitlist_product_id"),
        Index("ix_waitlist_product_id_id", "product_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("products.id"), nullable=False))
    user_id: int = Field(sa_column=_bigint())
    joined_at: datetime = Field(sa_column=_utc())


class Reservation(SQLModel, table=True):
    """A unit of a restock held for one member (fair allocation): a personal ``code`` valid until
    ``expires_at``. ``slot`` is the unit (1..N) and ``gen`` how many times it has been passed on: an
    expired reservation passes its slot to the next in line as generation ``gen + 1`` (unique, so a
    slot is passed once). One reservation per member per restock (unique)."""

    __tablename__ = "reservations"
    __table_args__ = (
        UniqueConstraint("code", name="uq_reservations_code"),
        UniqueConstraint("announcement_id", "user_id", name="uq_reservations_announcement_id"),
        UniqueConstraint("announcement_id", "slot", "gen", name="uq_reservations_announcement_id_slot"),
        CheckConstraint("status IN ('open', 'claimed', 'expired')", name="status_known"),
        CheckConstraint("slot >= 1 AND gen >= 1", name="slot_positive"),
        Index("ix_reservations_status_expires_at", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(sa_column=Column(Integer, ForeignKey("announcements.id"), nullable=False))
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("products.id"), nullable=False))
    slot: int = Field(sa_column=Column(Integer, nullable=False))
    gen: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    user_id: int = Field(sa_column=_bigint())
    code: str = Field(sa_column=Column(String(16), nullable=False))
    status: str = Field(default="open", sa_column=Column(String(8), nullable=False, default="open"))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    claimed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    claimed_by: int | None = Field(default=None, sa_column=Column(BigInteger))
# ---- recurring posts and campaigns (issue 12: campaigns; migration 0017_campaigns) ------------------

class RecurringPost(SQLModel, table=True):
    """A post staff scheduled to repeat (``/schedule add``): daily (``weekday`` None) or weekly
    (0 = Monday) at ``at_time`` (``HH:MM`` local; ``best``: chosen as an engagement window start), to
    the groups whose label is in ``labels`` (comma-separated; empty: every group). Each run plans one
    broadcast (source ``schedule:<id>:<run local ISO>``)."""

    __tablename__ = "recurring_posts"
    __table_args__ = (
        CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)", name="weekday_known"),
        CheckConstraint("status IN ('active', 'paused', 'cancelled')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    weekday: int | None = Field(default=None, sa_column=Column(Integer))
    at_time: str = Field(sa_column=Column(String(5), nullable=False))
    best: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    labels: str = Field(default="", sa_column=Column(String(400), nullable=False, default=""))
    status: str = Field(default="active", sa_column=Column(String(12), nullable=False, default="active"))
    created_by: int = Field(sa_column=_bigint())
    created_at: datetime = Field(sa_column=_utc())

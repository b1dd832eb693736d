"""The one registry of features: for each, its router (in dispatch order), its part of the
schedule, and its state. Commands are declared in bot/commands.py and checked against the routers.

A feature's state (the red packets' board, debouncer and random source; the migration follower)
belongs to the feature: :func:`create_states` makes one of each per process, and it is injected
on its own by name — into handlers as a Dispatcher keyword (``red_packets: RedPackets``), into
jobs by the scheduler runtime (a job names what it needs in its ``JobSpec.inject``). ``App`` holds
infrastructure only. A state may have ``start(app)`` (run at start-up), ``close()`` (at shut-down)
and ``chat_moved(...)`` (told when a group becomes a supergroup).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import Router

from bot.views import announcements as announcement_views
from bot.views import campaigns as campaign_views
from bot.views.broadcasts import Broadcasts, Renderer, render_text
from bot.views.guessing import GuessRounds
from bot.views.lottery import Lottery
from bot.views.migration import ChatFollower, Migrations, follow
from bot.views.redpackets import RedPackets
from bot.views.rewards import Rewards
from bot.views.votes import Votes
from handlers import (
    access,
    announcements,
    broadcasts,
    campaigns,
    catalogue,
    checkin,
    corrections,
    errors,
    fallback,
    gate,
    guessing,
    lottery,
    membership,
    migration,
    moderation,
    orders,
    points,
    redpackets,
    rewards,
    staff,
    start,
    tiers,
    votes,
)
from scheduler.jobs import FeatureJobs
from scheduler.jobs import announcements as announcement_jobs
from scheduler.jobs import campaigns as campaign_jobs
from scheduler.jobs import checkin as checkin_jobs
from scheduler.jobs import gate as gate_jobs
from scheduler.jobs import guessing as guessing_jobs
from scheduler.jobs import redpackets as redpacket_jobs
from scheduler.jobs import tiers as tier_jobs
from scheduler.jobs import votes as vote_jobs

if TYPE_CHECKING:
    from bot.app import App

FeatureStates = dict[str, Any]


@dataclass(frozen=True)
class Feature:
    name: str
    router: Callable[[], Router]
    schedule: FeatureJobs | None = None
    state: tuple[str, Callable[[], Any]] | None = None  # injected under this name
    # The renderers of the broadcasts it plans, by kind (bot/views/broadcasts.py).
    broadcasts: Mapping[str, Renderer] = field(default_factory=dict)


# Dispatch order. Red packets first after errors: their taps are the stampede, and every router
# before them costs each tap a pass. Their message handlers (three commands, and text equal to an
# open packet's password in a group) cannot take anything meant for the others. Refusals (a command
# its sender may not use, or sent in the wrong kind of chat) come before every other feature.
FEATURES: tuple[Feature, ...] = (
    Feature("errors", errors.create_router),
    Feature("migration", migration.create_router, state=("migrations", Migrations)),
    # The broadcast engine: its router only learns who started the bot (every private message passes
    # it first) and answers the delivery reports; its state is the worker.
    Feature("broadcasts", broadcasts.create_router, state=("broadcasts", Broadcasts), broadcasts={"text": render_text}),
    Feature("redpackets", redpackets.create_router, redpacket_jobs.SCHEDULE, state=("red_packets", RedPackets)),
    Feature("access", access.create_router),
    # Before "start": /start guess_<id> opens a round. Its private guesses step aside for a join
    # request waiting for its password (the gate's).
    Feature("guessing", guessing.create_router, guessing_jobs.SCHEDULE, state=("guess_rounds", GuessRounds)),
    # Announcements (issue 12): before "start", which would take /start remind_<id> and notify_<id>.
    Feature("announcements", announcements.create_router, announcement_jobs.SCHEDULE,
            broadcasts=announcement_views.RENDERERS),
    Feature("start", start.create_router),
    Feature("staff", staff.create_router),
    # Before orders: a staff file captioned /reward codes is a code pool, not an orders CSV.
    Feature("rewards", rewards.create_router, state=("rewards", Rewards)),
    Feature("lottery", lottery.create_router, state=("lottery", Lottery)),
    Feature("corrections", corrections.create_router),
    Feature("gate", gate.create_router, gate_jobs.SCHEDULE),
    Feature("moderation", moderation.create_router),
    Feature("orders", orders.create_router),
    Feature("tiers", tiers.create_router, tier_jobs.SCHEDULE),
    Feature("checkin", checkin.create_router, checkin_jobs.SCHEDULE),
    Feature("votes", votes.create_router, vote_jobs.SCHEDULE, state=("votes", Votes)),
    Feature("points", points.create_router),
    Feature("membership", membership.create_router),
    # ---- catalogue (issue 12): /product, /products (staff, private) ----
    Feature("catalogue", catalogue.create_router),
    # Recurring posts, campaigns and repurchase reminders (issue 12, campaigns).
    Feature("campaigns", campaigns.create_router, campaign_jobs.SCHEDULE, broadcasts=campaign_views.RENDERERS),
    Feature("fallback", fallback.create_router),
)


def create_routers() -> list[Router]:
    """Fresh routers, one per feature, in dispatch order (several dispatchers may share a process)."""
    return [feature.router() for feature in FEATURES]


def renderers() -> dict[str, Renderer]:
    """Every feature's broadcast renderers by kind (a kind belongs to one feature)."""
    found: dict[str, Renderer] = {}
    for feature in FEATURES:
        for kind, renderer in feature.broadcasts.items():
            if kind in found:
                raise ValueError(f"broadcast kind {kind!r} is rendered by two features")
            found[kind] = renderer
    return found


def schedules() -> list[FeatureJobs]:
    return [feature.schedule for feature in FEATURES if feature.schedule is not None]


def create_states(app: App) -> FeatureStates:
    """One state per feature that has one, for this process; the migration follower learns who
    keeps chats in memory, and the sender follows a migration it runs into through it."""
    states: FeatureStates = {}
    for feature in FEATURES:
        if feature.state is not None:
            name, factory = feature.state
            states[name] = factory()
    migrations: Migrations = states["migrations"]
    migrations.followers = [state for state in states.values() if isinstance(state, ChatFollower)]

    async def chat_migrated(old_chat_id: int, new_chat_id: int) -> None:
        await follow(app, migrations, old_chat_id, new_chat_id)

    app.sender.on_chat_migrated = chat_migrated
    # ---- broadcast engine: the worker renders every feature's broadcasts
    engine: Broadcasts = states["broadcasts"]
    engine.renderers = renderers()
    return states


async def start_states(app: App, states: FeatureStates) -> None:
    for state in states.values():
        if hasattr(state, "start"):
            await state.start(app)


async def close_states(states: FeatureStates) -> None:
    for state in states.values():
        if hasattr(state, "close"):
            await state.close()

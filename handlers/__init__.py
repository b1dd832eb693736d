"""Routers, one per feature; their order is fixed here.

Each call builds fresh routers, so several dispatchers can live in one process (tests, bench).
"""

from __future__ import annotations

from aiogram import Router

from handlers import (
    access,
    checkin,
    errors,
    fallback,
    gate,
    membership,
    migration,
    moderation,
    orders,
    points,
    redpackets,
    staff,
    start,
)


def get_routers() -> list[Router]:
    # Red packets first after errors: their taps are the stampede, and every router before them
    # costs each tap a pass. Their message handlers (three commands, and text equal to an open
    # packet's password in a group) cannot take anything meant for the others. Refusals (a command
    # its sender may not use, or sent in the wrong kind of chat) come before every other feature.
    order = (errors, migration, redpackets, access, start, staff, gate, moderation, orders, checkin, points,
             membership, fallback)
    return [module.create_router() for module in order]

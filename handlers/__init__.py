"""Routers, one per feature; their order is fixed here.

Each call builds fresh routers, so several dispatchers can live in one process (tests, bench).
"""

from __future__ import annotations

from aiogram import Router

from handlers import (
    checkin,
    errors,
    fallback,
    gate,
    membership,
    moderation,
    orders,
    points,
    redpackets,
    staff,
    start,
)


def get_routers() -> list[Router]:
    order = (errors, start, staff, gate, moderation, orders, redpackets, checkin, points, membership, fallback)
    return [module.create_router() for module in order]

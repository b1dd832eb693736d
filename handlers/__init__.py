"""Routers, one per feature; their order is fixed here."""

from __future__ import annotations

from aiogram import Router

from handlers import checkin, errors, fallback, membership, points, staff, start


def get_routers() -> list[Router]:
    return [errors.router, start.router, staff.router, checkin.router, points.router, membership.router,
            fallback.router]

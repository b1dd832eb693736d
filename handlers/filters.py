"""Role and chat filters, applied on routers or handlers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from games.types import Role

GROUP_TYPES = frozenset({"group", "supergroup"})


class IsStaff(Filter):
    """Owners and staff."""

    async def __call__(self, event: TelegramObject, role: Role = Role.CUSTOMER) -> bool:
        return role.is_staff


class IsOwner(Filter):
    async def __call__(self, event: TelegramObject, role: Role = Role.CUSTOMER) -> bool:
        return role is Role.OWNER

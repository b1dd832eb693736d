"""Join requests: the periodic sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.views.gate import sweep

if TYPE_CHECKING:
    from bot.app import App


async def sweep_join_requests(app: App) -> int:
    """Decline join requests past their time and carry out decisions not yet carried out."""
    return await sweep(app)

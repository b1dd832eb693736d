from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from bot.tools import doctor
from tests.factories import assert_books_balance
from tests.fuzz.ring import World, build_world
from tests.harness import harness


@pytest.fixture
async def world(db_url: str, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """One shop for all the examples of a test (state builds up as in a real shop); at the end
    ``regulars doctor`` must hold, and the counts are printed (visible with ``-s``)."""
    async with harness(db_url) as h:
        world = await build_world(h)
        yield world
        out = io.StringIO()
        assert await doctor(db_url, out) == 0, out.getvalue()
        await assert_books_balance(h)
        print(f"\nfuzz ring {request.node.name}: {dict(world.stats)}")

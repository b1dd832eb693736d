from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.harness import Harness, harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with harness(db_url) as running_harness:
        yield running_harness

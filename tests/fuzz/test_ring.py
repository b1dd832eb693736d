"""The fuzz ring: every command of the registry, forged callback data for every prefix, non-text
messages and documents, sent as owner, staff and customer, in a group and in private chat, through
the real Dispatcher and the emulator. See tests/fuzz/ring.py for what is checked per input.

Bounded in CI; ``REGULARS_FUZZ_EXAMPLES=5000`` runs each test that many examples (random, not
derandomized), and ``-s`` prints the counts (inputs tried, generic errors, silently ignored commands).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.ring import World, inputs, ring_settings, run


async def _check(world: World, data: st.DataObject, kinds: tuple[str, ...]) -> None:
    await run(world, data.draw(inputs(world, kinds)))
    problems, world.problems[:] = list(world.problems), []
    assert not problems, "\n".join(problems)


@ring_settings(ci_examples=200)
@given(data=st.data())
async def test_commands(world: World, data: st.DataObject) -> None:
    await _check(world, data, ("command", "command", "command", "chatter"))


@ring_settings(ci_examples=80)
@given(data=st.data())
async def test_callback_data(world: World, data: st.DataObject) -> None:
    await _check(world, data, ("callback",))


@ring_settings(ci_examples=100)
@given(data=st.data())
async def test_media_and_documents(world: World, data: st.DataObject) -> None:
    await _check(world, data, ("media", "document"))

"""Tests do not leak state into each other: module globals a test binds are reset after it (these
two run in this order: the first binds, the second must find nothing bound)."""

from __future__ import annotations

import importlib

from tests.harness import Harness

jobs = importlib.import_module("scheduler.jobs")


async def test_a_test_may_bind_the_scheduler_jobs_to_its_app(h: Harness) -> None:
    if hasattr(jobs, "bind"):
        jobs.bind(h.app, None)
        assert jobs._app is h.app


def test_the_next_test_finds_nothing_bound() -> None:
    assert getattr(jobs, "_app", None) is None and getattr(jobs, "_scheduler", None) is None

"""Structural rules: the functional core stays pure, texts exist in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.texts import LANGUAGES, Texts

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "sqlalchemy", "sqlmodel", "apscheduler", "aiosqlite", "asyncpg", "bot", "handlers",
             "scheduler")


@pytest.mark.parametrize("path", sorted((ROOT / "games").glob("*.py")), ids=lambda p: p.name)
def test_games_is_pure_domain_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_both_languages_have_the_same_texts() -> None:
    texts = Texts()
    assert texts.keys("en") == texts.keys("zh")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    pattern = re.compile(r"""(?:\b_|group_|\bt|texts\(\w+|texts\([^,]+)\(\s*["']([a-z][a-z0-9_-]+)["']""")
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            if "emulator" in path.parts:
                continue
            keys |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_text_the_code_asks_for_exists() -> None:
    texts = Texts()
    used = _used_keys()
    assert len(used) > 40  # the scan found the handlers' texts
    for lang in LANGUAGES:
        missing = sorted(k for k in used if not texts.has(lang, k))
        assert not missing, f"{lang}: {missing}"


def test_arguments_are_escaped_but_nested_texts_are_not() -> None:
    texts = Texts()
    line = texts("en", "me-line", name="<b>Tom & Jerry</b>", balance=1234, streak=2)
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in line and "1,234" in line
    nested = texts("en", "config-saved", rules=texts("en", "config-summary", base=5, bonuses="x", post="off"))
    assert "<" not in nested.replace("&lt;", "")


def test_every_ledger_reason_has_a_text() -> None:
    from games.points import Reason

    texts = Texts()
    for lang in LANGUAGES:
        assert all(texts.has(lang, f"reason-{reason}") for reason in Reason)


def _imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("folder", "forbidden"), [("scheduler", "handlers"), ("handlers", "scheduler"),
                                                   ("bot/views", "handlers")])
def test_the_scheduler_and_the_handlers_do_not_import_each_other(folder: str, forbidden: str) -> None:
    """Handlers commit schedule rows and the scheduler builds its jobs from them; jobs render
    through views, never through handlers."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        wrong = sorted(n for n in _imports_of(path) if n.split(".")[0] == forbidden)
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_no_module_keeps_the_app_or_the_scheduler_in_a_global() -> None:
    for path in sorted((ROOT / "scheduler").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Global) for node in ast.walk(tree)), path.name


WALLET_WRITES = re.compile(r"update\((MEMBERS|LEDGER|Member|LedgerEntry)\b|(MEMBERS|LEDGER)\.insert\(|"
                           r"insert_for\(session, (MEMBERS|LEDGER)\)")
LITERAL_KEYS = re.compile(r"""(\bkey=|find_by_key\([^,]+, )f["']""")


def test_only_the_ledger_writes_balances_and_keys_are_built_in_games_points() -> None:
    for folder in ("bot", "handlers", "scheduler"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts or "emulator" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            if path != ROOT / "bot" / "services" / "ledger.py":
                assert not WALLET_WRITES.search(source), f"{path.relative_to(ROOT)} writes balances itself"
            assert not LITERAL_KEYS.search(source), f"{path.relative_to(ROOT)} builds an idempotency key inline"


PACKAGES = ("bot", "handlers", "games", "scheduler")


def _module_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports at run time (imports under
    ``if TYPE_CHECKING:`` are only for annotations and do not count)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def runtime_imports(nodes: list[ast.stmt], found: set[str]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                runtime_imports(node.orelse, found)
                continue
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    runtime_imports([child], found)

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        runtime_imports(ast.parse(path.read_text(encoding="utf-8")).body, found)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_import_cycles() -> None:
    graph = _module_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module):], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize("folder", ["bot/services"])
def test_services_import_no_aiogram(folder: str) -> None:
    for path in sorted((ROOT / folder).rglob("*.py")):
        wrong = sorted(n for n in _imports_of(path) if n.split(".")[0] == "aiogram")
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_the_app_holds_infrastructure_only() -> None:
    """A feature's state (board, debouncer, random source, followers) is injected on its own."""
    from dataclasses import fields

    from bot.app import App

    assert {f.name for f in fields(App)} == {"settings", "clock", "db", "texts", "sender", "coalescer",
                                              "directory"}


async def test_every_job_and_catch_up_gets_the_state_it_names() -> None:
    """The registry's states cover every name a feature's jobs ask to be injected, and each job
    function accepts them by keyword."""
    import importlib
    import inspect

    from bot.features import FEATURES

    state_names = {feature.state[0] for feature in FEATURES if feature.state is not None}
    for feature in FEATURES:
        if feature.schedule is None:
            continue
        assert set(feature.schedule.inject) <= state_names, feature.name
        if feature.schedule.catch_up is not None:
            params = inspect.signature(feature.schedule.catch_up).parameters
            assert all(name in params for name in feature.schedule.inject), feature.name
        module = importlib.import_module(f"scheduler.jobs.{feature.name}")
        for name, function in inspect.getmembers(module, inspect.iscoroutinefunction):
            if function.__module__ != module.__name__ or name in ("jobs", "catch_up"):
                continue
            params = inspect.signature(function).parameters
            wanted = [p for p in params.values() if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is p.empty]
            assert {p.name for p in wanted} <= state_names, f"{module.__name__}.{name}"

"""The house's floors, read from the code's own imports (every import, a function's lazy ones too), and
the contracts between floors: activity names the workflows schedule equal what the worker registers,
and every door sends updates by the workflow method's reference (issue 22)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio import activity

from activities import contracts
from activities.service import service_activities
from harness.paths import ROOT
from settings import Settings

SOURCES = [
    path
    for path in ROOT.rglob("*.py")
    if not {".venv", "tests", "vendor", "node_modules"} & set(path.relative_to(ROOT).parts)
]

# (which files, which packages or modules they must not import, why)
RULES = [
    ("worker.py", {"cli", "web"}, "the worker is a door beside the CLI, over service/"),
    ("demo.py", {"cli", "web"}, "the demo runs the doors as processes and shares service/"),
    ("chaos/", {"cli", "web"}, "the chaos suite shares service/ with the doors"),
    ("bench/", {"cli", "tests"}, "benchmarks measure the service and the web app; fixtures come from harness/"),
    ("web/", {"cli", "activities"}, "the web door is a sibling of the CLI and runs no activity code"),
    ("cli/", {"web", "activities"}, "the CLI is a sibling of the web door and runs no activity code"),
    ("service/", {"cli", "web", "worker", "starter", "demo", "chaos", "bench", "harness", "tests"}, "below the doors"),
    # access.roles is the pure vocabulary of roles (ground floor, like campaign/); the store signs nothing.
    (
        "store/",
        {"settings", "access.links", "access.payloads", "service", "web", "cli", "workflows", "activities"},
        "the store is below them",
    ),
    ("activities/", {"service", "web", "cli", "workflows"}, "activities sit below the service layer"),
    ("workflows/", {"service", "web", "cli", "activities.service", "store", "settings"}, "workflows stay light"),
    ("campaign/", {"service", "web", "cli", "workflows", "activities", "store", "settings", "access"}, "pure"),
]
# Alembic's own entry point: `alembic upgrade head` run by hand reads DATABASE_URL through the settings.
EXEMPT = {"store/migrations/env.py"}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def forbidden(module: str, names: set[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def test_no_module_imports_from_a_floor_above_it() -> None:
    broken = []
    for path in SOURCES:
        where = path.relative_to(ROOT).as_posix()
        if where in EXEMPT:
            continue
        for scope, names, why in RULES:
            if where == scope or (scope.endswith("/") and where.startswith(scope)):
                broken += [f"{where}:{line} imports {module} ({why})" for line, module in imports(path)
                           if forbidden(module, names)]  # fmt: skip
    assert not broken, "\n".join(broken)


def test_the_rules_read_the_real_tree() -> None:
    """A rule that names no file would pass for nothing: each scope holds Python files."""
    for scope, _, _ in RULES:
        assert any(
            p.relative_to(ROOT).as_posix() == scope or p.relative_to(ROOT).as_posix().startswith(scope) for p in SOURCES
        ), scope
    assert forbidden("cli.output", {"cli"}) and not forbidden("client", {"cli"})


def test_the_activity_names_workflows_schedule_are_the_ones_the_worker_registers(tmp_path) -> None:
    from store.database import Store

    named = {value for key, value in vars(contracts).items() if key.isupper() and key != "SET_ASIDE"}
    settings = Settings(reports_dir=tmp_path, notify_channels="log")
    registered = {
        activity._Definition.must_from_callable(f).name for f in service_activities(Store("sqlite://"), settings)
    }
    assert named == registered


def update_calls(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every call that sends an update or a query with the handler's name as a string."""
    senders = {"execute_update", "start_update", "send_update", "send_to_activity", "send", "query", "signal"}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in senders and any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
                yield node.lineno, ast.unparse(node)[:120]


@pytest.mark.parametrize("door", ["web/", "cli/", "service/", "chaos/", "demo.py", "bench/"])
def test_every_door_sends_updates_by_the_workflow_methods_reference(door: str) -> None:
    files = [p for p in SOURCES if p.relative_to(ROOT).as_posix().startswith(door)]
    assert files
    by_name = [f"{p.relative_to(ROOT)}:{line}: {text}" for p in files for line, text in update_calls(p)]
    assert not by_name, "\n".join(by_name)


def test_the_check_for_updates_by_name_finds_one(tmp_path) -> None:
    sample = tmp_path / "door.py"
    sample.write_text('await handle.execute_update("submit_report", {})\nawait portal.send(c, 1, W.ready, m)\n')
    assert [line for line, _ in update_calls(sample)] == [1]


def test_a_forms_limits_are_the_named_limits_not_numbers_written_again() -> None:
    """A form's maxlength comes from campaign.limits (the office's report summary once said 4000 where
    the limit is 5000)."""
    import re

    written = [
        f"{path.name}: {found.group(0)}"
        for path in (ROOT / "web" / "templates").glob("*.html")
        for found in re.finditer(r'maxlength="\d+"', path.read_text(encoding="utf-8"))
    ]
    assert not written, written


def written_limits(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of a cut or a length check at a number campaign.limits names (`text[:200]`,
    `len(x) > 2000`): a limit on what a person types is named once, there."""
    from campaign import limits

    named = {v for k, v in vars(limits).items() if k.startswith("MAX_") and k.endswith("_CHARS")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Slice) and isinstance(node.upper, ast.Constant) and node.lower is None:
            bound = node.upper.value
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Call)
            and getattr(node.left.func, "id", "") == "len"
            and all(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops)
        ):
            bound = next((c.value for c in node.comparators if isinstance(c, ast.Constant)), None)
        else:
            continue
        if bound in named:
            yield node.lineno, ast.unparse(node)[:120]


@pytest.mark.parametrize("door", ["web/", "store/"])
def test_the_doors_cut_what_people_type_at_the_named_limits(door: str) -> None:
    """The web once cut a request id at 100 where MAX_REQUEST_ID_CHARS exists, passwords at 200 and sign-in
    names at 60 in three places each."""
    files = [p for p in SOURCES if p.relative_to(ROOT).as_posix().startswith(door)]
    written = [f"{p.relative_to(ROOT)}:{line}: {text}" for p in files for line, text in written_limits(p)]
    assert not written, "\n".join(written)


def test_the_check_for_written_limits_finds_them(tmp_path) -> None:
    sample = tmp_path / "door.py"
    sample.write_text("a = name[:60]\nb = len(url) > 2000\nc = shown[:20]\nd = name[:MAX_NAME_CHARS]\n")
    assert sorted(line for line, _ in written_limits(sample)) == [1, 2]

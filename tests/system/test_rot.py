"""Rot the house once had (issue 22): dead code in the product (every function and class its packages
define at module level is used by the code outside tests/, a Jinja2 template counts; `activity_window`
and `window_text` were left behind, and a reader kept only as a test's oracle), and tests that wait by
hand-written polling loops."""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from pathlib import Path

from harness.paths import ROOT

SKIP = {".venv", "tests", "vendor", "node_modules"}


def live_texts() -> dict[Path, str]:
    texts = {}
    for folder, folders, files in os.walk(ROOT):
        folders[:] = [f for f in folders if f not in SKIP and not f.startswith(".")]
        for name in files:
            if name.endswith((".py", ".html")):
                path = Path(folder) / name
                texts[path] = path.read_text(encoding="utf-8")
    return texts


def unused_in(package: str, texts: dict[Path, str]) -> list[str]:
    """`file: name` for each module-level function or class of `package` named nowhere but where it is
    defined (a decorated function is used by its decorator: `@atexit.register`, a route)."""
    words = Counter(word for text in texts.values() for word in re.findall(r"\w+", text))
    unused = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.parse(texts[path]).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            registered = not isinstance(node, ast.ClassDef) and bool(node.decorator_list)
            if words[node.name] <= 1 and not registered:
                unused.append(f"{path.relative_to(ROOT)}: {node.name}")
    return unused


# The product's packages (harness/ is the tests' and benchmarks' own).
PRODUCT = ("campaign", "store", "service", "web", "access", "activities", "workflows", "cli", "chaos")


def test_every_function_of_the_product_is_used() -> None:
    """Also beyond the pure core: store.unit_pages.unit_campaign was left as only a test's oracle."""
    texts = live_texts()
    unused = [found for package in PRODUCT for found in unused_in(package, texts)]
    assert not unused, "\n".join(unused)


def test_the_check_finds_a_function_nobody_calls(tmp_path, monkeypatch) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text("def used():\n    return 1\n\n\ndef forgotten():\n    return used()\n\n\n"
                                  "@atexit.register\ndef registered():\n    pass\n")  # fmt: skip
    monkeypatch.setattr("tests.system.test_rot.ROOT", tmp_path)
    texts = {path: path.read_text(encoding="utf-8") for path in package.rglob("*.py")}
    assert unused_in("pkg", texts) == ["pkg/m.py: forgotten"]


def polling_loops(path: Path) -> list[int]:
    """Lines of the loops in `path` that sleep (`asyncio.sleep`, `time.sleep`) between looks: hand-written
    polling, which harness.waiting does once (with a deadline that says what was awaited)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.While | ast.For | ast.AsyncFor):
            sleeps = [
                c.func
                for c in ast.walk(node)
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "sleep"
            ]
            if any(ast.unparse(f.value) in ("asyncio", "time") for f in sleeps):
                found.append(node.lineno)
    return found


def test_tests_and_benchmarks_wait_through_harness_waiting() -> None:
    loops = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "vendor" not in path.parts
        for line in polling_loops(path)
    ]
    assert not loops, "\n".join(loops)


def test_the_check_finds_a_polling_loop(tmp_path) -> None:
    sample = tmp_path / "t.py"
    sample.write_text(
        "async def f(s):\n    while not s.started:\n        await asyncio.sleep(0.05)\n"
        "    for _ in range(9):\n        await env.sleep(1)\n"
    )
    assert polling_loops(sample) == [2]


def module_file(module: str) -> Path | None:
    path = ROOT / (module.replace(".", "/") + ".py")
    if path.exists():
        return path
    package = ROOT / module.replace(".", "/") / "__init__.py"
    return package if package.exists() else None


def names_defined(path: Path) -> set[str]:
    """What a module defines itself at top level (a package: its modules too), not what it imports."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(inner.name)
            elif isinstance(inner, ast.Assign | ast.AnnAssign):
                targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                names |= {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    if path.name == "__init__.py":
        names |= {p.stem for p in path.parent.glob("*.py")} | {p.name for p in path.parent.iterdir() if p.is_dir()}
    return names


def second_paths(paths: list[Path]) -> list[str]:
    """`file:line: name from module` for each name imported from a module that only imports it itself."""
    defined: dict[str, set[str] | None] = {}
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module not in defined:
                    where = module_file(node.module)
                    defined[node.module] = names_defined(where) if where else None
                names = defined[node.module]
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {node.module}"
                          for alias in node.names if names is not None and alias.name not in names]  # fmt: skip
    return found


def test_each_name_has_one_import_path() -> None:
    """A name is imported from the module that defines it, never through another that imports it
    (`CampaignInput` came from workflows.campaign and workflows.inputs, `ROOT` from tests.conftest and
    harness.paths)."""
    paths = [p for p in live_texts() if p.suffix == ".py"]
    paths += [p for p in (ROOT / "tests").rglob("*.py") if "vendor" not in p.parts]
    found = second_paths(paths)
    assert not found, "\n".join(found)


def test_the_check_finds_a_second_import_path(tmp_path, monkeypatch) -> None:
    (tmp_path / "origin.py").write_text("THING = 1\n")
    (tmp_path / "relay.py").write_text("from origin import THING\n")
    (tmp_path / "user.py").write_text("from relay import THING\nfrom origin import THING as SAME\n")
    monkeypatch.setattr("tests.system.test_rot.ROOT", tmp_path)
    assert second_paths([tmp_path / "user.py"]) == ["user.py:1: THING from relay"]


LONGEST = 400  # lines
# The plan importer's document readers (Word, PDF, scans) aside.
LONG_ALLOWED = ("campaign/formats/",)


def long_modules(texts: dict[Path, str]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path, text in texts.items()
        if path.suffix == ".py"
        and (lines := text.count("\n")) > LONGEST
        and not path.relative_to(ROOT).as_posix().startswith(LONG_ALLOWED)
    )


def test_no_module_is_over_400_lines() -> None:
    """Small modules named for what they hold: campaign/editing.py (814 lines), campaign/messages.py (549),
    web/app.py (551), campaign/tracker.py (483), web/office_grid.py (474) and workflows/activity.py (492:
    its messages are workflows/activity_messages.py) were split; so were the tests
    (tests/campaign/test_body_plans.py had 509 lines, tests/web/test_web_doors.py 475)."""
    tests = {
        path: path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py") if "vendor" not in path.parts
    }
    found = long_modules(live_texts() | tests)
    assert not found, "\n".join(found)


def test_the_check_counts_lines(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("tests.system.test_rot.ROOT", tmp_path)
    (tmp_path / "campaign" / "formats").mkdir(parents=True)
    texts = {tmp_path / "big.py": "x = 1\n" * 401, tmp_path / "ok.py": "x = 1\n" * 400,
             tmp_path / "campaign" / "formats" / "word.py": "x = 1\n" * 900}  # fmt: skip
    assert long_modules(texts) == ["big.py: 401 lines"]


def glossary_names() -> list[str]:
    """The identifiers the README's glossary names (in backticks, in its "in code" column)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[3] for line in section.splitlines() if line.startswith("| ") and line.count("|") >= 4]
    return [name for row in rows[2:] for name in re.findall(r"`([A-Za-z_][\w.]*)`", row)]


def test_the_glossary_names_what_the_code_has() -> None:
    """Each dotted name imports (`campaign.plan.UnitRole`), each bare one is defined in the code."""
    import importlib

    names = glossary_names()
    assert len(names) > 20
    words = Counter(word for text in live_texts().values() for word in re.findall(r"\w+", text))
    missing = []
    for name in names:
        parts = name.split(".")
        if len(parts) == 1 or not (ROOT / parts[0]).is_dir():
            if not words[parts[-1]] and name not in {"rejected", "closed", "unavailable"}:
                missing.append(name)
            continue
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attribute in parts[cut:]:
                found = getattr(found, attribute, None)
            if found is None:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert not missing, missing


# The Temporal UI's tests drive it with Playwright's sync API beside a dev server of their own.
OWN_CHROMIUM = {"tests/conftest.py", "tests/web/test_ui_rendering.py"}
LAUNCH = re.compile(r"\bchromium\.launch\(")


def chromium_launches(paths: list[Path]) -> list[str]:
    """`file:line` for each Chromium a test module launches itself (`playwright.chromium.launch`)."""
    return [
        f"{path.relative_to(ROOT)}:{number}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LAUNCH.search(line) and path.relative_to(ROOT).as_posix() not in OWN_CHROMIUM
    ]


def test_browser_tests_share_one_chromium_set_up() -> None:
    """Chromium comes from the `browser` fixture and the app from tests.portal_env.site: the editor, office
    and portal browser tests each wrote their own server and Chromium set-up."""
    found = chromium_launches(sorted((ROOT / "tests").rglob("*.py")))
    assert not found, "\n".join(found)

"""Dependencies run one way (issue 12, point 7): pages → narratives → kpi → initiatives → helpers.

- `initiatives`, the plan's structure, sits at the bottom: it imports nothing of the apps above.
- `kpi` (indicators, values, judgement) may import `initiatives`, never `narratives` or `pages`.
- `narratives` (item progress, commentary) may import both, never `pages`.
- `pages`, the pages that combine them, sits above all three.
- The shared helpers (`smartdocho/fiscal.py`, `smartdocho/display.py`) import none of the apps.

Every import counts: at module level and inside functions, absolute and relative, and
`importlib.import_module("...")` with a literal name. Read with `ast`, so nothing is executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("initiatives", "kpi", "narratives", "pages")

# What each layer must not import.
FORBIDDEN = {
    "initiatives": {"kpi", "narratives", "pages"},
    "kpi": {"narratives", "pages"},
    "narratives": {"pages"},
}
SHARED_HELPERS = ("smartdocho/fiscal.py", "smartdocho/display.py")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from . import views` names modules too: count `pkg.views` as imported.
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def _python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def _violations(files: list[Path], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in imported_modules(path)
        if _top(name) in forbidden
    ]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_the_layers_below_it(app):
    files = _python_files(app)
    assert files, f"{app}/ has no Python files"
    violations = _violations(files, FORBIDDEN[app])
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("helper", SHARED_HELPERS)
def test_shared_helpers_import_none_of_the_apps(helper):
    path = ROOT / helper
    assert path.exists(), helper
    violations = _violations([path], set(APPS))
    assert not violations, "\n".join(violations)


def test_every_app_is_checked():
    """A new app must be placed in a layer here before it can be imported by the others."""
    apps = {p.parent.name for p in ROOT.glob("*/apps.py") if p.parent.name not in ("smartdocho",)}
    assert apps == set(APPS)


def test_the_parser_sees_imports_in_functions_and_relative_ones():
    # The check itself: a lazy import and a relative one are both found.
    narratives = imported_modules(ROOT / "narratives" / "signals.py")
    assert any(_top(name) == "kpi" for _line, name in narratives)
    kpi_views = imported_modules(ROOT / "kpi" / "views.py")
    assert "kpi.models" in {name for _line, name in kpi_views}

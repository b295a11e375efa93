"""The PyInstaller spec, checked without building: data files, migration imports, excluded modules.

The real build and its proof run in packaging/build_linux.sh (minutes: not in CI).
"""

import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "taizhang.spec"
MIGRATIONS = ROOT / "app" / "store" / "migrations"


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _literal(name: str) -> list:
    for node in _spec_tree().body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not a literal assignment in {SPEC}")


def _shipped_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    )


def _bundle_dest(path: Path) -> str | None:
    """Where the spec's DATAS put this file inside the bundle (None: not bundled)."""
    rel = path.relative_to(ROOT).as_posix()
    for pattern, dest in _literal("DATAS"):
        if Path(pattern).parent.as_posix() == Path(rel).parent.as_posix() and fnmatch.fnmatch(rel, pattern):
            return dest
    return None


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_spec_is_python_with_literal_lists() -> None:
    tree = _spec_tree()
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    assert _literal("DATAS") and _literal("HIDDEN_IMPORTS") and _literal("EXCLUDES")


def test_every_resource_folder_has_a_datas_line() -> None:
    folders = {ROOT / "resources"} | {p for p in (ROOT / "resources").rglob("*") if p.is_dir()}
    listed = {Path(pattern).parent.as_posix() for pattern, _ in _literal("DATAS")}
    for folder in folders:
        if folder.name != "__pycache__":
            assert folder.relative_to(ROOT).as_posix() in listed, f"{folder} missing from DATAS"
    assert "app/store/migrations" in listed and "app/store/migrations/versions" in listed


@pytest.mark.parametrize(
    "path", _shipped_files(ROOT / "resources") + _shipped_files(MIGRATIONS), ids=lambda p: p.name
)
def test_every_resource_and_migration_file_is_bundled_in_place(path: Path) -> None:
    # The app finds them at the same relative place in the bundle (app/resources.py, app/store/migrate.py).
    expected = path.parent.relative_to(ROOT).as_posix()
    assert _bundle_dest(path) == expected


def test_unlisted_file_would_be_caught() -> None:
    assert _bundle_dest(ROOT / "resources" / "new_folder" / "x.toml") is None
    assert _bundle_dest(ROOT / "resources" / "fonts" / "other.otf") is None
    assert _bundle_dest(MIGRATIONS / "versions" / "__init__.pyc") is None


@pytest.mark.parametrize("script", sorted((MIGRATIONS / "versions").glob("*.py")), ids=lambda p: p.name)
def test_migration_imports_are_hidden_imports(script: Path) -> None:
    # Alembic loads these from files at run time: PyInstaller never sees what they import.
    hidden = set(_literal("HIDDEN_IMPORTS"))
    missing = _imports(script) - hidden
    assert not missing, f"{script.name} imports {sorted(missing)}: add them to HIDDEN_IMPORTS"


def test_migrations_env_imports_are_hidden_imports() -> None:
    missing = _imports(MIGRATIONS / "env.py") - set(_literal("HIDDEN_IMPORTS"))
    assert not missing, f"env.py imports {sorted(missing)}: add them to HIDDEN_IMPORTS"


def test_no_module_the_app_imports_is_excluded() -> None:
    excluded = _literal("EXCLUDES")
    used = set().union(*(_imports(p) for p in (ROOT / "app").rglob("*.py")), _imports(ROOT / "main.py"))
    clashes = sorted(
        f"{mod} (excluded: {ex})" for mod in used for ex in excluded if mod == ex or mod.startswith(ex + ".")
    )
    assert not clashes, f"the spec excludes modules the app imports: {clashes}"


def test_hidden_imports_exist_here() -> None:
    # A typo in HIDDEN_IMPORTS is only a warning for PyInstaller and a crash for the user.
    import importlib.util

    for name in _literal("HIDDEN_IMPORTS"):
        assert importlib.util.find_spec(name) is not None, name


def test_build_script_proves_each_step() -> None:
    script = (ROOT / "packaging" / "build_linux.sh").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    for step in ("demo", "export-pdf", "export-xlsx", "--screenshot", "pdffonts", "pdftotext", "openpyxl"):
        assert step in script, step

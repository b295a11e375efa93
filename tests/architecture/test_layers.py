"""The layers' one rule each: Qt only in app/ui, and every import arrow points the allowed way."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# layer -> the app layers it may import (besides itself)
ALLOWED = {
    "errors": set(),
    "resources": set(),
    "models": {"errors"},
    "store": {"models", "errors", "resources"},
    "services": {"models", "store", "errors", "resources"},
    "exports": {"services", "models", "errors", "resources"},
    "ui": {"services", "models", "exports", "errors", "resources"},
    "cli": {
        "services", "models", "store", "exports", "errors", "resources", "cli_text", "application", "cli",
        "logging_setup",
    },
    "cli_text": {"services", "models", "store", "errors"},
    "application": {"ui", "services", "models", "store", "exports", "errors", "resources", "logging_setup"},
    "logging_setup": {"services", "store", "errors"},  # the log file and the Qt-free excepthook
}
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _layer(path: Path) -> str:
    rel = path.relative_to(APP)
    name = rel.parts[0].removesuffix(".py") if rel.parts else ""
    return "cli" if name.startswith("cli_") and name != "cli_text" else name


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _sources() -> list[Path]:
    return [p for p in APP.rglob("*.py") if p.name != "__init__.py" or p.parent != APP]


def test_every_module_belongs_to_a_known_layer():
    unknown = {str(p.relative_to(APP)) for p in _sources() if _layer(p) not in ALLOWED}
    assert not unknown, f"modules outside the known layers: {unknown}"


def test_qt_is_imported_only_inside_app_ui():
    offenders = [
        f"{p.relative_to(APP)} imports {name}"
        for p in _sources()
        if _layer(p) not in ("ui", "application")
        for name in _imports(p)
        if name.split(".")[0] in QT
    ]
    assert not offenders, offenders


def test_import_arrows_point_the_allowed_way():
    offenders = []
    for p in _sources():
        layer = _layer(p)
        for name in _imports(p):
            parts = name.split(".")
            if parts[0] != "app" or len(parts) < 2:
                continue
            target = "cli" if parts[1].startswith("cli_") and parts[1] != "cli_text" else parts[1]
            if target != layer and target not in ALLOWED.get(layer, set()):
                offenders.append(f"{p.relative_to(APP)} ({layer}) imports {name}")
    assert not offenders, offenders


def test_the_checker_catches_a_wrong_way_arrow(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from app.ui.main_window import MainWindow\nimport PySide6.QtWidgets\n")
    assert "app.ui.main_window" in _imports(bad)
    assert any(n.split(".")[0] in QT for n in _imports(bad))

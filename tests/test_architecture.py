"""The layering the README promises, checked on every run.

Conversations and notifications see vendors only through the vendor-neutral
interface, so a new vendor is one folder plus one registration line; the
interface itself names no vendor.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.vendors import VENDORS

BOT = Path(__file__).resolve().parent.parent / "bot"
VENDOR_NEUTRAL = ["conversations", "notifications", "app", "i18n", "storage"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_feature_code_never_imports_a_vendor_package() -> None:
    leaks = []
    for folder in VENDOR_NEUTRAL:
        for path in sorted((BOT / folder).rglob("*.py")):
            for module in imported_modules(path):
                if any(module.startswith(f"bot.vendors.{name}") for name in VENDORS):
                    leaks.append(f"{path.relative_to(BOT)} imports {module}")
    assert not leaks, leaks


def test_the_interfaces_name_no_vendor() -> None:
    for name in ("interface.py", "queue.py", "errors.py", "_tokens.py", "_http.py", "registry.py"):
        text = (BOT / "vendors" / name).read_text(encoding="utf-8").lower()
        code = text if name != "registry.py" else text.split("vendors: tuple", 1)[0]
        for vendor in VENDORS:
            assert vendor not in code, f"{name} mentions {vendor}"


def test_every_registered_vendor_is_one_folder_with_config_adapter_and_simulator() -> None:
    for name in VENDORS:
        folder = BOT / "vendors" / name
        for module in ("config.py", "adapter.py", "simulator.py"):
            assert (folder / module).exists(), f"{name} lacks {module}"

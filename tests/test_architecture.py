"""The layering the README promises, checked on every run.

Imports point one way, from the top (entry points, then ``app/`` which
wires everything) down to ``vendors/``, ``storage/`` and ``i18n/``.
Conversations and notifications see vendors only through the vendor-neutral
interface, so a new vendor is one folder plus one registration line; the
interface itself names no vendor.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.vendors import VENDORS

BOT = Path(__file__).resolve().parent.parent / "bot"
VENDOR_NEUTRAL = ["conversations", "notifications", "app", "ui", "runtime", "i18n", "storage"]

# Higher layers may import lower (or equal) ones, never the other way round.
LAYERS: dict[str, int] = {
    "cli": 7, "sandbox": 7, "__main__": 7,
    "app": 6,
    "conversations": 5,
    "notifications": 4,
    "ui": 3,
    "runtime": 2,
    "vendors": 1, "storage": 1, "i18n": 1,
    "config": 0, "logs": 0, "throttle": 0, "asgi": 0, "fake_telegram": 0,
}


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


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def test_imports_point_down_the_layers() -> None:
    upward = []
    for path in sorted(BOT.rglob("*.py")):
        relative = path.relative_to(BOT)
        own = relative.parts[0].removesuffix(".py")
        if own not in LAYERS:
            continue
        for module in imported_modules(path):
            target = _layer_of(module)
            if target is not None and LAYERS[target] > LAYERS[own]:
                if own == "fake_telegram" and relative.name == "__main__.py":
                    continue  # the fake server's own command line starts the demo world
                upward.append(f"{relative} ({own}) imports {module} ({target})")
    assert not upward, upward


def test_every_layer_is_known() -> None:
    top_level = {p.name.removesuffix(".py") for p in BOT.iterdir() if p.suffix == ".py" or p.is_dir()}
    unknown = top_level - set(LAYERS) - {"__init__", "__pycache__"}
    assert not unknown, f"add {sorted(unknown)} to LAYERS"


def test_no_attribute_is_attached_behind_the_type_checker() -> None:
    hits = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if "type: ignore[attr-defined" in path.read_text(encoding="utf-8")
    ]
    assert not hits, hits

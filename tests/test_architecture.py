"""The layering the README promises, checked on every run.

Imports point one way, from the top (entry points, then ``app/`` which
wires everything) down to ``vendors/``, ``storage/`` and ``i18n/``.
Feature code sees vendors only through ``bot.vendors`` (the roles, their
models, the errors and the registry, all re-exported there), so a new
vendor is one folder plus one registration line; the roles and the shared
vendor machinery name no vendor.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot.vendors
from bot.vendors import VENDORS, Vendor
from bot.vendors import registry
from bot.vendors.registry import adapter_class

BOT = Path(__file__).resolve().parent.parent / "bot"
VENDOR_NEUTRAL = ["conversations", "notifications", "app", "ui", "runtime", "i18n", "storage"]
FEATURES = ["ui", "runtime", "notifications", "conversations", "app"]  # layers 2-6

# Higher layers may import lower (or equal) ones, never the other way round.
LAYERS: dict[str, int] = {
    "cli": 7, "sandbox": 7, "__main__": 7,
    "app": 6,
    "conversations": 5,
    "notifications": 4,
    "ui": 3,
    "runtime": 2,
    "vendors": 1, "storage": 1, "i18n": 1,
    "config": 0, "env_settings": 0, "logs": 0, "throttle": 0, "asgi": 0, "fake_telegram": 0,
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


def python_files(folder: str) -> list[Path]:
    root = BOT / folder
    return sorted(root.rglob("*.py")) if root.is_dir() else []


def vendor_imports(path: Path) -> list[str]:
    """Every way ``path`` reaches into bot.vendors other than its public names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("bot.vendors")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.vendors"):
            if node.module != "bot.vendors":
                found.append(node.module or "")
            else:
                found += [f"bot.vendors.{a.name}" for a in node.names
                          if a.name not in bot.vendors.__all__]
    return found


def test_feature_code_imports_only_the_public_names_of_bot_vendors() -> None:
    leaks = [f"{path.relative_to(BOT)} imports {module}"
             for folder in FEATURES for path in python_files(folder)
             for module in vendor_imports(path)]
    assert not leaks, leaks


def top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def test_everything_public_in_the_roles_and_errors_is_re_exported() -> None:
    assert all(hasattr(bot.vendors, name) for name in bot.vendors.__all__)
    for path in [*python_files("vendors/roles"), BOT / "vendors" / "errors.py"]:
        missing = top_level_names(path) - set(bot.vendors.__all__) - {"T", "R"}
        assert not missing, f"{path.relative_to(BOT)}: {missing} not in bot.vendors"


def neutral_modules() -> list[Path]:
    """The roles and the shared machinery: bot/vendors/*.py and bot/vendors/roles/."""
    return sorted((BOT / "vendors").glob("*.py")) + python_files("vendors/roles")


def test_the_roles_and_shared_machinery_name_no_vendor() -> None:
    checked = neutral_modules()
    assert {"roles", "errors.py", "registry.py", "_http.py", "_tokens.py"} <= {
        p.relative_to(BOT / "vendors").parts[0] for p in checked}
    for path in checked:
        text = path.read_text(encoding="utf-8").lower()
        if path.name == "registry.py":  # the one table that names them
            text = text.split("vendors: dict", 1)[0]
        for vendor in {*VENDORS, *(p.parent.name for p in (BOT / "vendors").glob("*/config.py"))}:
            assert vendor not in text, f"{path.relative_to(BOT)} mentions {vendor}"


def test_every_registered_vendor_is_one_folder_with_config_adapter_and_simulator() -> None:
    for name, target in VENDORS.items():
        folder = BOT / "vendors" / name
        for module in ("config.py", "adapter.py", "simulator.py"):
            assert (folder / module).exists(), f"{name} lacks {module}"
        assert target.startswith(f"bot.vendors.{name}.adapter:")
        cls = adapter_class(name)
        assert isinstance(cls, type) and issubclass(cls, Vendor) and cls.__name__ != "Vendor"
        # build_enabled skips a vendor none of whose variables is set by this prefix alone
        assert registry.load_settings(name).env_prefix == registry.env_prefix(name)
        roles = [getattr(bot.vendors, n) for n in bot.vendors.__all__ if n.endswith("Role")]
        roles = [role for role in roles if issubclass(cls, role)]
        assert roles, f"{name} plays no role"


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


def test_no_module_is_over_400_lines() -> None:
    """Small modules a newcomer can read: split one along a seam before it grows past this."""
    long = {str(p.relative_to(BOT)): n for p in BOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long

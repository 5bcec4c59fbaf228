"""The import contract of src/msosim, read from the source's syntax trees (nothing is imported)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "msosim"
MAX_LINES = 400
RANK = {"core": 0, "experiments": 1, "reporting": 1, "cli": 2, "dashboard": 2, "facade": 3}
LAYER_OF_PREFIX = (("msosim.experiments", "experiments"), ("msosim.reporting", "reporting"), ("msosim.cli", "cli"),
                   ("msosim.commands", "cli"), ("msosim.__main__", "cli"), ("msosim.dashboard", "dashboard"))


@dataclass(frozen=True)
class Import:
    """One import statement's target module and the names it takes (empty for `import x`)."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """The dotted module name of a file under the package root."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """core, experiments, reporting, cli, dashboard, or facade (the package's own `__init__`)."""
    if module == "msosim":
        return "facade"
    for prefix, name in LAYER_OF_PREFIX:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return "core"


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from ... import` statement reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, root: Path = PACKAGE) -> list[Import]:
    """Every import in a file, also those inside functions, made absolute."""
    module = module_name(path, root)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            found.append(Import(module, target, tuple(alias.name for alias in node.names), node.lineno))
    return found


def import_graph(root: Path = PACKAGE) -> list[Import]:
    """The imports of every module of the package that stay inside it."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        edges += [edge for edge in imports_of(path, root) if edge.target.split(".")[0] == root.name]
    return edges


def _submodules(root: Path) -> set[str]:
    """Every module and package name under the root, dotted."""
    return {module_name(path, root) for path in root.rglob("*.py")}


def backward_imports(edges: list[Import], modules: set[str] | None = None) -> list[str]:
    """Imports from a layer into a layer above it (`from pkg import sub` counts as importing pkg.sub)."""
    found = []
    for edge in edges:
        targets = {f"{edge.target}.{name}" if modules is not None and f"{edge.target}.{name}" in modules else edge.target
                   for name in edge.names} or {edge.target}
        for target in sorted(targets):
            source_layer, target_layer = layer(edge.source), layer(target)
            if RANK[target_layer] > RANK[source_layer]:
                found.append(f"{edge.source}:{edge.line} ({source_layer}) imports {target} ({target_layer})")
    return found


def private_imports(edges: list[Import]) -> list[str]:
    """Imports of another module's underscore names (`from .x import _y`)."""
    return [f"{edge.source}:{edge.line} imports {edge.target}.{name}" for edge in edges
            for name in edge.names if name.startswith("_") and not name.startswith("__") and edge.target != edge.source]


def long_files(root: Path = PACKAGE, limit: int = MAX_LINES) -> list[str]:
    """Files over the line limit."""
    return [f"{module_name(path, root)}: {count} lines" for path in sorted(root.rglob("*.py"))
            if (count := len(path.read_text().splitlines())) > limit]


def shadowing_names(root: Path = PACKAGE) -> list[str]:
    """Names a package's `__init__` binds (functions, classes, imported objects) that are also its submodules' names."""
    found = []
    for init in sorted(root.rglob("__init__.py")):
        children = {path.stem for path in init.parent.glob("*.py")} | {path.name for path in init.parent.iterdir()
                                                                        if (path / "__init__.py").exists()}
        children.discard("__init__")
        package = module_name(init, root)
        for node in ast.parse(init.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound = [node.name]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(node, package, True)
                bound = [alias.asname or alias.name for alias in node.names if f"{source}.{alias.name}" != f"{package}.{alias.asname or alias.name}"]
            else:
                bound = []
            found += [f"{package}.{name} (line {node.lineno}) shadows the module {package}.{name}" for name in bound if name in children]
    return found


def violations(root: Path = PACKAGE) -> dict[str, list[str]]:
    """Every broken rule, by rule."""
    edges = import_graph(root)
    return {"backward": backward_imports(edges, _submodules(root)), "private": private_imports(edges),
            "long": long_files(root), "shadowing": shadowing_names(root)}


MODEL_CORE = ("model.py", "population.py", "state.py", "collector.py", "metrics.py", "agents", "submodels")


def core_files(root: Path = PACKAGE) -> list[Path]:
    """The files of the model core: the model, its agents, submodels, population, state and what it collects."""
    found = []
    for name in MODEL_CORE:
        found += sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]
    return found


def policy_reads(path: Path, root: Path = PACKAGE) -> list[str]:
    """Where a file reads an attribute named `policy` (`x.policy`, `x.policy.y`, getattr(x, "policy")): the model
    core reads the policy overlay (`config.overlay`), applied when the scenario loads, never the policy section."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "policy":
            found.append(node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
              and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "policy"):
            found.append(node.lineno)
    return [f"{module_name(path, root)}:{line} reads .policy" for line in sorted(found)]


def unmapped_modules(readme: str, root: Path = PACKAGE) -> list[str]:
    """Modules the README's Layout section does not name (a file name shared by n modules must appear n times)."""
    layout = readme.split("## Layout", 1)[-1].split("\n## ", 1)[0]
    counts: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if path.name != "__init__.py":
            counts.setdefault(path.name, []).append(module_name(path, root))
    return [module for name, modules in counts.items() if layout.count(name) < len(modules) for module in modules]

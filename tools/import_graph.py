"""The import graph of the apps: no cycle, and each layer imports only the layers below it.

    interfaces (api, admin, views, urls, tasks, management commands, schemas, forms, filters)
      -> services and selectors (and what they use: audit, jobs, caching, proofs, ...)
      -> models (and the pure engine: lottery.draws, lottery.verify)
      -> core (imports none of the apps)

Every import counts, those inside functions too (a lazy import hides a cycle, it does not
remove it). Run by ``make lint``; exits 1 with the offending edges.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "lottery", "backoffice")
INTERFACE = ("api", "admin", "views", "urls", "tasks", "management", "schemas", "forms", "filters")
MODELS = (
    "models",
    "rules",
    "draws",
    "verify",
    "verify_http",
    "baker_recipes",
    "apps",
    "migrations",
)
# Modules below the services that are neither models nor interfaces (read by both).
FORBIDDEN = {
    # accounts is below lottery: it may read lottery's models and its audit writer only.
    "accounts": ("lottery.admin", "lottery.forms", "lottery.services", "lottery.api"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in known else base)
    return {t for t in targets if t in known and t != name}


def layer(name: str) -> int:
    if name.startswith("core"):
        return 0
    if name.startswith("backoffice"):
        return 4  # the project root wires everything together
    parts = name.split(".")
    if len(parts) == 1:
        return 1  # a package's __init__
    if parts[1] in INTERFACE:
        return 3
    if parts[1] in MODELS:
        return 1
    return 2


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    known = modules()
    graph = {name: imports(name, path, set(known)) for name, path in known.items()}
    problems = [f"cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            app = source.split(".")[0]
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN.get(app, ())):
                problems.append(f"{source} -> {target}: {app} must not import {target}")
            elif layer(target) > layer(source) and source.split(".")[0] != "backoffice":
                problems.append(f"{source} -> {target}: a lower layer imports a higher one")
            elif source.startswith("core") and not target.startswith("core"):
                problems.append(f"{source} -> {target}: core imports none of the apps")
    for problem in problems:
        print(problem)
    print(
        f"import graph: {len(graph)} modules, {sum(map(len, graph.values()))} imports, "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

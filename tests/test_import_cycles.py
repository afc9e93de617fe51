"""The import graph: no cycle inside a package, and the tenancy layer knows nothing of the app.

Only module-level imports count (those run when a module is first imported);
an import inside a function runs later and cannot make an import-time cycle.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("yk_saas", "tenants")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for top in TOP_PACKAGES
        for path in sorted((ROOT / top).rglob("*.py"))
        if "translations" not in path.parts
    }


def package_of(name: str, modules: dict[str, Path]) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return name if modules[name].name == "__init__.py" else name.rpartition(".")[0]


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_nodes(body):
    """Import statements that run at import time: not in functions or TYPE_CHECKING blocks."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and is_type_checking(node):
            yield from import_time_nodes(node.orelse)
        elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    inner = child.body if isinstance(child, ast.ExceptHandler) else [child]
                    yield from import_time_nodes(inner)


def imported_names(node, name: str, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that one import statement loads."""
    if isinstance(node, ast.Import):
        targets = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = package_of(name, modules).split(".")
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        targets = {f"{base}.{alias.name}" for alias in node.names} | {base}
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]  # "a.b.func" → module "a.b"
        if target and target != name:
            found.add(target)
    return found


def import_graph() -> tuple[dict[str, set[str]], dict[str, Path]]:
    modules = all_modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = set()
        for node in import_time_nodes(tree.body):
            graph[name] |= imported_names(node, name, modules)
    return graph, modules


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def within_packages(graph, modules) -> dict[str, set[str]]:
    """The graph keeping only the edges between modules of the same package."""
    return {
        name: {t for t in targets if package_of(t, modules) == package_of(name, modules)}
        for name, targets in graph.items()
    }


def test_the_graph_walk_sees_the_imports_it_should():
    graph, _ = import_graph()
    assert "yk_saas.work.claims" in graph["yk_saas.work.items"]
    assert "yk_saas.work.models" in graph["yk_saas.work.claims"]
    assert "tenants.db" in graph["tenants"]
    # and finds a cycle when there is one
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_package_has_an_import_cycle_inside_it():
    graph, modules = import_graph()
    assert cycles(within_packages(graph, modules)) == []


def cross_package_cycles() -> list[list[str]]:
    graph, modules = import_graph()
    inside = {tuple(c) for c in cycles(within_packages(graph, modules))}
    return [c for c in cycles(graph) if tuple(c) not in inside]


def test_no_import_cycle_across_packages():
    assert cross_package_cycles() == []


def test_tenants_imports_nothing_from_the_app():
    """Not even inside a function: the tenancy layer knows nothing of accounting."""
    leaks = []
    for name, path in all_modules().items():
        if not name.startswith("tenants"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                leaks += [(name, a.name) for a in node.names if a.name.split(".")[0] == "yk_saas"]
            elif (
                isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "yk_saas"
            ):
                leaks.append((name, node.module))
    assert leaks == []

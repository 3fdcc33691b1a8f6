"""No module imports itself through others, counting imports inside functions.

import-linter's `acyclic_siblings` contract checks the modules of each package; this
also catches a package's `__init__` and one of its own modules importing each other
(a blueprint's views importing the package that imports them at the bottom).
"""

from __future__ import annotations

import grimp

PACKAGES = ("servicedesk", "channels", "knowledge", "crm_core")


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return found


def test_no_module_takes_part_in_an_import_circle() -> None:
    graph = grimp.build_graph(*PACKAGES)
    assert circles(graph) == []


def test_a_circle_is_found() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a", "a.b"), ("a.b", "a.c"), ("a.c", "a"), ("a.c", "d")):
        graph.add_import(importer=importer, imported=imported)
    assert circles(graph) == [["a", "a.b", "a.c"]]

"""The public names of exported code, for ``__all__``, computed the way nbdev computes them.

nbdev's ``make_all`` takes the top-level statements of the ``#| export`` / ``#| exports``
cells and lists, in this order: every assignment target (``x = ...``, ``a, b = ...``,
``x: int = ...``, ``x += ...``), then every function and class not decorated with
``@patch...``, dropping names that start with ``_``; then the entries of any ``_all_ = [...]``
(which may name private objects); duplicates keep their first place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

__all__ = ["has_future_import", "public_names"]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGNS = (ast.Assign, ast.AnnAssign, ast.AugAssign)


def public_names(cells: Iterable[Sequence[ast.stmt]]) -> list[str]:
    """``__all__`` for cells given as their parsed top-level statements, in cell order."""
    statements = [statement for cell in cells for statement in cell]
    assigned: list[str | None] = []
    listed: list[str] = []
    defined: list[str] = []
    for statement in statements:
        if isinstance(statement, _ASSIGNS):
            targets = _targets(statement)
            if isinstance(targets[0], ast.Name) and targets[0].id == "_all_":
                listed.extend(_listed_names(statement.value))
            for target in targets:
                elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                assigned.extend(getattr(element, "id", None) for element in elements)
        elif isinstance(statement, _DEFS) and not any(
            _decorator_name(decorator).startswith("patch") for decorator in statement.decorator_list
        ):
            defined.append(statement.name)
    names = [name for name in assigned + defined if name and not name.startswith("_")]
    return list(dict.fromkeys(names + listed))


def has_future_import(statements: Sequence[ast.stmt]) -> bool:
    """Whether a cell has a top-level ``from __future__ import ...``."""
    return any(
        isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        for statement in statements
    )


def _targets(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        return [statement.target]
    assert isinstance(statement, ast.Assign)
    return list(statement.targets)


def _listed_names(value: ast.expr | None) -> list[str]:
    """The strings and names in ``_all_ = [...]``."""
    names: list[str] = []
    for element in getattr(value, "elts", ()):
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            names.append(element.value)
        elif isinstance(element, ast.Name):
            names.append(element.id)
    return names


def _decorator_name(decorator: ast.expr) -> str:
    """``patch`` for ``@patch`` and ``@patch(...)``; '' for attribute decorators (nbdev's rule)."""
    if isinstance(decorator, ast.Name):
        return decorator.id
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name):
        return decorator.func.id
    return ""

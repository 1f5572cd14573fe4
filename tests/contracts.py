"""A custom import-linter contract: features don't import each other's private names.

import-linter's own contracts work on modules; this one reads each module's source and
refuses, across two different top-level packages under the root (``forum.digest`` and
``forum.email`` are different; ``forum.digest.views`` and ``forum.digest.emails`` are
the same), any ``from X import _name`` and any ``module._name`` reached through an
imported module. Dunder names are not private. ``make lint`` and ``make test`` run it
through ``lint-imports`` (pyproject.toml, ``[tool.importlinter]``).
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


@dataclass(frozen=True)
class Violation:
    importer: str
    line: int
    name: str
    owner: str


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _top(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module named by a (possibly relative) ``from ... import``."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _source(module: str, root: str) -> tuple[Path, bool] | None:
    """The file of ``module`` and whether it is a package, found without importing it."""
    spec = importlib.util.find_spec(root)
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base.joinpath(*module.split(".")[len(root.split(".")):])
    if (path / "__init__.py").is_file():
        return path / "__init__.py", True
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py"), False
    return None


def violations_in(module: str, root: str) -> list[Violation]:
    """Private names ``module`` takes from modules of another package under ``root``."""
    found_source = _source(module, root)
    if found_source is None:
        return []
    path, is_package = found_source
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    depth = len(root.split(".")) + 1
    mine = _top(module, depth)
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node)
            if not source.startswith(root + ".") or _top(source, depth) == mine:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(Violation(module, node.lineno, alias.name, source))
                else:  # perhaps a module: remember it to check attribute access
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(root + ".") and _top(alias.name, depth) != mine:
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _private(node.attr)):
            found.append(Violation(module, node.lineno, node.attr, aliases[node.value.id]))
    return found


class PrivateNamesContract(Contract):
    """Modules under ``root`` never use another top-level package's private names."""

    type_name = "private_names"

    root = fields.StringField()

    def check(self, graph, verbose: bool) -> ContractCheck:
        root = str(self.root)
        found = [v for module in sorted(graph.modules) if module.startswith(root + ".")
                 for v in violations_in(module, root)]
        return ContractCheck(kept=not found, metadata={"violations": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            output.print_error(f"{v.importer}:{v.line} uses {v.owner}.{v.name}", bold=False)
            output.new_line()

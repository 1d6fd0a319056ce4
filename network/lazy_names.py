"""A package's public names, each loaded from its module on first use (PEP 562).

`network.store` and `network.optimize` export names whose modules are slow to import
(SQLAlchemy and Alembic; OR-Tools): code that needs one light name (a record, `SolveParams`)
should not pay for the rest. The package lists where each name lives and takes its module
`__getattr__`, `__dir__` and `__all__` from `lazy_names`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(namespace: dict[str, Any], where: Mapping[str, tuple[str, ...]]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """(__getattr__, __dir__, __all__) for the package whose globals are `namespace`, its
    names found by `where` (module -> the names it defines). A name once loaded is kept in
    the package's globals, so later look-ups skip __getattr__."""
    module_of = {name: module for module, names in where.items() for name in names}
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    exported = sorted(module_of)

    def __dir__() -> list[str]:
        return exported

    return __getattr__, __dir__, exported

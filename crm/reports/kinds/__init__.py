"""One module per report kind; importing this package registers every one of them.

A new kind is a new module here that defines a :class:`crm.reports.registry.ReportKind` and
calls :func:`crm.reports.registry.register` on it: it is found without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import (and so register) every module of this package, in name order."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")

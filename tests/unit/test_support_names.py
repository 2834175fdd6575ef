"""Helpers in tests/support must not look like tests to pytest.

pytest collects every function whose name starts with ``test`` from a test
module's namespace, including the ones the module imported.  A helper named
``tested_...`` imported into a test module is then run as a test and fails
for want of fixtures named after its parameters.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import tests.support


def test_no_support_helper_is_collected_as_a_test() -> None:
    offenders: list[str] = []
    for info in pkgutil.iter_modules(tests.support.__path__):
        module = importlib.import_module(f"tests.support.{info.name}")
        for name, obj in vars(module).items():
            if not name.startswith("test") or not inspect.isfunction(obj):
                continue
            if obj.__module__ != module.__name__:
                continue
            if hasattr(obj, "_fixture_function_marker") or hasattr(obj, "_pytestfixturefunction"):
                continue
            if type(obj).__name__ == "FixtureFunctionDefinition":
                continue
            offenders.append(f"{module.__name__}.{name}")
    assert offenders == [], f"rename these so pytest does not collect them: {offenders}"

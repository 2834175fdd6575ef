"""The StudyDesk desktop client (PySide6): windows, widgets, workers and the command line."""

from __future__ import annotations

__version__ = "0.1.0"  # the same as pyproject.toml [project] version (a unit test checks)

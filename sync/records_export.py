"""The name the window's "export study records" action imports; the format lives in sync/records_file.py."""

from __future__ import annotations

from sync.records_file import export_records

__all__ = ["export_records"]

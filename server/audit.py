"""The audit log: who did what, when, from where, and how it ended.

Sign-ins (each password actually checked, and each start of throttling), refresh-token reuse
and the family it revoked, device enrolments (and refusals over the cap), and every admin
command run through ``studydesk-server`` are written here; ``studydesk-server audit`` lists
them. Rows are only ever added: the database itself refuses to change or delete one (triggers
made by the first revision, on SQLite and PostgreSQL). Services only; no HTTP here.

A row's detail is said in the reader's language, not the writer's: ``said``/``said_n`` give it as a
msgid of the admin web's catalog (server/admin/locale) and its values, stored as they are
(``detail`` the msgid, ``detail_values`` the values as JSON), and ``AuditEntry.said`` says it with
a catalog (the admin web's viewer's, the command line's run's). A detail that is only data (a file
name, a command line) is stored as plain text, as every detail was before, and shown as stored.
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from sync.protocol.errors import SyncError

if TYPE_CHECKING:  # the database stack is loaded by whoever reads or writes rows, not to say a refusal
    from sqlalchemy.engine import Connection

Value = Union[str, int, "Said"]


@dataclass(frozen=True, slots=True)
class Said:
    """A text to say in the reader's language: ``msgid`` (English, ``plural`` its plural, chosen by
    the value named ``n``) with ``values`` put in; a value that is a ``Said`` is said in turn."""
    msgid: str
    values: Mapping[str, Value] = field(default_factory=dict)
    plural: str = ""

    def stored(self) -> dict[str, object]:
        """The values (and the plural) as JSON-ready data, nested texts with their msgid."""
        data: dict[str, object] = {"values": {k: {"msgid": v.msgid, **v.stored()} if isinstance(v, Said) else v
                                              for k, v in self.values.items()}}
        if self.plural:
            data["plural"] = self.plural
        return data

    @classmethod
    def loaded(cls, msgid: str, data: Mapping[str, object]) -> Said:
        values = data.get("values")
        return cls(msgid, {str(k): cls.loaded(str(v.get("msgid", "")), v) if isinstance(v, dict) else
                           v if isinstance(v, int) else str(v) for k, v in (values or {}).items()}
                   if isinstance(values, dict) else {}, str(data.get("plural") or ""))

    def said(self, catalog: gettext.NullTranslations) -> str:
        values = {k: v.said(catalog) if isinstance(v, Said) else v for k, v in self.values.items()}
        count = values.get("n")
        text = (catalog.ngettext(self.msgid, self.plural, count) if self.plural and isinstance(count, int)
                else catalog.gettext(self.msgid) if self.msgid else "")
        if not values:
            return text
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a catalog's text not matching its msgid: the English
            return (self.plural if self.plural and count != 1 else self.msgid) % values


def said(msgid: str, /, **values: Value) -> Said:
    """A detail as ``msgid`` (a msgid of the admin web's catalog) and its ``values``."""
    return Said(msgid, values)


def why(exc: SyncError) -> Said:
    """Why ``exc`` refused, to say in the reader's language: its words and values when it was made
    ``worded`` (their msgid in the admin web's catalog), else its detail as it is (a msgid or English)."""
    return Said(exc.text, dict(exc.values)) if exc.text else said(exc.detail)


def refusal(exc: SyncError, reasons: Mapping[str, Said] | None = None) -> Said:
    """The detail of a refused action: the refusal's code and why, as ``reasons`` says for its code,
    else as the refusal itself says (``why``)."""
    return said("%(code)s: %(reason)s", code=exc.code, reason=(reasons or {}).get(exc.code) or why(exc))


def said_n(singular: str, plural: str, /, n: int, **values: Value) -> Said:
    """A detail whose words follow the number ``n`` (a value too): ``singular`` or ``plural``, as the
    reader's language has it."""
    return Said(singular, {"n": n, **values}, plural)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    target: str
    address: str
    result: str
    detail: str
    detail_values: str | None = None

    def said(self, catalog: gettext.NullTranslations) -> str:
        """The detail in the language of ``catalog``; a detail stored as plain text as stored."""
        if self.detail_values is None:
            return self.detail
        try:
            data = json.loads(self.detail_values)
        except ValueError:
            return self.detail
        return Said.loaded(self.detail, data).said(catalog) if isinstance(data, dict) else self.detail

    def line(self, catalog: gettext.NullTranslations) -> str:
        return "\t".join((self.at, self.actor, self.action, self.target or "-", self.address or "-", self.result,
                          self.said(catalog)))


def stored(detail: Said | str) -> tuple[str, str | None]:
    """The columns ``detail`` and ``detail_values`` of ``detail`` (free text: no values)."""
    if isinstance(detail, Said):
        return detail.msgid, json.dumps(detail.stored(), ensure_ascii=False, sort_keys=True)
    return detail, None


def record(conn: Connection, *, actor: str, action: str, result: str, target: str = "", address: str = "",
           detail: Said | str = "") -> None:
    """Add one row, inside the caller's write transaction (server.storage.engine.transaction);
    ``detail`` a text to say (``said``, ``said_n``), or data shown as it is (a file name)."""
    from server.storage.tables import audit_log

    text, values = stored(detail)
    conn.execute(audit_log.insert().values(actor=actor, action=action, target=target, address=address,
                                           result=result, detail=text, detail_values=values))


def entries(conn: Connection, *, since: str | None = None, user: str | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    """Rows oldest first; ``since`` is an ISO date or time (UTC), ``user`` matches actor or target.
    With ``limit``, the newest ``limit`` rows."""
    import sqlalchemy as sa

    from server.storage.tables import audit_log

    a = audit_log.c
    query = (sa.select(a.at, a.actor, a.action, a.target, a.address, a.result, a.detail, a.detail_values)
             .order_by(a.id.desc()))
    if since:
        query = query.where(a.at >= since)
    if user:
        query = query.where(sa.or_(a.actor == user, a.target == user))
    if limit is not None:
        query = query.limit(int(limit))
    rows = conn.execute(query).all()
    return [AuditEntry(*r) for r in reversed(rows)]

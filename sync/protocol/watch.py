"""The body of a "watch" record in both protocol versions, and the one conversion between them.

A v1 body counts in seconds (numbers with up to three decimals): ``segments`` [[start, end], …],
``credited_s``, ``study_s``, ``elapsed_mono_s``, ``max_rate``, ``position_s``, ``covered_s``,
``duration_s``. A v2 body (RFC 8785, integers only) counts the same things in whole
milliseconds under names that say so: ``segments_ms``, ``credited_ms``, ``study_ms``,
``elapsed_mono_ms``, ``position_ms``, ``covered_ms``, ``duration_ms``, and the rate in
thousandths, ``max_rate_milli``. Both carry ``wall_start`` / ``wall_end`` (ISO 8601 UTC labels),
``completed`` and the course ``version`` unchanged.

``to_v2`` turns a seconds body into its v2 form (the client signs that); ``seconds_view`` turns
any stored body back into the seconds form, so the server's credit, the transcript and the
client's trust anchor read one shape. Values of the wrong type are passed through unchanged
for the reader's own validation to refuse with its usual reason; a v2 body that also uses a v1
name is refused here (``bad_field``): a body means one thing.
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

from typing import Any

from sync.protocol.errors import FormatError
from sync.protocol.records import V2

_MS_FIELDS = {"credited_s": "credited_ms", "study_s": "study_ms", "elapsed_mono_s": "elapsed_mono_ms",
              "position_s": "position_ms", "covered_s": "covered_ms", "duration_s": "duration_ms"}
_RATE = ("max_rate", "max_rate_milli")
_SEGMENTS = ("segments", "segments_ms")
V2_NAMES = {_SEGMENTS[0]: _SEGMENTS[1], **_MS_FIELDS, _RATE[0]: _RATE[1]}
"""Each seconds name of a watch body -> its v2 name (the same quantity in thousandths)."""
_V1_NAMES = frozenset(V2_NAMES)
_BACK = {ms: s for s, ms in _MS_FIELDS.items()}


def _ms(seconds: float) -> int:
    return round(float(seconds) * 1000)


def to_v2(body: dict[str, Any]) -> dict[str, Any]:
    """The v2 form of a seconds body (a segment that rounds to nothing is left out)."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == _SEGMENTS[0]:
            pairs = [[_ms(s), _ms(e)] for s, e in value]
            out[_SEGMENTS[1]] = [p for p in pairs if p[1] > p[0]]
        elif key in _MS_FIELDS:
            out[_MS_FIELDS[key]] = _ms(value)
        elif key == _RATE[0]:
            out[_RATE[1]] = _ms(value)
        else:
            out[key] = value
    return out


def from_thousandths(value: Any) -> Any:
    """A v2 body's whole number of thousandths as seconds (or the rate); any other value as it is."""
    if type(value) is int:  # JSON's integers (a bool is not one)
        return value / 1000
    return value


def check_v2_names(body: dict[str, Any]) -> None:
    """FormatError("bad_field") when a v2 body also uses a seconds name."""
    if not _V1_NAMES.isdisjoint(body):
        mixed = sorted(_V1_NAMES & set(body))
        raise FormatError("bad_field", f"watch body: a v2 body counts milliseconds, not {', '.join(mixed)}")


def seconds_view(body: dict[str, Any], v: int) -> dict[str, Any]:
    """The seconds form of a watch body of protocol version ``v`` (a v1 body as it is)."""
    if v != V2:
        return body
    check_v2_names(body)
    back = _BACK
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == _SEGMENTS[1]:
            out[_SEGMENTS[0]] = ([[from_thousandths(x) for x in seg] if isinstance(seg, list) else seg
                                  for seg in value] if isinstance(value, list) else value)
        elif key in back:
            out[back[key]] = from_thousandths(value)
        elif key == _RATE[1]:
            out[_RATE[0]] = from_thousandths(value)
        else:
            out[key] = value
    return out


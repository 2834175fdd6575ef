"""Drains the outbox to the server in compressed, idempotent batches.

One ``sync_once`` call: probe the server (backing off with jitter while it is unreachable),
then send pending records oldest first, in batches, and store each answer: stored or
duplicate -> acked; rejected for a reason no later sync can change (``FINAL_REASONS``: the
record itself is malformed, tampered, forked or not this person's) -> rejected with the
server's reason, never re-sent. Any other refusal (``unknown_device`` before enrolment, an
older server's ``gap``, a reason this client does not know) leaves the record pending, to be
sent again by a later sync.
A batch whose answer never arrives (connection cut, server killed) is simply sent again:
the server stores each id once, so a replay only produces "duplicate" acks. 429/503 wait for
Retry-After; network errors and 5xx back off; an expired access token is refreshed by the
ApiClient. What stopped a round is kept as the error object itself (``SyncResult.errors``), so
callers decide by type: a RetryableError means "try again later", never a permanent problem.
Time is injected (``sleep``, ``clock``) for tests. Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sync.net.api_client import ApiClient
from sync.net.connectivity import Backoff, Clock, Sleep, cancellable_sleep, wait_for_server
from sync.protocol.errors import (
    AuthError,
    CancelledError,
    FormatError,
    RejectedError,
    RetryableError,
    ServerBusyError,
    SyncError,
)
from sync.records.outbox import Delivery, Outbox

DEFAULT_BATCH = 500


def upload_backoff() -> Backoff:
    """The waits between one sync round's tries of a batch (a busy server's Retry-After honoured)."""
    return Backoff(base_s=0.5, cap_s=60.0)


FINAL_REASONS = frozenset({
    "bad_record", "missing_field", "bad_field", "bad_id", "malformed", "bad_signature", "id_conflict",
    "seq_conflict", "broken_chain", "foreign_record", "foreign_user",
})
"""Refusals that no later sync can resolve: only these mark a record "rejected" for good."""


@dataclass
class SyncResult:
    sent: int = 0
    acked: int = 0
    rejected: int = 0
    errors: list[SyncError] = field(default_factory=list)  # what stopped the round, as raised
    batches: int = 0
    server_view: bool = False  # the round also read the server's grades and outcomes anew (its caller does)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.errors]


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        api: ApiClient,
        *,
        batch_size: int = DEFAULT_BATCH,
        backoff: Backoff | None = None,
        sleep: Sleep | None = None,
        clock: Clock = time.monotonic,
        max_wait_s: float = 120.0,
        prepare: Callable[[], None] | None = None,
        on_progress: Callable[[SyncResult], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.api = api
        self.batch_size = batch_size
        self.backoff = backoff or upload_backoff()
        self._sleep = sleep
        self.clock = clock
        self.max_wait_s = max_wait_s
        self.prepare = prepare
        self.on_progress = on_progress

    def sync_once(self, cancel: threading.Event | None = None) -> SyncResult:
        result = SyncResult()
        sleep = self._sleep or cancellable_sleep(cancel)
        deadline = self.clock() + self.max_wait_s
        if not self.outbox.pending_count():
            return result
        unreachable: list[RetryableError] = []

        def probe() -> bool:
            try:
                return self.api.check_health()
            except RetryableError as exc:  # kept: a TLS failure must not be reported as "network"
                unreachable.append(exc)
                return False

        if not wait_for_server(probe, max_wait_s=self.max_wait_s, backoff=self.backoff, sleep=sleep,
                               clock=self.clock, cancel=cancel):
            if cancel is not None and cancel.is_set():
                result.errors.append(CancelledError("cancelled", "sync cancelled"))
            else:
                result.errors.append(unreachable[-1] if unreachable
                                     else RetryableError("network", "the server does not answer"))
            return result
        try:
            if self.prepare is not None:
                self.prepare()  # e.g. enrol this device: its records are refused until it is
            self._drain(result, sleep, deadline, cancel)
        except (AuthError, RejectedError, RetryableError) as exc:
            result.errors.append(exc)
        return result

    def _drain(self, result: SyncResult, sleep: Sleep, deadline: float, cancel: threading.Event | None) -> None:
        size = self.batch_size
        while True:
            if cancel is not None and cancel.is_set():
                result.errors.append(CancelledError("cancelled", "sync cancelled"))
                return
            batch = self.outbox.pending(size)
            if not batch:
                return
            try:
                answers = self.api.post_batch(batch)
            except FormatError as exc:  # the server refused the batch as a whole (e.g. too large)
                if size > 1:
                    size = max(1, size // 2)
                    continue
                result.errors.append(exc)
                return
            except (ServerBusyError, RetryableError) as exc:
                wait = exc.retry_after_s if isinstance(exc, ServerBusyError) and exc.retry_after_s else None
                wait = wait if wait is not None else self.backoff.next_delay()
                if self.clock() + wait > deadline:
                    result.errors.append(exc)
                    return
                sleep(wait)
                continue
            self.backoff.reset()
            result.sent += len(batch)
            result.batches += 1
            if not self._apply(batch_ids={r.id for r in batch}, answers=answers, result=result):
                # the answer named none of the records sent: they stay pending for the next round
                result.errors.append(RetryableError("no_progress", "the answer names none of the records sent"))
                return
            if self.on_progress is not None:
                self.on_progress(result)

    def _apply(self, *, batch_ids: set[str], answers: list[dict[str, object]], result: SyncResult) -> bool:
        deliveries: list[Delivery] = []
        for a in answers:
            rid, status = a.get("id"), a.get("status")
            if not isinstance(rid, str) or rid not in batch_ids:
                continue
            if status in ("stored", "duplicate"):
                deliveries.append(Delivery(rid, "acked"))
                result.acked += 1
            elif status == "rejected":
                reason = a.get("reason")
                if reason in FINAL_REASONS:
                    deliveries.append(Delivery(rid, "rejected", str(reason)))
                    result.rejected += 1
                elif isinstance(reason, str) and reason not in result.codes:
                    # stays pending: a later sync sends it again (after enrolment, say)
                    detail = a.get("detail")
                    result.errors.append(RetryableError(reason, detail if isinstance(detail, str) else reason))
        self.outbox.mark(deliveries)
        return bool(deliveries)

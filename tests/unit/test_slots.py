"""server.limits.Slots: a released slot goes to whoever has waited longest, thread or event-loop task,
and nobody who gives up waiting keeps or loses a slot."""

from __future__ import annotations

import asyncio
import threading

import pytest

from server.limits import Slots
from sync.protocol.errors import ServerBusyError


def one_slot(wait_s: float = 30.0) -> Slots:
    return Slots(1, wait_s=wait_s, retry_after_s=2.0, what="uploads")


async def _queued(slots: Slots, name: str, order: list[str]) -> None:
    await slots.acquire_async()
    order.append(name)


async def _until_waiting(slots: Slots, count: int) -> None:
    while len(slots._waiting) < count:
        await asyncio.sleep(0)


def test_a_released_slot_goes_to_the_task_that_waited_longest() -> None:
    async def main() -> list[str]:
        slots = one_slot()
        assert slots.try_acquire()
        order: list[str] = []
        tasks = []
        for name in ("first", "second", "third"):
            tasks.append(asyncio.create_task(_queued(slots, name, order)))
            await _until_waiting(slots, len(tasks))
        for served in range(1, 4):
            slots.release()  # handed on, never free: a late-comer cannot take it
            assert not slots.try_acquire()
            while len(order) < served:
                await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        slots.release()
        assert slots.try_acquire()
        return order

    assert asyncio.run(main()) == ["first", "second", "third"]


def test_threads_and_tasks_wait_in_one_queue() -> None:
    slots = one_slot()
    assert slots.try_acquire()
    order: list[str] = []

    def thread() -> None:
        with slots.hold():
            order.append("thread")

    worker = threading.Thread(target=thread)

    async def main() -> None:
        worker.start()
        await _until_waiting(slots, 1)
        task = asyncio.create_task(_queued(slots, "task", order))
        await _until_waiting(slots, 2)
        await asyncio.to_thread(slots.release)  # released in another thread, as a finished ingest does
        await task
        slots.release()

    asyncio.run(main())
    worker.join()
    assert order == ["thread", "task"]
    assert slots.try_acquire()


def test_a_waiter_that_runs_out_of_time_is_turned_away_and_leaves_the_queue() -> None:
    async def main() -> None:
        slots = one_slot(wait_s=0.05)
        assert slots.try_acquire()
        with pytest.raises(ServerBusyError) as info:
            await slots.acquire_async()
        assert info.value.retry_after_s == 2.0
        with pytest.raises(ServerBusyError):
            await asyncio.to_thread(slots.acquire)
        assert not slots._waiting
        slots.release()  # nobody waits: the slot is free again
        assert slots.try_acquire()

    asyncio.run(main())


def test_a_cancelled_waiter_leaves_the_queue() -> None:
    async def main() -> None:
        slots = one_slot()
        assert slots.try_acquire()
        task = asyncio.create_task(slots.acquire_async())
        await _until_waiting(slots, 1)
        task.cancel()  # the request was given up while it waited
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not slots._waiting
        slots.release()
        assert slots.try_acquire()  # free again, not handed to the one that left

    asyncio.run(main())


def test_without_a_wait_a_full_slots_refuses_at_once() -> None:
    slots = Slots(2, wait_s=0, retry_after_s=1.0, what="sign-ins")
    with slots.hold(), slots.hold(), pytest.raises(ServerBusyError):
        slots.acquire()
    assert slots.try_acquire() and slots.try_acquire()


def test_releasing_more_than_was_taken_is_a_bug() -> None:
    slots = one_slot()
    with pytest.raises(ValueError, match="released more often"):
        slots.release()

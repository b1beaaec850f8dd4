"""The shared send budget on real SQLite and PostgreSQL: slots evenly spaced for every
instance together, one message per chat per interval, 429 pauses seen by all."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.delivery.pacing import PER_CHAT_INTERVAL, Pacer
from storage.uow import Storage

RATE = 29.0
GAP = 1.0 / RATE


class Wall:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def pacers(storage: Storage, wall: Wall, n: int) -> list[Pacer]:
    """``n`` instances on one database (each with its own memory, as separate processes)."""
    return [Pacer(storage, rate=RATE, horizon=0.15, wall=wall) for _ in range(n)]


async def test_slots_are_evenly_spaced_across_instances(storage: Storage) -> None:
    wall = Wall()
    instances = pacers(storage, wall, 3)
    slots: list[float] = []
    for i in range(60):
        slot = await instances[i % 3].reserve(1000 + i, urgent=True)
        assert slot.at is not None
        slots.append(slot.at)
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert all(g == pytest.approx(GAP) for g in gaps)
    # never more than Telegram's 30 in any one-second window, whoever took the slots
    assert max(sum(1 for t in slots if s <= t < s + 1.0) for s in slots) <= 30


async def test_ordinary_messages_reserve_only_a_little_ahead(storage: Storage) -> None:
    wall = Wall()
    (pacer,) = pacers(storage, wall, 1)
    taken = 0
    while (await pacer.reserve(2000 + taken, urgent=False)).at is not None:
        taken += 1
    assert taken == int(0.15 / GAP) + 1  # the horizon, then the schedule is "full"
    refused = await pacer.reserve(9999, urgent=False)
    assert refused.at is None and not refused.chat_busy and 0 < refused.retry_in <= GAP
    urgent = await pacer.reserve(9999, urgent=True)  # an alert does not wait for the horizon
    assert urgent.at is not None and urgent.at - wall.t <= 0.15 + 2 * GAP


async def test_one_chat_one_message_per_interval_for_all_instances(storage: Storage) -> None:
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    first = await a.reserve(42, urgent=False)
    assert first.at is not None
    busy = await b.reserve(42, urgent=False)  # another instance, same chat
    assert busy.at is None and busy.chat_busy
    assert busy.retry_in == pytest.approx(first.at + PER_CHAT_INTERVAL - wall.t)
    other = await b.reserve(43, urgent=False)  # the refused try spent no slot
    assert other.at == pytest.approx(first.at + GAP)
    wall.t += PER_CHAT_INTERVAL + 0.1
    assert (await b.reserve(42, urgent=False)).at is not None


async def test_a_429_pause_holds_back_every_instance(storage: Storage) -> None:
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    await a.pause_all(3.0)
    slot = await b.reserve(7, urgent=True)
    assert slot.at is not None and slot.at >= wall.t + 3.0
    await a.hold_chat(8, 10.0)
    held = await b.reserve(8, urgent=True)
    assert held.at is None and held.chat_busy
    wall.t += 100.0
    assert await b.forget_old_chats() >= 1


async def test_concurrent_reservations_never_share_a_slot(storage: Storage) -> None:
    wall = Wall()
    instances = pacers(storage, wall, 4)
    results = await asyncio.gather(
        *(instances[i % 4].reserve(5000 + i, urgent=True) for i in range(40))
    )
    slots = sorted(r.at for r in results if r.at is not None)
    assert len(slots) == 40
    assert all(b - a == pytest.approx(GAP) for a, b in itertools.pairwise(slots))


async def test_a_lone_429_holds_its_chat_only_several_chats_pause_everyone(
    storage: Storage,
) -> None:
    wall = Wall()
    (pacer,) = pacers(storage, wall, 1)
    assert not pacer.bot_wide_429(1)  # one chat's limit: that chat waits, nobody else
    wall.t += 5.0
    assert not pacer.bot_wide_429(2)  # another, long after: still one chat's
    wall.t += 0.5
    assert pacer.bot_wide_429(3)  # two chats within two seconds: the bot-wide limit


async def test_a_message_whose_slot_went_by_takes_the_next_free_one(storage: Storage) -> None:
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    first = await a.reserve(61, urgent=False)
    assert first.at is not None
    wall.t += 0.5  # the process was busy: the slot went by unused
    assert a.late(first.at) == pytest.approx(0.5)
    again = (await a.retake(61)).at
    assert again == pytest.approx(wall.t)  # the next free slot, not a burst to catch up
    assert again is not None
    after = await b.reserve(62, urgent=True)
    assert after.at == pytest.approx(again + GAP)  # the schedule goes on from it
    busy = await b.reserve(61, urgent=True)  # its chat is held from the new slot on
    assert busy.at is None and busy.chat_busy
    assert busy.retry_in == pytest.approx(again + PER_CHAT_INTERVAL - wall.t)


async def test_several_slots_in_one_go_as_many_as_the_horizon_holds(storage: Storage) -> None:
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    held = await b.reserve(73, urgent=True)  # another instance sent to chat 73 just now
    assert held.at is not None
    chats = list(range(70, 80))
    slots, _ = await a.reserve_many(chats)
    fits = int((0.15 - GAP) / GAP) + 1  # the horizon bounds the batch (one slot is taken)
    offered = chats[:fits]
    assert sorted(slots) == [c for c in offered if c != 73]  # a busy chat's slot stays unused
    times = [held.at + (i + 1) * GAP for i in range(fits)]
    assert sorted(slots.values()) == pytest.approx(
        [t for c, t in zip(offered, times, strict=True) if c != 73]
    )
    assert a.chat_ready_in(73) > 0  # and it is looked at again later
    full, retry_in = await a.reserve_many([90, 91])
    assert full == {} and 0 < retry_in <= GAP  # the schedule is full up to the horizon
    wall.t += 1.0
    later, _ = await b.reserve_many([90, 91])
    assert list(later) == [90, 91]


async def test_a_handed_over_slot_still_takes_the_chat_for_every_instance(
    storage: Storage,
) -> None:
    """An alert sent in a slot a prompt of its instance had locked in takes no slot more,
    but its chat all the same: no instance sends there within the interval."""
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    prompt = await a.reserve(100, urgent=False)
    assert prompt.at is not None
    assert await a.take_chat(7, prompt.at)  # the therapist's chat, in the prompt's slot
    busy = await b.reserve(7, urgent=True)
    assert busy.at is None and busy.chat_busy
    assert not await b.take_chat(7, prompt.at + GAP)  # nor in another handed-over slot
    nxt = await b.reserve(101, urgent=False)  # and the schedule was not moved on
    assert nxt.at == pytest.approx(prompt.at + GAP)


async def test_a_new_slot_after_a_late_one_keeps_clear_of_another_instances_reservation(
    storage: Storage,
) -> None:
    """One message a chat per interval across instances, also for a message whose slot
    went by: its new slot never comes within the interval of the reservation another
    instance made of its chat meanwhile, and a refused try spends no slot."""
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    first = await a.reserve(61, urgent=False)
    assert first.at is not None
    wall.t = first.at + PER_CHAT_INTERVAL + 0.05  # a was held up past its slot, a long time
    other = await b.reserve(61, urgent=True)  # meanwhile b reserves the chat for its message
    assert other.at is not None
    again = await a.retake(61)
    assert again.at is None and again.chat_busy  # not 0.05 s after b's message
    assert again.retry_in == pytest.approx(other.at + PER_CHAT_INTERVAL - wall.t)
    assert a.chat_ready_in(61) == pytest.approx(again.retry_in)
    nxt = await b.reserve(62, urgent=True)
    assert nxt.at == pytest.approx(other.at + GAP)  # the refused try took no slot
    wall.t = other.at + PER_CHAT_INTERVAL  # b's hold is over: a's message goes now
    later = await a.retake(61)
    assert later.at is not None and later.at - other.at >= PER_CHAT_INTERVAL - 1e-6
    busy = await b.reserve(61, urgent=True)  # and the chat is held from the new slot on
    assert busy.at is None and busy.chat_busy


async def test_a_new_slot_after_a_late_one_may_follow_its_own_instances_reservation(
    storage: Storage,
) -> None:
    """The instance's own later reservation of the chat does not hold the late message
    back (the dispatcher keeps its own messages to a chat in order); a 429's pause that
    another instance recorded does."""
    wall = Wall()
    a, b = pacers(storage, wall, 2)
    first = await a.reserve(61, urgent=False)
    assert first.at is not None
    wall.t = first.at + PER_CHAT_INTERVAL + 0.05
    second = await a.reserve(61, urgent=False)  # this instance's next message to the chat
    assert second.at is not None
    again = await a.retake(61)
    assert again.at is not None
    await b.hold_chat(61, 30.0)  # Telegram told b to leave the chat alone for 30 s
    held = await a.retake(61)
    assert held.at is None and held.chat_busy
    assert held.retry_in == pytest.approx(30.0)

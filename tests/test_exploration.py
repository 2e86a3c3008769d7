"""The hypothesis searches the property checks run: seeded, and with shrinking bounded by the budget
(every replay is requests on the target), for plain examples and for state-machine sequences alike."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from conformance.at_once import network_wait
from conformance.exploration import LANE_SEED_STEP, Exploration, PropertyBudget


def _exploration(tmp_path: Path, examples: int = 20, seed: int = 5) -> Exploration:
    return Exploration(PropertyBudget(examples, seed, tmp_path / "hypothesis"))


def test_shrinking_stops_at_the_budget_and_reports_the_last_failure(tmp_path: Path) -> None:
    exploration = _exploration(tmp_path, examples=5)
    calls: list[list[int]] = []

    def fails_on_large_sums(numbers: list[int]) -> None:
        calls.append(numbers)
        assert sum(numbers) < 1000, f"sum of {numbers}"

    with pytest.raises(AssertionError, match="sum of") as raised:
        exploration.examples(st.lists(st.integers(0, 10**6), max_size=50), fails_on_large_sums)
    first_failure = next(i for i, numbers in enumerate(calls) if sum(numbers) >= 1000)
    assert len(calls) - first_failure <= exploration.budget.replays + 2  # the budget, the final replay
    assert any("shrinking stopped after" in note for note in raised.value.__notes__)


def test_a_failure_found_within_the_budget_is_fully_shrunk(tmp_path: Path) -> None:
    def fails_from_ten(number: int) -> None:
        assert number < 10, number

    with pytest.raises(AssertionError, match=r"^10\b") as raised:
        _exploration(tmp_path, examples=50).examples(st.integers(0, 1000), fails_from_ten)
    assert not any("shrinking stopped" in note for note in getattr(raised.value, "__notes__", []))


def test_rejected_examples_are_not_failures(tmp_path: Path) -> None:
    def only_tens(number: int) -> None:
        assume(number % 10 == 0)

    _exploration(tmp_path, examples=30).examples(st.integers(), only_tens)


class Counter(RuleBasedStateMachine):
    """Fails once the total passes 300: shrinking it takes many replays."""

    def __init__(self, exploration: Exploration, log: list[int]) -> None:
        super().__init__()
        self.exploration, self.log, self.total = exploration, log, 0

    @rule(amount=st.integers(0, 100))
    def add(self, amount: int) -> None:
        with self.exploration.watch():
            self.log.append(amount)
            self.total += amount
            assert self.total <= 300, f"total {self.total}"


def test_sequences_stop_at_the_budget_without_flaky_generation(tmp_path: Path) -> None:
    exploration, log = _exploration(tmp_path, examples=5), []
    with pytest.raises(AssertionError, match="total") as raised:
        exploration.sequences(lambda lane: Counter(lane, log), steps=20)
    assert any("shrinking stopped after" in note for note in raised.value.__notes__)


def test_one_seed_draws_the_same_sequences(tmp_path: Path) -> None:
    logs: list[list[int]] = []
    for attempt in range(2):
        exploration, log = _exploration(tmp_path / str(attempt), examples=5), []
        exploration.sequences(lambda lane, log=log: Counter(lane, log), steps=2)  # type: ignore[misc]
        logs.append(log)
    assert logs[0] == logs[1] and len(logs[0]) > 5


class Overlap:
    """How many steps ran at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            yield
        finally:
            with self.lock:
                self.now -= 1


class Lane(RuleBasedStateMachine):
    """Records which lane ran it, and with which seed; each step takes a moment."""

    failing_lane: int | None = None

    def __init__(self, lane: Exploration, seen: list[tuple[int, int]], waits: Overlap, code: Overlap) -> None:
        super().__init__()
        self.lane, self.seen, self.waits, self.code = lane, seen, waits, code

    @rule()
    def step(self) -> None:
        with self.lane.watch():
            with self.code.step():  # the lane's own code: one lane at a time
                self.seen.append((self.lane.index, self.lane.budget.seed))
                time.sleep(0.005)
            with network_wait(), self.waits.step():  # as the client waits for an answer: lanes overlap
                time.sleep(0.02)
            assert self.lane.index != self.failing_lane, f"lane {self.lane.index} fails"


def test_lanes_search_at_once_with_their_share_of_the_examples_and_seeds_of_their_own(tmp_path: Path) -> None:
    exploration, seen, waits, code = _exploration(tmp_path, examples=5, seed=7), [], Overlap(), Overlap()
    exploration.sequences(lambda lane: Lane(lane, seen, waits, code), steps=2, lanes=2)
    assert waits.most == 2, "the lanes' network waits overlapped"
    assert code.most == 1, "hypothesis and the lanes' own code never ran in two threads at once"
    assert dict(seen) == {0: 7, 1: 7 + LANE_SEED_STEP}
    assert [lane.budget.examples for lane in exploration._lanes] == [3, 2]
    assert exploration.examples_tried == sum(lane.examples_tried for lane in exploration._lanes) >= 5


def test_a_failure_in_any_lane_fails_the_search(tmp_path: Path) -> None:
    class FailsInLane1(Lane):
        failing_lane = 1

    with pytest.raises(AssertionError, match="lane 1 fails"):
        _exploration(tmp_path, examples=4).sequences(
            lambda lane: FailsInLane1(lane, [], Overlap(), Overlap()), steps=2, lanes=2
        )


def test_an_interrupt_stops_every_lane_at_its_next_step(tmp_path: Path) -> None:
    """Ctrl-C reaches the main thread only: the lanes must not go on searching the target after it."""
    exploration, steps, started = _exploration(tmp_path, examples=50), [], threading.Event()

    class Slow(RuleBasedStateMachine):
        def __init__(self, lane: Exploration) -> None:
            super().__init__()
            self.lane = lane

        @rule()
        def step(self) -> None:
            with self.lane.watch():
                started.set()
                steps.append(time.monotonic())
                time.sleep(0.02)

    main = threading.main_thread().ident
    assert main is not None and threading.current_thread().ident == main
    timer = threading.Timer(0.3, lambda: started.wait(5) and signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        exploration.sequences(Slow, steps=20, lanes=2)
    interrupted = time.monotonic()
    time.sleep(0.2)
    assert steps and max(steps) < interrupted, "no lane stepped on after the interrupt"
    assert len(steps) < 50 * 20 // 2

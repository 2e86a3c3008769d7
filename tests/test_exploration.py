"""The hypothesis searches the property checks run: seeded, and with shrinking bounded by the budget
(every replay is requests on the target), for plain examples and for state-machine sequences alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from conformance.exploration import Exploration, PropertyBudget


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
        exploration.sequences(lambda: Counter(exploration, log), steps=20)
    assert any("shrinking stopped after" in note for note in raised.value.__notes__)


def test_one_seed_draws_the_same_sequences(tmp_path: Path) -> None:
    logs: list[list[int]] = []
    for attempt in range(2):
        exploration, log = _exploration(tmp_path / str(attempt), examples=5), []
        exploration.sequences(lambda e=exploration, log=log: Counter(e, log), steps=2)  # type: ignore[misc]
        logs.append(log)
    assert logs[0] == logs[1] and len(logs[0]) > 5

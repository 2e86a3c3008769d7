"""hypothesis searches on the target within the run's budget: examples of a strategy, or sequences of a
state machine, seeded (`--seed`), with their example database under the output directory.

Every example sends requests, so shrinking a failure is bounded too: past `PropertyBudget.replays`
replays the search stops and reports the smallest failure found so far, saying so.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, cast

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import HypothesisException
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance.at_once import taking_turns

T = TypeVar("T")
LANE_SEED_STEP = 1_000_003  # lane i searches with the run's seed + i * this


@dataclass(frozen=True, slots=True)
class PropertyBudget:
    """How hard the property checks search: examples per property, the seed, where hypothesis keeps
    what it found (under the output directory); `enabled` False with --no-properties."""

    examples: int
    seed: int
    database: Path
    enabled: bool = True

    @property
    def replays(self) -> int:
        """How many variants of a failing example may be replayed on the target to shrink it."""
        return max(25, 5 * self.examples)


class _BudgetSpent(KeyboardInterrupt):
    """Stops hypothesis mid-shrink. An interrupt is the one exception hypothesis lets through without
    recording the example (a recorded replay that ends early looks like flaky data generation);
    `Exploration` catches it before anything else sees it."""


class _Stopped(KeyboardInterrupt):
    """Ends a lane whose search is no longer wanted (the run was interrupted meanwhile)."""


class Exploration:
    def __init__(self, budget: PropertyBudget, stop: threading.Event | None = None, index: int = 0) -> None:
        self.budget = budget
        self.index = index  # of the lane (0 without lanes)
        self._replays_left = budget.replays
        self._last: Exception | None = None  # the latest failure: the smallest found so far
        self._lanes: list[Exploration] = []
        self._stop = stop or threading.Event()
        self._tried = 0

    @property
    def examples_tried(self) -> int:
        """Examples and sequences begun, rejected draws included (those of its lanes too)."""
        return self._tried + sum(lane.examples_tried for lane in self._lanes)

    def examples(self, strategy: st.SearchStrategy[T], test: Callable[[T], None], covering: Sequence[T] = ()) -> None:
        """Run `test` on each of `covering` (always, in order), then on examples drawn from `strategy`
        (`budget.examples` of them); a drawn failure is shrunk to a minimal example."""
        __tracebackhide__ = True

        @functools.wraps(test)  # hypothesis reads its signature, the example database its source
        def budgeted(*example: T, **named: T) -> None:  # hypothesis passes it by the name `test` gives it
            self._admit()
            with self.watch():
                test(*example, **named)

        searched = given(strategy)(budgeted)
        for value in reversed(covering):  # decorators apply inside out: the first runs first
            searched = example(value)(searched)
        self._search(seed(self.budget.seed)(self._settings()(searched)))

    def sequences(self, machine: Callable[[Exploration], RuleBasedStateMachine], steps: int, lanes: int = 1) -> None:
        """Run sequences of up to `steps` rules of `machine(lane)`, whose rules run inside `lane.watch()`;
        a failure is shrunk to a minimal sequence. With `lanes` > 1, that many searches run at once, each
        with its share of the examples and a seed of its own drawn from the run's: against a remote
        target the sequences' round trips overlap. The first lane's failure (in lane order) is raised."""
        __tracebackhide__ = True
        lanes = max(1, min(lanes, self.budget.examples))
        if lanes > 1:
            self._in_lanes(machine, steps, lanes)
            return

        @functools.wraps(machine)
        def budgeted() -> RuleBasedStateMachine:
            self._admit()
            return machine(self)

        # hypothesis accepts any factory of machines, though its annotation says a class
        factory, limits = cast(type[RuleBasedStateMachine], seed(self.budget.seed)(budgeted)), self._settings(steps)
        self._search(lambda: run_state_machine_as_test(factory, settings=limits))

    def _in_lanes(self, machine: Callable[[Exploration], RuleBasedStateMachine], steps: int, lanes: int) -> None:
        __tracebackhide__ = True
        shares = [self.budget.examples // lanes + (lane < self.budget.examples % lanes) for lane in range(lanes)]
        self._lanes = [
            Exploration(
                replace(self.budget, examples=share, seed=self.budget.seed + lane * LANE_SEED_STEP), self._stop, lane
            )
            for lane, share in enumerate(shares)
        ]

        def search(lane: Exploration) -> None:
            with taking_turns():  # hypothesis runs in one lane at a time; their requests overlap
                lane.sequences(machine, steps)

        with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="swr-lane") as pool:
            running = [pool.submit(search, lane) for lane in self._lanes]
            try:
                wait(running)
            except BaseException:  # Ctrl-C reaches the main thread only: the lanes stop at their next step
                self._stop.set()
                raise
        for lane in running:
            lane.result()

    @contextmanager
    def watch(self) -> Iterator[None]:
        """Around the code of one example: remembers its failure."""
        if self._stop.is_set():
            raise _Stopped
        try:
            yield
        except HypothesisException:  # assume() and the like steer the search: not a failure
            raise
        except Exception as failure:
            self._last = failure
            raise

    def _admit(self) -> None:
        """Before an example: once a failure was seen, each replay spends budget; the final, reported
        replay always runs."""
        self._tried += 1
        if self._stop.is_set():
            raise _Stopped
        if self._last is None or current_build_context().is_final:
            return
        self._replays_left -= 1
        if self._replays_left < 0:
            raise _BudgetSpent

    def _search(self, run: Callable[[], None]) -> None:
        __tracebackhide__ = True
        try:
            run()
        except _BudgetSpent:
            assert self._last is not None
            replays = self.budget.replays
            self._last.add_note(f"(shrinking stopped after {replays} replays, its budget: maybe not minimal)")
            raise self._last from None

    def _settings(self, steps: int = 1) -> settings:
        return settings(
            max_examples=self.budget.examples,
            stateful_step_count=steps,
            deadline=None,
            database=DirectoryBasedExampleDatabase(self.budget.database),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,  # one finding per check, the first (a group of them would read as broken)
            phases=[phase for phase in Phase if phase is not Phase.explain],  # explaining replays too
        )

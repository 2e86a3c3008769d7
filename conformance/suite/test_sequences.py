"""Stateful sequences: create, push, untag and delete in any order hypothesis draws
(`--examples` sequences, `--seed`), with the profile's status checked at every DELETE and a model of what
must exist checked after it. Every name is a fresh run-owned name in the run's namespace.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.exploration import Exploration
from conformance.preconditions import properties_enabled
from conformance.provisioning.image import Image

STEPS = 8  # rules per sequence
LIVE_LIMIT = 3  # repositories alive at once in a sequence
LANES = 2  # sequences run at once (each lane its own names): their round trips overlap
TAGS = st.sampled_from(["v1", "v2", "latest"])
TAG_SETS = st.lists(TAGS, max_size=1)
SHAPES = st.sampled_from(["", "/nested"])  # the grammar itself is the other properties' business


def watched(function: Callable[..., None]) -> Callable[..., None]:
    """A step of the machine: run inside the check's exploration watch, its failure naming the steps."""

    @functools.wraps(function)
    def step(self: RepositoryLifecycle, **values: object) -> None:
        self.steps.append(function.__name__)
        try:
            with self.lane.watch():
                function(self, **values)
        except Exception as failure:
            failure.add_note("sequence: " + "; ".join(self.steps))
            raise

    return step


class RepositoryLifecycle(RuleBasedStateMachine):
    """The model: the sequence's live repositories with their tags. Every DELETE gets the status of the
    repository's state; the `swr` context holds its effect on every view to the documented one."""

    def __init__(self, swr: CheckContext, lane: Exploration, prefix: str) -> None:
        super().__init__()
        self.swr, self.lane, self.prefix = swr, lane, prefix
        self.scope = swr.run.scope().narrowed(f"{prefix}-")  # its own names: lanes run at once
        self.live: dict[str, dict[str, Image]] = {}
        self.created = 0
        self.steps: list[str] = []  # what the sequence did, for the report

    def detail(self, what: str) -> None:
        self.steps[-1] += f" {what}"

    @initialize(data=st.data())
    @watched
    def create_repository_with_an_image(self, data: st.DataObject) -> None:
        """Every sequence starts with a repository holding an image (an empty one without credentials)."""
        self._create(data, ["v1"] if self.swr.client.can_push else [])

    @precondition(lambda self: len(self.live) < LIVE_LIMIT)
    @rule(data=st.data())
    @watched
    def create_repository(self, data: st.DataObject) -> None:
        """Create a repository, empty or (when the run can push) holding images."""
        self._create(data, data.draw(TAG_SETS if self.swr.client.can_push else st.just([]), label="tags"))

    def _create(self, data: st.DataObject, tags: list[str]) -> None:
        name = f"{self.prefix}-{self.created}" + data.draw(SHAPES, label="shape")
        self.created += 1
        self.detail(f"{name} {tags}")
        self.swr.client.create_repository(self.swr.namespace, name)
        self.live[name] = {}
        for tag in tags:
            self.live[name][tag] = self.swr.push_image(name, tag)

    @precondition(lambda self: self.live and self.swr.client.can_push)
    @rule(data=st.data(), tag=TAGS)
    @watched
    def push_image(self, data: st.DataObject, tag: str) -> None:
        name = self._draw(data, self.live)
        self.detail(tag)
        self.live[name][tag] = self.swr.push_image(name, tag)

    @precondition(lambda self: any(self.live.values()))
    @rule(data=st.data())
    @watched
    def delete_tags(self, data: st.DataObject) -> None:
        """Delete some of a repository's tags, or all of them (which empties it)."""
        name = self._draw(data, [n for n, tags in self.live.items() if tags])
        tags = sorted(self.live[name])
        chosen = data.draw(st.one_of(st.just(tags), st.lists(st.sampled_from(tags), min_size=1, unique=True)))
        self.detail(str(chosen))
        for tag in chosen:
            self.swr.client.delete_tag(self.swr.namespace, name, tag)
            del self.live[name][tag]

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    @watched
    def delete_repository(self, data: st.DataObject) -> None:
        """Delete a repository: the profile's status for its state, and exactly that effect on every view."""
        swr, name = self.swr, self._draw(data, self.live)
        condition = "delete.repository-with-images" if self.live[name] else "delete.empty-repository"
        # the report shows a DELETE of the check's own condition (an emptied repository), not a refusal
        subject = condition == swr.expectation().condition
        swr.expect_status(swr.delete(swr.namespace, name, condition=condition, subject=subject, scope=self.scope))
        if swr.expectation(condition).is_success:
            del self.live[name]
            absent = "delete.absent-repository"
            swr.expect_status(swr.delete(swr.namespace, name, condition=absent, subject=False, scope=self.scope))

    def _draw(self, data: st.DataObject, names: Iterable[str]) -> str:
        name = data.draw(st.sampled_from(sorted(names)), label="repository")
        self.detail(name)
        return name


@check("property/sequence/lifecycle", "delete.empty-repository", severity="critical")
@requires(properties_enabled)
def test_repository_lifecycle_sequences(swr: CheckContext) -> None:
    """Any sequence of create, push, untag and delete: every DELETE gets the profile's status for the
    repository's state (with images, emptied, deleted), and nothing else appears or disappears."""
    # each sequence its own names, also when hypothesis replays one; numbered per lane, so that one seed
    # makes the same names however the lanes interleave
    sequences: defaultdict[int, Iterator[int]] = defaultdict(lambda: itertools.count(1))
    machine: Callable[[Exploration], RepositoryLifecycle] = lambda lane: RepositoryLifecycle(  # noqa: E731
        swr, lane, f"{swr.run.prefix}q{lane.index}-{next(sequences[lane.index])}"
    )
    swr.exploration.sequences(machine, STEPS, lanes=LANES)
    if not swr.client.can_push:
        swr.notes.append("sequences ran without images: no registry credentials to push with")

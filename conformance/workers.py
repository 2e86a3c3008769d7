"""Parallel runs (`run --workers N`, or plain `pytest -n N` over the suite) on pytest-xdist: one run, N processes.

The controller (this plugin, in the process that hands the checks out) opens the run before any worker
starts: target, preflight, run id, namespace, seed. It hands them to each worker (`workerinput`); a
worker joins the run with names and a journal of its own (`lifecycle.join_run`) and ships each check's
result back inside its reports. The controller prints the lines, cleans up once after the workers (their
leftovers too) and writes results.json, JUnit and the finished Allure results, as a single process would.
`run` registers the controller itself; for plain `pytest -n N` this module's own hook does (its pytest11
entry point loads it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator
from dataclasses import replace
from typing import Any

import pytest

from conformance.interrupts import STOP
from conformance.lifecycle import Run, clean_up
from conformance.plugin import PLUGIN_NAME, SuitePlugin, distributed_suite, plain_pytest_settings
from conformance.suite import catalog


@pytest.hookimpl(trylast=True)  # after the suite's plugin registered itself
def pytest_configure(config: pytest.Config) -> None:
    """Plain `pytest ... -n N` over the suite is one run, as `run --workers N` is."""
    suite = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if not isinstance(suite, SuitePlugin) or config.pluginmanager.has_plugin(f"{PLUGIN_NAME}-controller"):
        return
    if (workers := distributed_suite(config)) is not None:
        suite.settings = replace(plain_pytest_settings(suite, config), workers=workers)
        config.pluginmanager.register(Controller(suite), f"{PLUGIN_NAME}-controller")


class Controller:
    def __init__(self, suite: SuitePlugin) -> None:
        self.suite = suite
        self.run: Run | None = None
        self._target = contextlib.ExitStack()
        self._workers: list[int] = []  # process ids

    @pytest.hookimpl(wrapper=True)  # around xdist's, which starts the workers: the run is open before they start
    def pytest_sessionstart(self, session: pytest.Session) -> Generator[None, None, None]:
        suite = self.suite
        assert suite.settings is not None
        suite.available = len(catalog())
        try:
            self.run = suite.open(suite.settings, session.config, self._target)
            return (yield)
        except BaseException:  # e.g. interrupted while the workers start: pytest will not finish this session
            self._finish(session)
            raise

    @pytest.hookimpl(tryfirst=True)  # before xdist hands out checks: a target that cannot be tested stops here
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        if self.suite.setup_error is not None:
            self.suite.stop_for_setup_error()

    def pytest_configure_node(self, node: Any) -> None:
        assert self.run is not None
        node.workerinput["swr"] = self.run.handover()

    def pytest_xdist_newgateway(self, gateway: Any) -> None:
        """Learn the worker's process id while it is idle, to stop it if the run is interrupted."""
        channel = gateway.remote_exec("import os; channel.send(os.getpid())")
        self._workers.append(channel.receive(timeout=60))

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.suite.selected = len(ids)

    @pytest.hookimpl(tryfirst=True)  # before pytest renders the interrupt, which can raise (see plugin.py)
    def pytest_keyboard_interrupt(self) -> None:
        """Signals reach the controller alone when a pipeline cancels it (`kill`, SIGTERM): each worker
        is stopped as Ctrl-C would stop it, and removes what its check created."""
        for pid in self._workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, STOP)

    @pytest.hookimpl(tryfirst=True)  # the workers are done: clean up before the results are written
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._finish(session)

    def _finish(self, session: pytest.Session) -> None:
        xdist = session.config.pluginmanager.getplugin("dsession")
        if self.suite.interrupts.interrupted and (nodes := getattr(xdist, "nodemanager", None)) is not None:
            nodes.teardown_nodes()  # an interrupted run: wait for the stopping workers first
        if self.run is not None:
            clean_up(self.run, self.suite.interrupts)
            self.run = None
        self._target.close()

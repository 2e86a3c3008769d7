"""Every place the suite reaches past the public API of pytest or pytest-xdist, each in one small
function that says why. pyproject.toml pins their upper bounds (`pytest<10`, `pytest-xdist<4`); httpx's
lives in transport.py (`DeadlineTransport`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest


def xdist_workers(config: pytest.Config) -> int:
    """How many workers `-n N` / `--tx SPEC` asked for: xdist offers no public way to count them."""
    from xdist.workermanage import parse_tx_spec_config  # type: ignore[import-untyped]

    return len(parse_tx_spec_config(config))


@contextlib.contextmanager
def uncaptured(config: pytest.Config) -> Iterator[None]:
    """Lines the run prints from fixtures (the header, progress) reach the terminal, not the capture."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        yield


def set_interrupt_location(reporter: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Where the run was interrupted, for pytest's summary, built without rendering the traceback: on
    Python 3.11 a signal between two lines leaves a frame without a line number, and pytest's own
    rendering raises TypeError (the terminal reporter then crashed at the end of the session)."""
    from _pytest._code.code import ReprExceptionInfo, ReprFileLocation, ReprTraceback

    tb = excinfo.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    crash = ReprFileLocation(tb.tb_frame.f_code.co_filename, tb.tb_lineno or 0, excinfo.typename)
    reporter._keyboardinterrupt_memo = ReprExceptionInfo(
        reprtraceback=ReprTraceback([], None, "short"), reprcrash=crash
    )


def reword_interrupt(reporter: Any, message: str) -> None:
    """pytest summarises `pytest.exit` as "! _pytest.outcomes.Exit: <message> !": the run's words instead."""
    crash = getattr(getattr(reporter, "_keyboardinterrupt_memo", None), "reprcrash", None)
    if crash is not None:
        crash.message = message

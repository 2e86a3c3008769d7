"""`-h` works on the tool and on every one of its commands, as people expect."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conformance.cli import main


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(main.commands))], ids=lambda c: " ".join(c) or "-")
def test_dash_h_prints_the_usage(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "-h"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and "--help" in result.output

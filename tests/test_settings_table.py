"""Each setting is declared once (conformance/settings.py): the options of `run` and `sweep`, the pytest
`--swr-*` options, the environment, the TOML keys and the table in docs/running.md all follow from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.settings import declared, env_name, field_names, options_table, resolve

DOCS = Path(__file__).resolve().parent.parent / "docs" / "running.md"


def test_the_docs_show_the_declared_settings() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("tests/test_settings_table.py -->") + len("tests/test_settings_table.py -->\n")
    shown = text[start : text.index("\n<!-- end of the settings -->")]
    assert shown == options_table(), (
        "regenerate the table: python -c 'from conformance.settings import *; print(options_table())'"
    )


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_every_declared_setting_is_an_option(command: str) -> None:
    helped = CliRunner().invoke(main, [command, "--help"], terminal_width=200).output
    for declared_setting in declared():
        if command == "run" or declared_setting.metadata["shared"]:
            assert (
                f"--{declared_setting.name.replace('_', '-')}" in helped and env_name(declared_setting.name) in helped
            )


def test_every_declared_setting_reads_the_environment() -> None:
    environment = {"SWR_TOKEN": "t", "SWR_EXAMPLES": "7", "SWR_INSECURE": "yes", "SWR_TIMEOUT": "2.5"}
    settings = resolve({}, environment, None)
    assert (settings.examples, settings.insecure, settings.timeout) == (7, True, 2.5)
    assert "sources" not in field_names()

"""Profiles: expectations as data, validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract.profiles import (
    CONDITIONS,
    DEFAULT_PROFILE,
    ProfileError,
    available_profiles,
    load_profile,
)
from conformance.contract.resources import SPEC_FILE


def test_the_default_profile_is_the_seed_document() -> None:
    """With no profile named, the suite expects what the seed document states: its 406 row, not the
    current page's deletion of non-empty repositories."""
    default = load_profile()
    assert default.id == DEFAULT_PROFILE and DEFAULT_PROFILE in available_profiles()
    assert not default.expect("delete.repository-with-images").is_success
    assert default.document.version.startswith("seed")


@pytest.mark.parametrize("profile_id", available_profiles())
def test_every_profile_status_is_a_documented_response_of_the_operation(profile_id: str) -> None:
    responses = _delete_operation()["responses"]
    profile = load_profile(profile_id)
    for condition in CONDITIONS:
        expected = profile.expect(condition)
        assert {str(s) for s in expected.statuses} <= set(responses), (profile_id, condition)
        if expected.documented and profile_id == DEFAULT_PROFILE:  # the spec was written from this document
            (status,) = expected.statuses
            assert expected.quote in responses[str(status)]["description"], (condition, expected.quote)
            assert condition in responses[str(status)]["x-swr-conditions"]


def _delete_operation() -> dict[str, Any]:
    spec = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    operation: dict[str, Any] = spec["paths"]["/v2/manage/namespaces/{namespace}/repos/{repository}"]["delete"]
    return operation


def _write(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load(load_profile("swr-2020").path.read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_profile_can_be_loaded_from_a_path(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d.update(id="custom"))
    assert load_profile(path).id == "custom"


def test_unknown_condition_id_is_rejected_with_the_known_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["conditions"].update({"delete.typo": d["conditions"]["delete.invalid-name"]}))
    with pytest.raises(ProfileError, match=r"custom\.yaml: unknown condition id\(s\) \['delete\.typo'\]"):
        load_profile(path)


def test_missing_condition_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["conditions"].pop("delete.server-error"))
    with pytest.raises(ProfileError, match=r"delete\.server-error"):
        load_profile(path)


@pytest.mark.parametrize("bad", [[], [99], [600], "204", [True], None])
def test_bad_status_is_rejected(tmp_path: Path, bad: object) -> None:
    path = _write(tmp_path, lambda d: d["conditions"]["delete.empty-repository"].update(status=bad))
    with pytest.raises(ProfileError, match=r"delete\.empty-repository: 'status'"):
        load_profile(path)


def test_bad_error_body_policy_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["conditions"]["delete.empty-repository"].update(error_body="maybe"))
    with pytest.raises(ProfileError, match="'error_body' must be one of"):
        load_profile(path)


def test_wrong_schema_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d.update(schema="v0"))
    with pytest.raises(ProfileError, match="'schema' must be"):
        load_profile(path)


def test_unknown_profile_name_lists_the_known_ones() -> None:
    with pytest.raises(ProfileError, match=r"unknown profile 'swr-1999' \(known: swr-2020, swr-2025\)"):
        load_profile("swr-1999")

"""Profiles: expectations as data, validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.contract.profiles import (
    CONDITIONS,
    DEFAULT_PROFILE,
    ErrorBody,
    ProfileError,
    available_profiles,
    load_profile,
)


def test_both_document_versions_are_shipped() -> None:
    assert available_profiles() == ["swr-2020", "swr-2025"]
    assert DEFAULT_PROFILE == "swr-2020"


def test_seed_profile_states_the_documented_statuses() -> None:
    profile = load_profile("swr-2020")
    statuses = {cid: profile.expect(cid).statuses for cid in CONDITIONS}
    assert statuses == {
        "delete.empty-repository": (204,),
        "delete.repository-with-images": (406,),
        "delete.absent-repository": (404,),
        "delete.absent-namespace": (404,),
        "delete.invalid-name": (400,),
        "delete.server-error": (500,),
        "delete.unauthenticated": (401,),
    }
    assert profile.expect("delete.repository-with-images").quote == "仓库中还有镜像，不允许删除仓库"
    assert profile.expect("delete.unauthenticated").documented is False
    assert profile.expect("delete.invalid-name").error_body is ErrorBody.REQUIRED


def test_current_profile_deletes_non_empty_repositories_and_documents_401() -> None:
    profile = load_profile("swr-2025")
    assert profile.expect("delete.repository-with-images").statuses == (204,)
    assert profile.expect("delete.unauthenticated").documented is True


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

"""Properties over the naming grammar, searched on the target with hypothesis (`--examples`, `--seed`).

Every drawn name carries the run id, and every DELETE passes the client's guard: an invalid name, or a
valid one in the run's own namespace. A failure is shrunk to a minimal name and reported with its curl.
"""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from conformance.checks import check, requires
from conformance.context import CheckContext
from conformance.contract.names import NameKind
from conformance.name_strategies import any_invalid_names, valid_names
from conformance.preconditions import properties_enabled, refuses_non_empty


@check("property/invalid-name", "delete.invalid-name", severity="critical")
@requires(properties_enabled)
def test_any_invalid_name_is_refused(swr: CheckContext) -> None:
    """Any namespace or repository name that breaks a naming rule: the profile's status, error
    information, and nothing deleted."""
    sentinel = swr.new_repository("sentinel")
    run_id = swr.run.run_id
    names = st.one_of(
        st.tuples(st.just(NameKind.NAMESPACE), any_invalid_names(NameKind.NAMESPACE, run_id)),
        st.tuples(st.just(NameKind.REPOSITORY), any_invalid_names(NameKind.REPOSITORY, f"{run_id}-p")),
    )

    def refused(drawn: tuple[NameKind, str]) -> None:
        kind, name = drawn
        namespace, repository = (name, sentinel) if kind is NameKind.NAMESPACE else (swr.namespace, name)
        response = swr.delete(namespace, repository)
        swr.expect_status(response)
        swr.expect_error_information(response)

    swr.explore(names, refused)
    swr.expect(swr.client.repository_exists(swr.namespace, sentinel), f"{swr.namespace}/{sentinel} was deleted")


@check("property/absent-name", "delete.absent-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_absent_name_is_not_found(swr: CheckContext) -> None:
    """Any valid repository name (up to the length limit, `__`, nested `/` sent as `$`) that does not
    exist: exactly the profile's status."""
    swr.explore(
        valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-a"),
        lambda name: swr.expect_status(swr.delete(swr.namespace, name)),
    )


@check("property/created-then-deleted", "delete.empty-repository", severity="critical")
@requires(properties_enabled)
def test_any_valid_created_name_deletes_once(swr: CheckContext) -> None:
    """Any valid repository name the run creates empty: the success status once, then not found."""
    examples = itertools.count(1)  # each example its own name, also when hypothesis replays one

    def deleted_once(data: st.DataObject) -> None:
        name = data.draw(valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-c{next(examples)}"))
        swr.client.create_repository(swr.namespace, name)
        swr.expect_status(swr.delete(swr.namespace, name))
        swr.expect_status(swr.delete(swr.namespace, name), "delete.absent-repository")

    swr.explore(st.data(), deleted_once)


@check("property/with-images-refused", "delete.repository-with-images", severity="critical")
@requires(properties_enabled, refuses_non_empty)
def test_any_repository_with_images_is_refused_and_keeps_them(swr: CheckContext) -> None:
    """Any valid repository the run pushed images to: the profile's refusal, and every tag and manifest
    is still there afterwards."""
    examples = itertools.count(1)
    tags = st.lists(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,15}", fullmatch=True), min_size=1, max_size=2, unique=True)

    def refused(data: st.DataObject) -> None:
        name = data.draw(valid_names(NameKind.REPOSITORY, f"{swr.run.run_id}-i{next(examples)}"))
        images = {tag: swr.push_image(name, tag) for tag in data.draw(tags)}
        swr.expect_status(swr.delete(swr.namespace, name))
        kept = swr.client.tags(swr.namespace, name)
        swr.expect(kept == sorted(images), f"tags after the refused delete: {kept}, expected {sorted(images)}")
        lost = [i.digest for i in images.values() if not swr.client.manifest_exists(swr.namespace, name, i.digest)]
        swr.expect(not lost, f"manifests lost after the refused delete: {lost}")

    swr.explore(st.data(), refused)

"""schemathesis drives every operation of the spec against the reference registry: no 5xx without
injected faults, and every response conforms to the spec (status, content type, headers, schema).

One test per operation and generation mode (positive: valid inputs; negative: inputs that break the
spec, e.g. names against the naming rules), each its own node id and a seeded hypothesis run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode

from conformance.contract.profiles import load_profile
from conformance.contract.resources import SPEC_FILE
from conformance.reference.config import DEV_TOKEN, ReferenceConfig
from conformance.reference.server import ReferenceServer

OPERATIONS = [
    (op.ok().method.upper(), op.ok().path) for op in schemathesis.openapi.from_path(SPEC_FILE).get_all_operations()
]
#: Operations with no input at all: negative mode has nothing to break there.
NO_INPUT = {("GET", "/v2/manage/namespaces")}
CASES = [
    pytest.param(method, path, mode, id=f"{method} {path}-{mode}")
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and (method, path) in NO_INPUT)
]


@pytest.fixture(scope="module")
def swr_schema() -> Iterator[schemathesis.BaseSchema]:
    with ReferenceServer(ReferenceConfig(profile=load_profile("swr-2020"))) as server:
        # The token is tied to its security scheme, so that schemathesis' auth checks know it.
        config = schemathesis.Config.from_dict(
            {"base-url": server.url, "auth": {"openapi": {"XAuthToken": {"api_key": DEV_TOKEN}}}}
        )
        schema = schemathesis.openapi.from_path(SPEC_FILE, config=config)
        yield schema


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_reference_conforms_to_the_spec(
    swr_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = swr_schema[path][method]

    @seed(20201)
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(mode))
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate()

    conforms()

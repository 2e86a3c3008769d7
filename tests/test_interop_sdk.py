"""The official huaweicloudsdkswr client (AK/SK signed) against the reference registry."""

from __future__ import annotations

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkswr.v2 import (
    CreateNamespaceRequest,
    CreateNamespaceRequestBody,
    CreateRepoRequest,
    CreateRepoRequestBody,
    DeleteRepoRequest,
    ShowRepositoryRequest,
    SwrClient,
)

from conformance.provisioning.image import build_image, push_image
from conformance.reference.config import DEV_AK, DEV_PROJECT_ID, DEV_SK
from conformance.reference.server import ReferenceServer
from tests.conftest import unique

pytestmark = [pytest.mark.interop, pytest.mark.full]  # software from outside: not in ./run-tests --quick


def _client(url: str, sk: str = DEV_SK) -> SwrClient:
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    return (
        SwrClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(DEV_AK, sk, DEV_PROJECT_ID))
        .with_endpoints([url])
        .build()
    )


def test_sdk_creates_and_deletes_a_nested_repository(reference: ReferenceServer) -> None:
    sdk = _client(reference.url)
    namespace = unique("sdk")
    sdk.create_namespace(CreateNamespaceRequest(body=CreateNamespaceRequestBody(namespace=namespace)))
    body = CreateRepoRequestBody(repository="group/app", is_public=False, category="other")
    sdk.create_repo(CreateRepoRequest(namespace=namespace, body=body))
    shown = sdk.show_repository(ShowRepositoryRequest(namespace=namespace, repository="group$app"))
    assert shown.name == "group/app" and shown.num_images == 0
    deleted = sdk.delete_repo(DeleteRepoRequest(namespace=namespace, repository="group$app"))
    assert deleted.status_code == 204
    with pytest.raises(ClientRequestException) as absent:
        sdk.show_repository(ShowRepositoryRequest(namespace=namespace, repository="group$app"))
    assert absent.value.status_code == 404


def test_sdk_reads_error_code_and_message_on_404_and_406(
    reference: ReferenceServer, registry: httpx.Client, namespace: str
) -> None:
    sdk = _client(reference.url)
    with pytest.raises(ClientRequestException) as absent:
        sdk.delete_repo(DeleteRepoRequest(namespace=namespace, repository="absent"))
    assert (absent.value.status_code, absent.value.error_code) == (404, "SVCSTG.SWR.4040009")
    assert "not found" in absent.value.error_msg and absent.value.request_id
    push_image(registry, f"{namespace}/app", "v1", build_image(unique()))
    with pytest.raises(ClientRequestException) as held:
        sdk.delete_repo(DeleteRepoRequest(namespace=namespace, repository="app"))
    assert (held.value.status_code, held.value.error_code) == (406, "SVCSTG.SWR.4060012")
    assert "images" in held.value.error_msg


def test_sdk_with_a_wrong_secret_is_refused(reference: ReferenceServer, namespace: str) -> None:
    with pytest.raises(ClientRequestException) as refused:
        _client(reference.url, sk="wrong").delete_repo(DeleteRepoRequest(namespace=namespace, repository="app"))
    assert (refused.value.status_code, refused.value.error_code) == (401, "SVCSTG.SWR.4010000")

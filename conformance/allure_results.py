"""The run's facts for Allure: `environment.properties` and, in CI, `executor.json`, written next to the
results allure-pytest writes as each check runs (see allure_labels.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from conformance.transcript import Redactor

ENVIRONMENT_FILE = "environment.properties"
EXECUTOR_FILE = "executor.json"


def write_environment(directory: Path, run: dict[str, Any], redactor: Redactor) -> None:
    """The run's facts as Allure's environment table, and the CI job as its executor (never a secret)."""
    if not directory.is_dir():
        return
    environment = "".join(f"{key}={_escape(value)}\n" for key, value in environment_of(run).items())
    (directory / ENVIRONMENT_FILE).write_text(redactor.text(environment), encoding="utf-8")
    if (executor := executor_of(os.environ)) is not None:
        (directory / EXECUTOR_FILE).write_text(redactor.text(json.dumps(executor, indent=2)), encoding="utf-8")


def environment_of(run: dict[str, Any]) -> dict[str, str]:
    """What was tested, as Allure's environment table shows it (never a credential)."""
    target, profile, properties = run.get("target", {}), run.get("profile", {}), run.get("properties", {})
    suite = run.get("suite", {})
    values = {
        "endpoint": target.get("endpoint"),
        "registry": target.get("registry"),
        "target.version": target.get("version"),
        "profile": profile.get("id"),
        "document": "{id} ({version})".format(**profile["document"]) if "document" in profile else None,
        "suite.version": suite.get("version"),
        "spec.sha256": run.get("spec", {}).get("sha256"),
        "run.id": run.get("run_id"),
        "seed": properties.get("seed") if properties.get("enabled") else "properties off",
        "namespace": target.get("namespace"),
        "tls.verify": target.get("tls", {}).get("verify"),
    }
    return {key: str(value) for key, value in values.items() if value is not None}


def executor_of(env: os._Environ[str] | dict[str, str]) -> dict[str, Any] | None:
    """The CI job that ran the suite (GitHub Actions, GitLab CI), in Allure's executor.json form."""
    if env.get("GITHUB_ACTIONS") == "true":
        server, repo, run_id = (
            env.get("GITHUB_SERVER_URL", "https://github.com"),
            env.get("GITHUB_REPOSITORY"),
            env.get("GITHUB_RUN_ID"),
        )
        url = f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None
        return {
            "name": "GitHub Actions",
            "type": "github",
            "buildName": f"{env.get('GITHUB_WORKFLOW', 'workflow')} #{env.get('GITHUB_RUN_NUMBER', '?')}",
            "buildOrder": _int(env.get("GITHUB_RUN_NUMBER")),
            "buildUrl": url,
            "reportName": f"{repo} {env.get('GITHUB_REF_NAME', '')}".strip(),
        }
    if env.get("GITLAB_CI") == "true":
        return {
            "name": "GitLab CI",
            "type": "gitlab",
            "buildName": f"{env.get('CI_JOB_NAME', 'job')} #{env.get('CI_JOB_ID', '?')}",
            "buildOrder": _int(env.get("CI_PIPELINE_IID")),
            "buildUrl": env.get("CI_JOB_URL"),
            "reportName": f"{env.get('CI_PROJECT_PATH', '')} {env.get('CI_COMMIT_REF_NAME', '')}".strip(),
        }
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _escape(value: str) -> str:
    """Java properties: `\\`, `:`, `=` and line breaks escaped."""
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=").replace("\n", "\\n")

"""Provider registration: the dict Airflow reads, validated by Airflow's own schema and CLI."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema
import pytest

from airflow_provider.heygen.provider_info import get_provider_info


def airflow_schema() -> dict:
    import airflow

    return json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())


def test_provider_info_validates_against_installed_airflow_schema() -> None:
    jsonschema.validate(get_provider_info(), airflow_schema())


def test_package_name_is_the_distribution_name() -> None:
    (entry_point,) = [
        ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("airflow_provider.heygen")
    ]
    assert entry_point.dist is not None
    assert get_provider_info()["package-name"] == entry_point.dist.name == "airflow-provider-heygen"
    assert entry_point.load() is get_provider_info


def test_every_registered_module_and_class_imports() -> None:
    info = get_provider_info()
    modules = [
        m
        for key in ("hooks", "operators", "sensors", "triggers")
        for item in info.get(key, [])
        for m in item["python-modules"]
    ]
    classes = [c["hook-class-name"] for c in info["connection-types"]] + info.get("extra-links", [])
    classes += [plugin["plugin-class"] for plugin in info.get("plugins", [])]
    for module in modules:
        importlib.import_module(module)
    for dotted in classes:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name), dotted


def test_connection_form_hides_unused_fields_and_relabels_key() -> None:
    (conn_type,) = get_provider_info()["connection-types"]
    behaviour = conn_type["ui-field-behaviour"]
    assert conn_type["connection-type"] == "heygen"
    assert behaviour["relabeling"]["password"] == "API key (or OAuth token)"
    assert behaviour["relabeling"]["host"] == "Base URL"
    assert "login" in behaviour["hidden-fields"]
    assert set(conn_type["conn-fields"]) == {"timeout", "max_retries", "max_retry_wait", "prices", "auth_type"}
    assert conn_type["conn-fields"]["auth_type"]["schema"]["enum"] == ["api_key", "oauth", None]


def airflow_cli_json(*args: str) -> list[dict]:
    """Run an Airflow CLI command with ``-o json`` and decode its table (ignoring lines printed around it)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args, "-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table_line = next(line for line in result.stdout.splitlines() if line.startswith(("[{", "[]")))
    return json.loads(table_line)


@pytest.mark.e2e
def test_airflow_cli_lists_provider_and_heygen_connection_type() -> None:
    providers = airflow_cli_json("providers", "list")
    assert any(p["package_name"] == "airflow-provider-heygen" for p in providers), providers
    hooks = airflow_cli_json("providers", "hooks")
    heygen = [h for h in hooks if h.get("connection_type") == "heygen"]
    assert heygen and heygen[0]["class"] == "airflow_provider.heygen.hooks.heygen.HeyGenHook"


def test_every_fixed_public_name_is_registered_and_imports() -> None:
    info = get_provider_info()
    operators = {m for item in info["operators"] for m in item["python-modules"]}
    fixed = {
        "video": "HeyGenCreateVideoOperator",
        "agent": "HeyGenVideoAgentOperator",
        "translation": "HeyGenTranslateVideoOperator",
        "lipsync": "HeyGenLipsyncOperator",
        "speech": "HeyGenTextToSpeechOperator",
        "assets": "HeyGenUploadAssetOperator",
        "avatar": "HeyGenCreateAvatarOperator",
        "download": "HeyGenDownloadOperator",
    }
    for module, name in fixed.items():
        assert f"airflow_provider.heygen.operators.{module}" in operators
        assert hasattr(importlib.import_module(f"airflow_provider.heygen.operators.{module}"), name)
    assert info["extra-links"] == ["airflow_provider.heygen.links.HeyGenJobLink"]


def test_every_operator_and_the_sensor_template_their_connection_id() -> None:
    from airflow_provider.heygen.operators.base import HeyGenBilledOperator, HeyGenJobOperator, HeyGenOperator
    from airflow_provider.heygen.provider_info import OPERATOR_MODULES
    from airflow_provider.heygen.sensors.job import HeyGenJobSensor

    public: set[type] = {HeyGenJobSensor}
    for module in OPERATOR_MODULES:
        found = vars(importlib.import_module(f"airflow_provider.heygen.operators.{module}")).values()
        public |= {cls for cls in found if isinstance(cls, type) and issubclass(cls, HeyGenOperator)}
    public -= {HeyGenOperator, HeyGenBilledOperator, HeyGenJobOperator}
    assert len(public) == 11  # ten operators (one in each module, two in agent and video) and the sensor
    assert [cls.__name__ for cls in public if "heygen_conn_id" not in cls.template_fields] == []

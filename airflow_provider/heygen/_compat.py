"""Import shims for Airflow 2.10+ and 3.x: every version-dependent import of the provider lives here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow import __version__ as _airflow_version
from packaging.version import Version

AIRFLOW_VERSION = Version(Version(_airflow_version).base_version)
AIRFLOW_V_3 = AIRFLOW_VERSION >= Version("3.0.0")
AIRFLOW_V_3_3 = AIRFLOW_VERSION >= Version("3.3.0")

if TYPE_CHECKING or AIRFLOW_V_3:
    from airflow.sdk import (
        BaseHook,
        BaseOperator,
        BaseOperatorLink,
        BaseSensorOperator,
        Context,
        ObjectStoragePath,
    )
    from airflow.sdk import Asset as Asset
    from airflow.sdk.exceptions import TaskDeferred
else:  # Airflow 2.10 / 2.11
    from airflow.datasets import Dataset as Asset  # type: ignore[no-redef]
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef]
    from airflow.io.path import ObjectStoragePath  # type: ignore[no-redef]
    from airflow.models import (  # type: ignore[no-redef]
        BaseOperator,
        BaseOperatorLink,
    )
    from airflow.sensors.base import BaseSensorOperator  # type: ignore[no-redef]
    from airflow.utils.context import Context  # type: ignore[no-redef]

__all__ = [
    "AIRFLOW_V_3",
    "AIRFLOW_V_3_3",
    "AIRFLOW_VERSION",
    "Asset",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "Context",
    "ObjectStoragePath",
    "TaskDeferred",
]

"""Import shims for Airflow 2.10+ and 3.x: every version-dependent import of the provider lives here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow import __version__ as _airflow_version
from packaging.version import Version

AIRFLOW_VERSION = Version(Version(_airflow_version).base_version)
AIRFLOW_V_3 = Version("3.0.0") <= AIRFLOW_VERSION
AIRFLOW_V_3_3 = Version("3.3.0") <= AIRFLOW_VERSION

if TYPE_CHECKING or AIRFLOW_V_3:
    from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger
    from airflow.sdk import Asset as Asset
    from airflow.sdk import (
        BaseHook,
        BaseOperator,
        BaseOperatorLink,
        BaseSensorOperator,
        Context,
        ObjectStoragePath,
    )
    from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException, TaskDeferred
    from airflow.sdk.execution_time.xcom import XCom
    from airflow.sdk.log import amask_secret, mask_secret
    from airflow.sdk.plugins_manager import AirflowPlugin
    from airflow.triggers.base import BaseEventTrigger  # type: ignore[attr-defined]  # Airflow 3 only
else:  # Airflow 2.10 / 2.11
    from airflow.datasets import Dataset as Asset  # type: ignore[no-redef]
    from airflow.exceptions import (  # type: ignore[no-redef]
        AirflowFailException,
        AirflowNotFoundException,
        TaskDeferred,
    )
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef]
    from airflow.io.path import ObjectStoragePath  # type: ignore[no-redef]
    from airflow.models import (  # type: ignore[no-redef]
        BaseOperator,
        BaseOperatorLink,
        XCom,
    )
    from airflow.plugins_manager import AirflowPlugin  # type: ignore[no-redef,assignment]
    from airflow.sensors.base import BaseSensorOperator  # type: ignore[no-redef]
    from airflow.triggers.base import BaseTrigger as BaseEventTrigger  # type: ignore[assignment]
    from airflow.triggers.temporal import TimeDeltaTrigger  # type: ignore[no-redef]
    from airflow.utils.context import Context  # type: ignore[no-redef]
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef,assignment]

    async def amask_secret(secret: Any, name: str | None = None) -> None:  # type: ignore[misc]
        """Airflow 2 has no supervisor to tell: masking is the same sync call."""
        mask_secret(secret, name)


if TYPE_CHECKING or AIRFLOW_V_3_3:
    from airflow.sdk import ResumableJobMixin
else:

    class ResumableJobMixin:  # type: ignore[no-redef]
        """Before Airflow 3.3 there is no task state store: submit, wait, return (the key still reattaches)."""

        def execute_resumable(self, context: Any) -> Any:
            external_id = self.submit_job(context)  # type: ignore[attr-defined]
            self.poll_until_complete(external_id, context)  # type: ignore[attr-defined]
            return self.get_job_result(external_id, context)  # type: ignore[attr-defined]


#: The ``next_method`` Airflow resumes a deferred task with when its trigger timed out or failed.
TRIGGER_FAIL = "__fail__"

__all__ = [
    "AIRFLOW_VERSION",
    "AIRFLOW_V_3",
    "AIRFLOW_V_3_3",
    "TRIGGER_FAIL",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowPlugin",
    "Asset",
    "BaseEventTrigger",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "Context",
    "ObjectStoragePath",
    "ResumableJobMixin",
    "TaskDeferred",
    "TimeDeltaTrigger",
    "XCom",
    "aget_connection",
    "amask_secret",
    "default_deferrable",
    "mask_secret",
]


async def aget_connection(conn_id: str) -> Any:
    """Look a connection up without blocking the event loop (Airflow 3: async accessor; 2.x: a thread)."""
    if AIRFLOW_V_3:
        return await BaseHook.aget_connection(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)


def default_deferrable() -> bool:
    """``[operators] default_deferrable``, read when an operator is built (not at import)."""
    from airflow.configuration import conf

    return conf.getboolean("operators", "default_deferrable", fallback=False)

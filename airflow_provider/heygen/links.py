"""Extra links from a task to its job's page in the HeyGen app."""

from __future__ import annotations

from typing import Any

from airflow_provider.heygen._compat import BaseOperatorLink, XCom
from airflow_provider.heygen.api.jobs import job_kind

__all__ = ["JOB_IDS_XCOM_KEY", "HeyGenJobLink"]

#: XCom key under which every job operator pushes its job ids right after submitting.
JOB_IDS_XCOM_KEY = "heygen_job_ids"


class HeyGenJobLink(BaseOperatorLink):
    """ "HeyGen video": the HeyGen app page of the task's (first) job, once it has been submitted."""

    name = "HeyGen video"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        job_ids = XCom.get_value(ti_key=ti_key, key=JOB_IDS_XCOM_KEY)
        kind = getattr(operator, "job_kind", None)
        if not job_ids or not kind:
            return ""
        return job_kind(kind).app_url(str(job_ids[0])) or ""

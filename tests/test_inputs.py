"""Templated arguments read into ids and languages: the values themselves and their renderings."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.inputs import parse_job_ids, parse_languages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("v_1", (["v_1"], None), id="one-id"),
        pytest.param(["v_1", "v_2", "v_1"], (["v_1", "v_2"], None), id="list-deduplicated"),
        pytest.param({"kind": "lipsync", "job_ids": ["l_1"]}, (["l_1"], "lipsync"), id="job-result"),
        pytest.param(
            [{"kind": "video", "job_ids": ["v_1"]}, {"kind": "video", "job_ids": ["v_2"]}],
            (["v_1", "v_2"], "video"),
            id="mapped-results",
        ),
        pytest.param('["v_1", "v_2"]', (["v_1", "v_2"], None), id="json-list"),
        pytest.param("{'kind': 'video', 'job_ids': ['v_1']}", (["v_1"], "video"), id="python-repr"),
        pytest.param("a, b", (["a", "b"], None), id="comma-separated"),
        pytest.param("['a', 'b']", (["a", "b"], None), id="rendered-python-list"),
        pytest.param(["v_1", 7], (["v_1", "7"], None), id="ids-as-strings"),
        pytest.param("", ([], None), id="empty"),
    ],
)
def test_parse_job_ids(value: Any, expected: tuple[list[str], str | None]) -> None:
    assert parse_job_ids(value) == expected


def test_mixed_kinds_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match=r"job_ids: mixes job kinds \['lipsync', 'video'\]"):
        parse_job_ids([{"kind": "video", "job_ids": ["v"]}, {"kind": "lipsync", "job_ids": ["l"]}])


def test_a_broken_rendering_names_the_argument() -> None:
    with pytest.raises(InvalidRequestError, match=r"proofread_ids: .*pr_1. is neither a list"):
        parse_job_ids("['pr_1", field="proofread_ids")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["Spanish (Spain)", "French (France)"], ["Spanish (Spain)", "French (France)"], id="list"),
        pytest.param("Chinese (Mandarin, Simplified)", ["Chinese (Mandarin, Simplified)"], id="one-name-with-comma"),
        pytest.param('["German (Germany)"]', ["German (Germany)"], id="json-list"),
        pytest.param("['Spanish (Spain)', 'French (France)']", ["Spanish (Spain)", "French (France)"], id="python"),
    ],
)
def test_parse_languages(value: Any, expected: list[str]) -> None:
    assert parse_languages(value) == expected


@pytest.mark.parametrize("value", [pytest.param("['Spanish", id="broken"), pytest.param('["a"', id="unclosed")])
def test_a_broken_language_list_names_the_argument(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="output_languages: "):
        parse_languages(value)

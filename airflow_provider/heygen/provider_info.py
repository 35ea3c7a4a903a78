"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point.

Kept import-free: the providers manager loads it in every Airflow process, so it must be cheap and can
never fail (a broken ``package-name`` breaks every Airflow command in the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACKAGE_NAME = "airflow-provider-heygen"
INTEGRATION = "HeyGen"
HOOK_CLASS = "airflow_provider.heygen.hooks.heygen.HeyGenHook"
PLUGIN_CLASS = "airflow_provider.heygen.plugins.webhooks.HeyGenWebhookPlugin"
# Every module of operators/ but the shared base, read off the folder (importing them here would not be cheap).
OPERATOR_MODULES = tuple(
    sorted(
        path.stem
        for path in (Path(__file__).parent / "operators").glob("*.py")
        if path.stem not in ("__init__", "base")
    )
)

# The connection form (Airflow 3.2+ reads these keys; 2.x asks the hook's methods, which reuse them).
CONN_FIELDS: dict[str, Any] = {
    "timeout": {
        "label": "Request timeout (s)",
        "schema": {"type": ["number", "null"], "default": 60, "minimum": 1},
        "description": "Seconds one HTTP request may take.",
    },
    "max_retries": {
        "label": "Max retries",
        "schema": {"type": ["integer", "null"], "default": 5, "minimum": 0},
        "description": "Retries of a failed call (429, and 5xx/connection errors where safe).",
    },
    "max_retry_wait": {
        "label": "Max wait between retries (s)",
        "schema": {"type": ["number", "null"], "default": 60, "minimum": 0},
        "description": "Cap on any single wait, including HeyGen's Retry-After.",
    },
    "prices": {
        "label": "Credit prices (JSON)",
        "schema": {"type": ["string", "null"]},
        "description": "Your contract's rates where they differ from HeyGen's table, e.g. {\"avatar_iv\": 0.08}.",
    },
    "auth_type": {
        "label": "Auth type",
        "schema": {"type": ["string", "null"], "enum": ["api_key", "oauth", None], "default": "api_key"},
        "description": "What the password holds: an API key (api_key, recommended for automation) or an OAuth "
        "access token (oauth, sent as Authorization: Bearer and billed to the user's web plan).",
    },
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port", "login", "extra"],
    "relabeling": {"host": "Base URL", "password": "API key (or OAuth token)"},
    "placeholders": {
        "host": "https://api.heygen.com",
        "password": "HeyGen API key (Settings > API in app.heygen.com), or an OAuth access token",
    },
}


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's providers manager."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "HeyGen",
        "description": "Render, translate, lip-sync and voice videos with HeyGen's v3 API.",
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://developers.heygen.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider.heygen.hooks.heygen"]}],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [f"airflow_provider.heygen.operators.{name}" for name in OPERATOR_MODULES],
            }
        ],
        "sensors": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider.heygen.sensors.job"]}],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider.heygen.triggers.job", "airflow_provider.heygen.triggers.events"],
            }
        ],
        "extra-links": ["airflow_provider.heygen.links.HeyGenJobLink"],
        # Also an ``airflow.plugins`` entry point: Airflow reads this list only with lazy_discover_providers off.
        "plugins": [{"name": "heygen_webhooks", "plugin-class": PLUGIN_CLASS}],
        "connection-types": [
            {
                "connection-type": "heygen",
                "hook-class-name": HOOK_CLASS,
                "hook-name": "HeyGen",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }

"""HeyGenWebhookPlugin: mounts the webhook receiver on Airflow 3's api-server at ``URL_PREFIX``.

Airflow loads plugins in every process (a task's runner too, for macros), and only the api-server serves
``fastapi_apps``: so the app here is a shell that builds the receiver (and imports FastAPI) on its first
request. On Airflow 2 the plugin has no app (its webserver is Flask) and does nothing.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3, AirflowPlugin

__all__ = ["URL_PREFIX", "HeyGenWebhookPlugin", "LazyReceiverApp"]

#: Where the receiver is mounted: deliveries for an asset go to ``<api-server URL>/heygen/events/<asset name>``.
URL_PREFIX = "/heygen"


class LazyReceiverApp:
    """An ASGI app that builds ``receiver.create_app()`` on its first request and hands every request to it."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from airflow_provider.heygen.plugins.receiver import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class HeyGenWebhookPlugin(AirflowPlugin):
    """Receive HeyGen's signed webhook deliveries in the api-server and write them as asset events."""

    name = "heygen_webhooks"
    fastapi_apps = (
        [{"app": LazyReceiverApp(), "url_prefix": URL_PREFIX, "name": "HeyGen webhook receiver"}] if AIRFLOW_V_3 else []
    )

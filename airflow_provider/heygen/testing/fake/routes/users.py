"""``GET /v3/users/me``: the account, with a credits wallet that goes down as jobs complete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake.routes import api_route, data
from airflow_provider.heygen.testing.fake.state import State


def routes(state: State) -> list[BaseRoute]:
    def me(request: Request, body: Any) -> dict[str, Any]:
        return data(
            {
                "username": "fake-user",
                "email": "fake-user@example.com",
                "first_name": "Fake",
                "last_name": "User",
                "billing_type": "wallet",
                "wallet": {
                    "currency": "credits",
                    "remaining_balance": round(state.wallet_balance, 4),
                    "auto_reload": {"enabled": False, "amount_usd": None, "threshold_usd": None},
                },
                "subscription": None,
                "usage_based": None,
            }
        )

    return [api_route("GET", "/v3/users/me", me)]

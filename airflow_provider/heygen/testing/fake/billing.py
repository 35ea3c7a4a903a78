"""Credit checks for synchronous calls (speech, avatar creation), which are charged when they are made."""

from __future__ import annotations

from airflow_provider.heygen.testing.fake.errors import ApiError
from airflow_provider.heygen.testing.fake.state import State

__all__ = ["ensure_credit"]


def ensure_credit(state: State, credits: float, what: str) -> None:
    """Answer 402 ``insufficient_credit`` unless the wallet covers ``credits`` (the caller charges them)."""
    with state.lock:
        balance = state.wallet_balance
    if balance <= 0 or balance < credits:
        raise ApiError(
            402,
            "insufficient_credit",
            f"Insufficient credit: balance {balance:.4f}, {what} needs {credits:.6f}.",
        )

"""Cost guards, checked before anything is sent: a budget per request, and a floor under the account's credits.

``check_budget`` holds a request's estimate against ``max_credits``: an expected cost or a ceiling above it is
refused, and so is a cost that cannot even be bounded, unless the caller accepts that (``allow_unknown_cost``).
``check_wallet`` refuses a request that would take the account's remaining credits below a floor. The wallet
guard is soft: tasks that read the balance at the same moment may all pass it; the hard cap on what runs at
once is a pool (see the concurrency docs).
"""

from __future__ import annotations

import math
from typing import Any

from .credits import CreditEstimate
from .errors import BudgetExceededError, UnknownCostError, WalletFloorError

__all__ = ["check_budget", "check_credits", "check_wallet"]


def check_credits(name: str, value: Any) -> float | None:
    """``value`` as given, refused unless None or a finite number of credits at least 0 (``name`` in the message)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name}={value!r} must be a number of credits at least 0 (or None for no limit)")
    return value


def check_budget(estimate: CreditEstimate, max_credits: float | None, *, allow_unknown_cost: bool = False) -> None:
    """Raise unless ``estimate`` fits ``max_credits`` (None: no budget).

    An expected cost above the budget is always refused. A ceiling above it, or a cost with no ceiling at all,
    is refused unless ``allow_unknown_cost``: the message names the input that would make the cost known.
    """
    if max_credits is None:
        return
    if estimate.credits is None:
        if not allow_unknown_cost:
            raise UnknownCostError(max_credits, detail=estimate.basis, hint=estimate.hint)
        return
    if estimate.exceeds(max_credits) and not (estimate.upper_bound and allow_unknown_cost):
        raise BudgetExceededError(
            estimate.credits, max_credits, detail=estimate.basis, upper_bound=estimate.upper_bound, hint=estimate.hint
        )


def check_wallet(
    estimate: CreditEstimate,
    remaining: float | None,
    floor: float,
    *,
    count_estimate: bool = True,
    allow_unknown_cost: bool = False,
    detail: str = "",
) -> None:
    """Raise ``WalletFloorError`` when ``remaining`` credits, less the request's cost, would fall below ``floor``.

    A ceiling counts as the cost. ``count_estimate=False`` checks the balance alone (a retry: its submit may be a
    replay, already paid for), and so does ``allow_unknown_cost`` for a cost that is not known. An unknown
    balance (``detail`` says why), or an unknown cost without ``allow_unknown_cost``, is refused.
    """
    if remaining is None:
        raise WalletFloorError(None, floor, detail=detail or "no balance in credits")
    if not count_estimate or (allow_unknown_cost and not estimate.known):
        cost = 0.0
    elif estimate.credits is None:
        raise UnknownCostError(floor, detail=estimate.basis, hint=estimate.hint, guard="min_remaining_credits")
    else:
        cost = estimate.credits
    if remaining - cost < floor:
        raise WalletFloorError(remaining, floor, estimate=cost if count_estimate else None)

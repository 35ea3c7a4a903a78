"""The account: GET /v3/users/me (profile, billing type and the matching balance block)."""

from airflow_provider.heygen.api.models._base import ResponseModel

__all__ = [
    "AutoReload",
    "CreditBalance",
    "Subscription",
    "SubscriptionCredits",
    "UsageBased",
    "User",
    "Wallet",
]


class AutoReload(ResponseModel):
    """Automatic wallet top-up."""

    enabled: bool | None = None
    """Whether it is on."""
    amount_usd: float | None = None
    """Amount added each time, USD."""
    threshold_usd: float | None = None
    """Balance that triggers it, USD."""


class Wallet(ResponseModel):
    """Pay-as-you-go balance (``billing_type="wallet"``)."""

    currency: str | None = None
    """``usd`` or ``credits``."""
    remaining_balance: float | None = None
    """What is left, in ``currency``."""
    auto_reload: AutoReload | None = None
    """Automatic top-up settings."""


class CreditBalance(ResponseModel):
    """Credits of one kind left in a subscription."""

    remaining: int | None = None
    """Credits left."""
    resets_at: str | None = None
    """When they reset."""


class SubscriptionCredits(ResponseModel):
    """A subscription's credit balances."""

    premium_credits: CreditBalance | None = None
    """Plan credits."""
    add_on_credits: CreditBalance | None = None
    """Bought add-on credits."""


class Subscription(ResponseModel):
    """Web-plan billing (``billing_type="subscription"``)."""

    plan: str | None = None
    """``free``, ``starter``, ``creator``, ``pro``, ``team``, ``enterprise`` or ``business_plus``."""
    credits: SubscriptionCredits | None = None
    """Credit balances."""


class UsageBased(ResponseModel):
    """Usage-based billing (``billing_type="usage_based"``)."""

    included_credits: float | None = None
    """Credits included."""
    remaining_credits: float | None = None
    """Credits left."""
    spending_cap_usd: float | None = None
    """Spending cap, USD."""
    spending_current_usd: float | None = None
    """Spent so far, USD."""


class User(ResponseModel):
    """The authenticated account; exactly one of ``wallet``/``subscription``/``usage_based`` is set."""

    username: str
    """User name."""
    email: str | None = None
    """Email address."""
    first_name: str | None = None
    """First name."""
    last_name: str | None = None
    """Last name."""
    billing_type: str | None = None
    """``wallet``, ``subscription`` or ``usage_based``: which block below is filled."""
    wallet: Wallet | None = None
    """Pay-as-you-go balance."""
    subscription: Subscription | None = None
    """Web-plan credits."""
    usage_based: UsageBased | None = None
    """Usage-based billing figures."""

    @property
    def remaining_credits(self) -> float | None:
        """Credits left on the account, whatever its billing; None when the balance is not in credits (USD)."""
        if self.wallet is not None and (self.wallet.currency or "").lower() == "credits":
            return self.wallet.remaining_balance
        if self.subscription is not None and self.subscription.credits is not None:
            balances = (self.subscription.credits.premium_credits, self.subscription.credits.add_on_credits)
            known = [balance.remaining for balance in balances if balance is not None and balance.remaining is not None]
            return float(sum(known)) if known else None
        if self.usage_based is not None:
            return self.usage_based.remaining_credits
        return None

"""Demo data: one company with two API clients (the web shop and a till), four campaigns, and a
voucher in each state the shop must handle, with fixed session ids.

Dates are relative to the sandbox clock at seed time. Session ids are case-sensitive, as the
contract has them; the demo's are lower case, but one, so that they are easy to type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .state import ApiClient, Campaign, CouponSession, SandboxState, SessionState
from .wire import SESSION_URL_BASE

SANDBOX_COMPANY = "Kaffebrenneriet Demo"
SANDBOX_CLIENT_ID = "demo-coupontools"
SANDBOX_CLIENT_SECRET = "demo-coupontools-secret"  # noqa: S105  (a public demo credential)
# A second API client, the shop's till: its lock is "another checkout's".
SANDBOX_TILL_CLIENT_ID = "demo-till"
SANDBOX_TILL_CLIENT_SECRET = "demo-till-secret"  # noqa: S105  (a public demo credential)
SANDBOX_PUBLIC_URL = "https://sandbox.coupontools.invalid"

# The custom field that carries a voucher's value when its ``value`` is empty.
SEED_CUSTOM_VALUE_FIELD = "custom1"

CAMPAIGN_AMOUNT_50 = Campaign("cam_7000101", "gk50kr", "Gift voucher NOK 50")
CAMPAIGN_PERCENT_10 = Campaign("cam_7000102", "rab10p", "10 % off")
CAMPAIGN_CUSTOM = Campaign("cam_7000103", "klubb7", "Club voucher (value in custom1)")
CAMPAIGN_AMOUNT_100 = Campaign("cam_7000104", "gk100k", "Gift voucher NOK 100")

SEED_VOUCHER_AMOUNT = "demo50kr7hq2xk"  # "50" (NOK), claimed
SEED_VOUCHER_PERCENT = "demo10pc4mv9pt"  # "10%", claimed
SEED_VOUCHER_CUSTOM = "democf75r2ny8w"  # value "" and custom1 "75,00", claimed
SEED_VOUCHER_AMOUNT_100 = "demo100kr9vx4m"  # "100.00", claimed: a spare for a second run
SEED_VOUCHER_MIXED_CASE = "Demo50Kr6Tb2Wq"  # "50,00", claimed; its id has capitals
SEED_VOUCHER_VALIDATED = "demoused3bz6qa"  # "50", validated two days ago, 349.000 spent
SEED_VOUCHER_VOIDED = "demovoid8tg1ce"  # "50", voided
SEED_VOUCHER_EXPIRED = "demoexp5wd3jfu"  # "10%", expired yesterday
SEED_VOUCHER_LOCKED = "demolock2ps7yn"  # "50", locked by the till five minutes ago

SEED_VALIDATED_MONEY_SPENT = Decimal("349.000")


@dataclass(frozen=True)
class SeedVoucher:
    """One demo voucher, as README and the demo page list it."""

    session: str
    campaign: Campaign
    value: str
    state: SessionState
    note: str
    custom: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return f"{SESSION_URL_BASE}/{self.campaign.code}/{self.session}"


SEED_VOUCHERS: tuple[SeedVoucher, ...] = (
    SeedVoucher(SEED_VOUCHER_AMOUNT, CAMPAIGN_AMOUNT_50, "50", "claimed", "NOK 50 off"),
    SeedVoucher(SEED_VOUCHER_PERCENT, CAMPAIGN_PERCENT_10, "10%", "claimed", "10 % off"),
    SeedVoucher(
        SEED_VOUCHER_CUSTOM,
        CAMPAIGN_CUSTOM,
        "",
        "claimed",
        f"NOK 75 off, from the custom field {SEED_CUSTOM_VALUE_FIELD}",
        ((SEED_CUSTOM_VALUE_FIELD, "75,00"),),
    ),
    SeedVoucher(SEED_VOUCHER_AMOUNT_100, CAMPAIGN_AMOUNT_100, "100.00", "claimed", "NOK 100 off"),
    SeedVoucher(
        SEED_VOUCHER_MIXED_CASE,
        CAMPAIGN_AMOUNT_50,
        "50,00",
        "claimed",
        "NOK 50 off; its id has capitals",
    ),
    SeedVoucher(
        SEED_VOUCHER_VALIDATED,
        CAMPAIGN_AMOUNT_50,
        "50",
        "validated",
        "Already used two days ago (349.000 spent)",
    ),
    SeedVoucher(SEED_VOUCHER_VOIDED, CAMPAIGN_AMOUNT_50, "50", "voided", "Voided"),
    SeedVoucher(SEED_VOUCHER_EXPIRED, CAMPAIGN_PERCENT_10, "10%", "expired", "Expired yesterday"),
    SeedVoucher(
        SEED_VOUCHER_LOCKED, CAMPAIGN_AMOUNT_50, "50", "locked", "Locked by the till's checkout"
    ),
)


def empty_state() -> SandboxState:
    """The demo company, its API clients and campaigns, without sessions."""
    state = SandboxState(company=SANDBOX_COMPANY)
    for client in (
        ApiClient(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, "Web shop"),
        ApiClient(SANDBOX_TILL_CLIENT_ID, SANDBOX_TILL_CLIENT_SECRET, "Till"),
    ):
        state.clients[client.client_id] = client
    for campaign in (CAMPAIGN_AMOUNT_50, CAMPAIGN_PERCENT_10, CAMPAIGN_CUSTOM, CAMPAIGN_AMOUNT_100):
        state.campaigns[campaign.code] = Campaign(
            campaign.id, campaign.code, campaign.title, campaign.status
        )
    return state


def seed_state(now: datetime) -> SandboxState:
    state = empty_state()
    now = now.replace(microsecond=0)
    claimed = now - timedelta(days=7)
    for number, voucher in enumerate(SEED_VOUCHERS, start=1):
        session = CouponSession(
            session=voucher.session,
            campaign=state.campaigns[voucher.campaign.code],
            sequenceid=str(19878460 + number),
            created=claimed - timedelta(minutes=1),
            claimed=claimed,
            value=voucher.value,
            custom=dict(voucher.custom),
            own_validation_code=f"demo_{voucher.session[-6:]}",
            expiration=now + timedelta(days=365),
            note=voucher.note,
        )
        if voucher.state == "validated":
            session.validated = now - timedelta(days=2)
            session.money_spent = SEED_VALIDATED_MONEY_SPENT
        elif voucher.state == "voided":
            session.voided = now - timedelta(days=3)
        elif voucher.state == "expired":
            session.expiration = now - timedelta(days=1)
        elif voucher.state == "locked":
            session.locked = now - timedelta(minutes=5)
            session.locked_by = SANDBOX_TILL_CLIENT_ID
        state.add(session)
    return state


__all__ = [
    "CAMPAIGN_AMOUNT_50",
    "CAMPAIGN_AMOUNT_100",
    "CAMPAIGN_CUSTOM",
    "CAMPAIGN_PERCENT_10",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_COMPANY",
    "SANDBOX_PUBLIC_URL",
    "SANDBOX_TILL_CLIENT_ID",
    "SANDBOX_TILL_CLIENT_SECRET",
    "SEED_CUSTOM_VALUE_FIELD",
    "SEED_VALIDATED_MONEY_SPENT",
    "SEED_VOUCHERS",
    "SEED_VOUCHER_AMOUNT",
    "SEED_VOUCHER_AMOUNT_100",
    "SEED_VOUCHER_CUSTOM",
    "SEED_VOUCHER_EXPIRED",
    "SEED_VOUCHER_LOCKED",
    "SEED_VOUCHER_MIXED_CASE",
    "SEED_VOUCHER_PERCENT",
    "SEED_VOUCHER_VALIDATED",
    "SEED_VOUCHER_VOIDED",
    "SeedVoucher",
    "empty_state",
    "seed_state",
]

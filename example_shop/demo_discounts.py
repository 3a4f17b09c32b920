"""The demo's discount rules, in the Discount API's document shape, and the back office's API
client, for ``load_demo_shop``, the README and tests.

The rules belong to the demo chain's distribution chain :data:`DEMO_DIST_CHAIN`: they apply in
the demo shop, whose settings name that chain (``DISCOUNT_API['DIST_CHAIN']``), and nowhere else,
so that the test suite's baskets (which load the demo shop) keep their prices at any hour.

- ``happy-hour``: 20 % off everything on weekdays from 15:00 to 17:00, by itself (automatic).
- ``employee``: 15 % off for the shop's employees (the ``Employees`` group; the demo's staff
  user is in it), by itself.
- ``coffee-club`` and ``coffee-bonus``: 10 % and 5 kr off, applied by staff (for example on a
  phone order), combinable with each other both ways.
"""

from __future__ import annotations

from typing import Any

DEMO_DIST_CHAIN = "KB-DEMO"

# The chain's back office: an OAuth2 application for the Discount API (client credentials).
DEMO_BACKOFFICE_NAME = "Demo back office"
DEMO_BACKOFFICE_CLIENT_ID = "demo-backoffice"
DEMO_BACKOFFICE_SECRET = "demo-backoffice-secret"  # noqa: S105 (a demo's published secret)

WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
EVERY_DAY = [*WEEKDAYS, "SATURDAY", "SUNDAY"]


def _discount(
    discount_id: str,
    name: str,
    rate: int,
    kind: str,
    *,
    automatic: bool = False,
    employee: bool = False,
    combinable_with: tuple[str, ...] = (),
    days: list[str] = EVERY_DAY,
    from_time: int | None = None,
    until_time: int | None = None,
) -> dict[str, Any]:
    return {
        "discountId": discount_id,
        "name": name,
        "rate": rate,
        "type": kind,
        "properties": {
            "automatic": automatic,
            "manualRate": False,
            "employee": employee,
            "calculatedFromBasePrice": False,
            "combinableWith": list(combinable_with),
        },
        "temporalValidity": {
            "validFromDate": None,
            "validUntilDate": None,
            "validFromTime": from_time,
            "validUntilTime": until_time,
            "dayOfWeekList": days,
        },
        "locationValidity": {"stores": [], "distChains": [DEMO_DIST_CHAIN]},
    }


DEMO_DISCOUNTS: tuple[dict[str, Any], ...] = (
    _discount(
        "happy-hour",
        "Happy hour",
        2000,
        "RELATIVE",
        automatic=True,
        days=WEEKDAYS,
        from_time=1500,
        until_time=1700,
    ),
    _discount("employee", "Employee discount", 1500, "RELATIVE", automatic=True, employee=True),
    _discount("coffee-club", "Coffee club", 1000, "RELATIVE", combinable_with=("coffee-bonus",)),
    _discount("coffee-bonus", "Coffee bonus", 500, "ABSOLUTE", combinable_with=("coffee-club",)),
)

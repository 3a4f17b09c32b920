"""The demo's customers as the Diller sandbox knows them, and their shipping details, for the
example shop's README, tests and benchmarks.

Kari Nordmann (``customer@example.com``) is already a member of the loyalty club in the sandbox:
the seed member has her name and mobile number. She links her shop account at
``/loyalty/join/`` with that number and the one-time code shown on the sandbox's messages page.
Ola (``other@example.com``) is not a member.
"""

from django_diller.sandbox.seed import SEED_MEMBER_NATIONAL_PHONE, SEED_MEMBER_PHONE

DEMO_MEMBER_EMAIL = "customer@example.com"
DEMO_MEMBER_PHONE = SEED_MEMBER_PHONE  # E.164
DEMO_MEMBER_NATIONAL_PHONE = SEED_MEMBER_NATIONAL_PHONE  # as she types it on the join page

DEMO_SHIPPING_ADDRESS = {
    "first_name": "Kari",
    "last_name": "Nordmann",
    "line1": "Karl Johans gate 1",
    "line4": "Oslo",
    "postcode": "0154",
    "country": "NO",
    "phone_number": DEMO_MEMBER_PHONE,
}

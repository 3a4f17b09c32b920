"""Demo data: one Norwegian coffee shop, its club settings, and one well-stocked member.

Product ids are the EAN-13s of the example shop's catalogue (``example_shop/demo_catalogue.py``),
so the seeded coupons and stamp cards apply to real products there. Coupon dates are relative to
the sandbox clock at seed time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from .phones import PhoneNumber
from .state import (
    Consent,
    Coupon,
    Department,
    Dependent,
    InvitedFriend,
    Member,
    MembershipLevel,
    NonEligibleProduct,
    PointsSystem,
    SandboxState,
    Segment,
    SegmentAnswer,
    SegmentOption,
    StampCard,
    Store,
)

SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105  (a public demo credential)
SANDBOX_PUBLIC_URL = "https://sandbox.diller.invalid"

SEED_STORE_ID = "demo-store"
SEED_STORE_NAME = "Kaffebrenneriet Demo"
SEED_DEPARTMENT_ID = "dept-webshop"
SEED_SECOND_DEPARTMENT_ID = "dept-oslo"

SEED_MEMBER_ID = "member-demo"
SEED_MEMBER_PHONE = "+4791234567"
SEED_MEMBER_NATIONAL_PHONE = "91234567"
SEED_MEMBER_EMAIL = "demo.member@example.com"
SEED_MEMBER_IDENTIFIER = "01017012345"
SEED_MEMBER_POINTS = 1250

SEGMENT_FAVOURITE_COFFEE = 1
SEGMENT_ANNIVERSARY = 2
SEGMENT_BREW_METHOD = 3
SEGMENT_INTERESTS = 4
SEGMENT_NEAREST_SHOP = 5
SEGMENT_INTERNAL_SCORE = 6

LEVEL_BRONZE, LEVEL_SILVER, LEVEL_GOLD = 1, 2, 3

COFFEE_PRODUCT_IDS = (
    "7040110000012",
    "7040110000029",
    "7040110000036",
    "7040110000043",
    "7040110000050",
    "7040110000067",
)
TEA_PRODUCT_IDS = (
    "7040110000074",
    "7040110000081",
    "7040110000098",
    "7040110000104",
    "7040110000111",
)
BAKERY_PRODUCT_IDS = (
    "7040110000128",
    "7040110000135",
    "7040110000142",
    "7040110000159",
    "7040110000166",
)
EQUIPMENT_PRODUCT_IDS = (
    "7040110000173",
    "7040110000180",
    "7040110000197",
    "7040110000203",
    "7040110000210",
    "7040110000227",
)
GIFT_CARD_PRODUCT_IDS = ("7040110000234", "7040110000241")
CINNAMON_BUN_PRODUCT_ID = "7040110000128"

COUPON_PCT10 = "PCT10"
COUPON_FIXED50 = "FIXED50"
COUPON_SHIPFREE = "SHIPFREE"
COUPON_PCT20_COFFEE = "PCT20COFFEE"
COUPON_FIXED30_BAKERY = "FIXED30BAKERY"
COUPON_EXPIRED15 = "EXPIRED15"
COUPON_ONCE100 = "ONCE100"
COUPON_FUTURE5 = "FUTURE5"
COUPON_SHIPFREE_EQUIPMENT = "SHIPFREEGEAR"

STAMP_CARD_COFFEE = 101
STAMP_CARD_BUN = 102
STAMP_CARD_BASKET = 103

INVITATION_TOKEN_ACCEPTED = "invite-ola"  # noqa: S105
INVITATION_TOKEN_PENDING = "invite-per"  # noqa: S105


def _store() -> Store:
    return Store(
        id=SEED_STORE_ID,
        store_name=SEED_STORE_NAME,
        currency="NOK",
        time_zone="Europe/Oslo",
        culture="nb-NO",
        phone=PhoneNumber("+47", "22000000"),
        privacy_policy_url="https://example.com/privacy",
        email="post@kaffebrenneriet.example.com",
        tax_number="NO999999999MVA",
        external_id="kb-demo",
        address={
            "street": "Karl Johans gate 1",
            "city": "Oslo",
            "zip_code": "0154",
            "state": "Oslo",
            "country_code": "NO",
        },
        stamps_enabled=True,
        friend_referral_enabled=True,
        points_system=PointsSystem(
            enabled=True,
            friend_referral_points=50,
            follower_signup_points=100,
            currency_points_ratio=Decimal("1.0"),
        ),
        member_identifier_type="SSN",
        member_identifier_unique_per_country=True,
        departments=[
            Department(SEED_DEPARTMENT_ID, "Nettbutikk"),
            Department(SEED_SECOND_DEPARTMENT_ID, "Oslo sentrum"),
        ],
        segments=_segments(),
        levels=[
            MembershipLevel(LEVEL_BRONZE, "Bronze", 0),
            MembershipLevel(LEVEL_SILVER, "Silver", 1000),
            MembershipLevel(LEVEL_GOLD, "Gold", 5000),
        ],
    )


def _options(first_id: int, *texts: str) -> list[SegmentOption]:
    return [SegmentOption(first_id + index, text) for index, text in enumerate(texts)]


def _segments() -> list[Segment]:
    return [
        Segment(SEGMENT_FAVOURITE_COFFEE, "Favourite coffee", "Text", is_required=True),
        Segment(SEGMENT_ANNIVERSARY, "Wedding anniversary", "DateTime"),
        Segment(
            SEGMENT_BREW_METHOD,
            "How do you brew?",
            "Radio",
            is_required=True,
            options=_options(31, "Espresso", "Filter", "French press", "Capsules"),
        ),
        Segment(
            SEGMENT_INTERESTS,
            "Interests",
            "Checkbox",
            options=_options(41, "Tea", "Baking", "Equipment", "Events"),
        ),
        Segment(
            SEGMENT_NEAREST_SHOP,
            "Nearest shop",
            "Dropdown",
            options=_options(51, "Oslo", "Bergen", "Trondheim"),
        ),
        Segment(SEGMENT_INTERNAL_SCORE, "Internal score", "Text", is_visible_to_follower=False),
    ]


def _member(now: datetime) -> Member:
    return Member(
        id=SEED_MEMBER_ID,
        phone=PhoneNumber("+47", SEED_MEMBER_NATIONAL_PHONE),
        created_at=now - timedelta(days=400),
        first_name="Kari",
        last_name="Nordmann",
        email=SEED_MEMBER_EMAIL,
        birth_date=datetime(1970, 1, 1, tzinfo=now.tzinfo),
        gender="Female",
        address={
            "street": "Storgata 10",
            "city": "Oslo",
            "zip_code": "0184",
            "country_code": "NO",
        },
        additional_identifiers=[SEED_MEMBER_IDENTIFIER],
        consent=Consent(
            gdpr_accepted=True, save_order_history=True, receive_sms=True, receive_email=True
        ),
        department_ids=[SEED_DEPARTMENT_ID],
        segments={
            SEGMENT_FAVOURITE_COFFEE: SegmentAnswer(value="Kenya AA"),
            SEGMENT_BREW_METHOD: SegmentAnswer(selected_options=[31]),
            SEGMENT_INTERESTS: SegmentAnswer(selected_options=[42, 44]),
            SEGMENT_INTERNAL_SCORE: SegmentAnswer(value="A"),
        },
        points=SEED_MEMBER_POINTS,
        signup_points_awarded=True,
        level_id=LEVEL_SILVER,
        level_reached_at=now - timedelta(days=60),
        dependents=[Dependent(1, "Ola jr.", "2015-06-01", "Male")],
        invited_friends=[
            InvitedFriend(
                "Ola",
                "Hansen",
                "ola.hansen@example.com",
                now - timedelta(days=30),
                True,
                50,
                INVITATION_TOKEN_ACCEPTED,
            ),
            InvitedFriend(
                "Per",
                "Olsen",
                "per.olsen@example.com",
                now - timedelta(days=3),
                False,
                0,
                INVITATION_TOKEN_PENDING,
            ),
        ],
    )


def _coupons(now: datetime) -> list[Coupon]:
    start, end = now - timedelta(days=30), now + timedelta(days=90)
    owner = {SEED_MEMBER_ID}

    def coupon(cid: int, code: str, title: str, kind: str, dtype: str, value: str, **kw) -> Coupon:
        kw.setdefault("valid_from", start)
        kw.setdefault("valid_to", end)
        return Coupon(
            id=cid,
            code=code,
            title=title,
            type=kind,
            discount_type=dtype,
            discount_value=Decimal(value),
            member_ids=set(owner),
            **kw,
        )

    return [
        coupon(1, COUPON_PCT10, "10 % off your purchase", "Standard", "Percentage", "10",
               description="10 % off the whole purchase."),
        coupon(2, COUPON_FIXED50, "50 kr off", "Campaign", "Fixed", "50",
               description="50 kr off the whole purchase."),
        coupon(3, COUPON_SHIPFREE, "Free shipping", "Standard", "FreeShipping", "0",
               description="Free shipping on your next web order."),
        coupon(4, COUPON_PCT20_COFFEE, "20 % off coffee", "Campaign", "Percentage", "20",
               product_ids=list(COFFEE_PRODUCT_IDS), description="20 % off all coffee."),
        coupon(5, COUPON_FIXED30_BAKERY, "30 kr off bakery", "Standard", "Fixed", "30",
               product_ids=list(BAKERY_PRODUCT_IDS), description="30 kr off bakery goods."),
        coupon(6, COUPON_EXPIRED15, "15 % off (expired)", "Standard", "Percentage", "15",
               valid_from=now - timedelta(days=60), valid_to=now - timedelta(days=1)),
        coupon(7, COUPON_ONCE100, "100 kr off, once", "Birthday", "Fixed", "100",
               max_redemptions=1, description="A single-use birthday gift."),
        coupon(8, COUPON_FUTURE5, "5 % off (coming soon)", "Campaign", "Percentage", "5",
               valid_from=now + timedelta(days=7), valid_to=now + timedelta(days=60)),
        coupon(9, COUPON_SHIPFREE_EQUIPMENT, "Free shipping on equipment", "Campaign",
               "FreeShipping", "0", product_ids=list(EQUIPMENT_PRODUCT_IDS),
               description="Free shipping when the order holds equipment."),
    ]  # fmt: skip


def _stamp_cards(now: datetime) -> list[StampCard]:
    start, end = now - timedelta(days=365), now + timedelta(days=365)
    return [
        StampCard(
            id=STAMP_CARD_COFFEE,
            title="Every 10th coffee free",
            description="Buy nine bags of coffee, the tenth is on us.",
            required_stamps=10,
            is_restartable=True,
            valid_from=start,
            valid_to=end,
            product_ids=list(COFFEE_PRODUCT_IDS),
            last_stamp_text="Your next coffee is free!",
            stamps={SEED_MEMBER_ID: 8},
        ),
        StampCard(
            id=STAMP_CARD_BUN,
            title="Bun club",
            description="Five cinnamon buns and the fifth is free. Once only.",
            required_stamps=5,
            is_restartable=False,
            valid_from=start,
            valid_to=end,
            product_ids=[CINNAMON_BUN_PRODUCT_ID],
            last_stamp_text="Your next cinnamon bun is free!",
            stamps={SEED_MEMBER_ID: 4},
        ),
        StampCard(
            id=STAMP_CARD_BASKET,
            title="Big basket",
            description="A stamp for every purchase of 500 kr or more.",
            required_stamps=5,
            is_restartable=True,
            valid_from=start,
            valid_to=end,
            card_type="threshold",
            threshold_amount=Decimal("500"),
            stamps={SEED_MEMBER_ID: 2},
        ),
    ]


def seed_state(now: datetime) -> SandboxState:
    """A fresh state holding the demo store, with dates relative to ``now``."""
    store = _store()
    member = _member(now)
    store.members[member.id] = member
    for coupon in _coupons(now):
        store.coupons[coupon.code.upper()] = coupon
    for card in _stamp_cards(now):
        store.stamp_cards[card.id] = card
    for upc, name in zip(
        GIFT_CARD_PRODUCT_IDS, ("Gift card 500 kr", "Gift card 1000 kr"), strict=True
    ):
        product = NonEligibleProduct(
            id=store.next_non_eligible_id, product_id=upc, description=name, subsystem="webshop"
        )
        store.non_eligible[product.id] = product
        store.next_non_eligible_id += 1
    return SandboxState(stores={store.id: store})


def empty_state() -> SandboxState:
    """The demo store's settings (so the API has somewhere to live) but no members or offers."""
    store = _store()
    return SandboxState(stores={store.id: store})

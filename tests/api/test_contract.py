"""The contract test: every operation, sent by the client and answered by the sandbox.

The sandbox validates each request the client sends and each response it gives against
``diller-openapi.yaml``: a request the contract rejects fails the call (400), a response it
rejects raises ``SandboxContractError``. So one pass through all 37 operations proves both sides.
"""

from decimal import Decimal

from django_diller.api import OPERATIONS
from django_diller.api import models as m
from django_diller.openapi import operation_ids
from django_diller.sandbox.seed import SEED_DEPARTMENT_ID, SEED_MEMBER_ID

ORIGIN = m.Origin(
    system_id="django-diller", department_id=SEED_DEPARTMENT_ID, channel="OnlineStore"
)


def exercise_every_operation(client, sandbox) -> None:
    # Stores and set-up data
    stores = client.get_stores()
    client.get_store(store_id=stores[0].id)
    client.get_store_coupons(also_inactive=True)
    client.create_department(
        m.CreateDepartmentRequest(id="dept-pop-up", name="Pop-up", origin=ORIGIN)
    )
    client.get_departments()
    segments = client.get_segments()
    client.get_membership_levels()
    client.get_store_stamp_cards(also_inactive=True)

    # Members
    radio = next(s for s in segments if s.type == m.SegmentType.Radio)
    member = client.register_member(
        m.RegisterMemberRequest(
            phone=m.Phone(country_code="+47", number="41234567"),
            first_name="Ola",
            last_name="Nordmann",
            email="ola.contract@example.com",
            gender=m.Gender.Male,
            address=m.Address(street="Storgata 1", city="Oslo", zip_code="0155", country_code="NO"),
            consent=m.Consent(gdpr_accepted=True, save_order_history=True, receive_sms=False),
            department_ids=[SEED_DEPARTMENT_ID],
            origin=ORIGIN,
            segments=[
                m.SegmentValue(segment_id=1, value="Espresso"),
                m.SegmentValue(segment_id=radio.id, selected_options=[radio.options[0].id]),
            ],
        )
    )
    client.enroll_member(
        m.EnrollMemberRequest(
            phone=m.Phone(country_code="+47", number="47654321"),
            department_id=SEED_DEPARTMENT_ID,
            origin=ORIGIN,
            additional_info=m.MemberAdditionalInfo(first_name="Per"),
        )
    )
    client.search_members(phone="+4741234567")
    client.get_member(member.id)
    client.update_member(member.id, m.UpdateMemberRequest(first_name="Ole", origin=ORIGIN))
    client.send_login_otp(member.id)
    client.verify_login_otp(member.id, sandbox.last_otp(member.id))
    new_phone = m.Phone(country_code="+47", number="41239999")
    client.reset_phone(member.id, new_phone)
    client.verify_reset_phone(member.id, new_phone, sandbox.last_otp(member.id))
    client.get_widget_profile(member.id)
    client.get_dependents(member.id)
    client.update_dependents(member.id, [m.Dependent(name="Lille Ola", gender=m.Gender.Male)])
    client.get_referrals(member.id)
    client.get_invited_friends(member.id)

    # Coupons and stamp cards
    client.get_member_coupons(SEED_MEMBER_ID)
    client.validate_coupon(SEED_MEMBER_ID, "PCT10")
    reservation = m.CouponReservationRequest(
        channel="OnlineStore", external_transaction_id="100001"
    )
    client.reserve_coupon(SEED_MEMBER_ID, "PCT10", reservation)
    client.cancel_coupon_reservation(SEED_MEMBER_ID, "PCT10", "100001")
    client.get_member_stamp_cards(SEED_MEMBER_ID)
    stamp = m.StampReservationRequest(channel="OnlineStore", external_transaction_id="100001")
    client.reserve_stamp(SEED_MEMBER_ID, 101, stamp)
    client.cancel_stamp_reservation(SEED_MEMBER_ID, 101, "100001")

    # Transactions
    product = m.ProductDetail(
        external_id="7040110000012",
        sku="7040110000012",
        name="Espresso beans 500 g",
        category=m.ProductCategory(external_id="coffee", name="Coffee"),
        gtin=m.GlobalProductIdentifier(type=m.GtinType.EanGtin13, code="7040110000012"),
    )
    client.create_transaction(
        SEED_MEMBER_ID,
        m.CreateTransactionRequest(
            external_id="100001",
            total=Decimal("340.20"),
            total_tax=Decimal("44.37"),
            total_discount=Decimal("37.80"),
            currency="NOK",
            payment_details=[m.PaymentDetails(payment_method="card", sub_total=Decimal("340.20"))],
            coupon_codes=["PCT10"],
            stamp_cards=[m.StampCard(stamp_card_id=101, action="collected", count=2)],
            origin=ORIGIN,
            department_id=SEED_DEPARTMENT_ID,
            details=[
                m.TransactionDetailRequest(
                    product=product,
                    quantity=Decimal(2),
                    unit_price=Decimal("189.00"),
                    tax_percentage=Decimal(15),
                    discount=Decimal("37.80"),
                    total_price=Decimal("340.20"),
                    coupon_codes=["PCT10"],
                )
            ],
        ),
    )
    client.create_refund_transaction(
        SEED_MEMBER_ID,
        "100001",
        m.CreateRefundTransactionRequest(
            external_id="100001-R1",
            reason="Returned",
            total=Decimal("170.10"),
            total_tax=Decimal("22.19"),
            currency="NOK",
            origin=ORIGIN,
        ),
    )
    client.cancel_transaction(
        "100001", m.CancelationReason(reason="Order cancelled", origin=ORIGIN)
    )

    # Products that earn no points
    added = client.add_non_eligible_products(
        [m.AddNonEligibleProductRequest(product_id="7040110000999", description="Deposit")]
    )
    client.get_non_eligible_products(offset=0, limit=10)
    client.update_non_eligible_products(
        [m.UpdateNonEligibleProductRequest(id=added[0].id, description="Bottle deposit")]
    )
    client.delete_non_eligible_product(added[0].id)

    client.delete_member(member.id)


def test_every_operation_validates_both_ways(client, sandbox):
    exercise_every_operation(client, sandbox)
    answered = {r.operation_id for r in sandbox.requests if 200 <= r.status < 300}
    assert answered >= set(operation_ids())
    assert len(OPERATIONS) == len(set(operation_ids())) == 37
    assert all(r.status < 400 for r in sandbox.requests), [
        (r.operation_id, r.status) for r in sandbox.requests if r.status >= 400
    ]

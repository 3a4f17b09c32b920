"""Staff's voucher rules: finding a campaign's rule, its products, and its validation in admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from django_diller.coupontools.models import RuleKind, VoucherRule, rule_for

pytestmark = pytest.mark.django_db
ADD = "admin:diller_coupontools_voucherrule_add"


def rule(campaign, **fields):
    defaults = {"kind": RuleKind.AMOUNT, "value": Decimal("50")}
    return VoucherRule.objects.create(campaign=campaign, **{**defaults, **fields})


def test_rule_for_finds_the_first_active_rule_in_the_order_given():
    by_code = rule("gk50kr")
    by_id = rule("cam_7000101")
    rule("rab10p", active=False)
    assert rule_for("gk50kr", "cam_7000101") == by_code
    assert rule_for("cam_7000101", "gk50kr") == by_id
    assert rule_for(None, "", "cam_7000101") == by_id
    assert rule_for("rab10p") is None  # inactive
    assert rule_for("unknown") is None
    assert rule_for() is None and rule_for(None) is None


def test_product_ids_are_the_upcs_one_per_line_or_comma_separated():
    assert rule("a", product_upcs="7040110000012\n7040110000173, 123 ;456\n\n").product_ids == {
        "7040110000012",
        "7040110000173",
        "123",
        "456",
    }
    assert rule("b").product_ids == set()  # the whole purchase


def test_defaults_combine_with_diller_and_are_active():
    made = rule("c")
    assert made.combinable_with_diller and made.active and str(made) == "c"
    assert str(rule("d", title="Gift voucher")) == "Gift voucher"


def test_the_redeem_permission_exists():
    from django.contrib.auth.models import Permission

    assert Permission.objects.filter(
        content_type__app_label="diller_coupontools", codename="redeem_voucher"
    ).exists()


# Admin ---------------------------------------------------------------------------------------


def post_rule(admin_client, **fields):
    data = {
        "campaign": "gk50kr",
        "title": "",
        "kind": "amount",
        "value": "50",
        "product_upcs": "",
        "combinable_with_diller": "on",
        "active": "on",
        **fields,
    }
    return admin_client.post(reverse(ADD), data)


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("percentage", "150", "A percentage is more than 0 and at most 100."),
        ("percentage", "0", "A percentage is more than 0 and at most 100."),
        ("percentage", "-5", "A percentage is more than 0 and at most 100."),
        ("amount", "0", "An amount is more than 0."),
        ("amount", "-10", "An amount is more than 0."),
    ],
)
def test_admin_refuses_a_value_out_of_range(admin_client, kind, value, error):
    response = post_rule(admin_client, kind=kind, value=value)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not VoucherRule.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value"), [("percentage", "100"), ("percentage", "12.5"), ("amount", "0.01")]
)
def test_admin_takes_a_value_in_range(admin_client, kind, value):
    response = post_rule(admin_client, kind=kind, value=value)
    assert response.status_code == 302
    assert VoucherRule.objects.get().value == Decimal(value)


def test_admin_keeps_one_upc_per_line_and_the_campaign_trimmed(admin_client):
    post_rule(admin_client, campaign="  gk50kr ", product_upcs="111, 222\n\n333,111")
    saved = VoucherRule.objects.get()
    assert saved.product_upcs == "111\n222\n333"
    assert saved.campaign == "gk50kr"


def test_admin_refuses_a_second_rule_for_a_campaign(admin_client):
    rule("gk50kr")
    response = post_rule(admin_client)
    assert response.status_code == 200
    assert VoucherRule.objects.count() == 1

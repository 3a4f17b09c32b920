"""The discount admin: the API's validation, the audit log, and the basket preview page."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from django_diller.discountapi.models import Discount, DiscountAudit
from django_diller.discountapi.rules import DAYS
from tests.oscar import conftest as oscar

from .shop import EARL_GREY, basket_of, discount, make_employee

pytestmark = pytest.mark.django_db

shop, member = oscar.shop, oscar.member

ADD = reverse("admin:diller_discountapi_discount_add")
PREVIEW = reverse("admin:diller_discountapi_discount_preview")

FORM = {
    "discount_id": "d1",
    "name": "Happy hour",
    "type": "RELATIVE",
    "rate": "1500",
    "automatic": "on",
    "combinable_with": "d2, d3",
    "valid_from_date": "2020-07-04",
    "valid_until_date": "2099-12-31",
    "valid_from_time": "1600",
    "valid_until_time": "1800",
    "days_of_week": ["FRIDAY", "MONDAY"],
    "stores": "",
    "dist_chains": "NO01\nNO02",
}


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(user)
    return client


def test_adding_a_discount_is_validated_like_the_api_and_audited(staff):
    page = staff.post(ADD, {**FORM, "rate": "10001", "valid_until_time": "1860"})
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert set(errors) == {"rate", "valid_until_time"}
    assert not Discount.objects.exists() and not DiscountAudit.objects.exists()

    assert staff.post(ADD, FORM).status_code == 302
    saved = Discount.objects.get()
    assert saved.combinable_with == ["d2", "d3"]
    assert saved.days_of_week == ["MONDAY", "FRIDAY"]  # in the week's order
    assert (saved.stores, saved.dist_chains) == ([], ["NO01", "NO02"])
    entry = DiscountAudit.objects.get()
    assert (entry.discount_id, entry.action, entry.actor, entry.source) == (
        "d1",
        "created",
        "boss",
        "admin",
    )
    assert entry.before is None and entry.after["rate"] == 1500


def test_changing_and_deleting_are_audited_with_before_and_after(staff):
    saved = discount("d1", 1000)
    change = reverse("admin:diller_discountapi_discount_change", args=[saved.pk])
    assert staff.post(change, {**FORM, "rate": "2000"}).status_code == 302
    entry = DiscountAudit.objects.get(action="updated")
    assert (entry.before["rate"], entry.after["rate"], entry.actor) == (1000, 2000, "boss")

    delete = reverse("admin:diller_discountapi_discount_delete", args=[saved.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 302
    entry = DiscountAudit.objects.get(action="deleted")
    assert entry.before["rate"] == 2000 and entry.after is None and entry.source == "admin"


def test_deleting_several_from_the_list_audits_each(staff):
    first, second = discount("d1"), discount("d2")
    changelist = reverse("admin:diller_discountapi_discount_changelist")
    staff.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert sorted(
        DiscountAudit.objects.filter(action="deleted").values_list("discount_id", flat=True)
    ) == ["d1", "d2"]


def test_the_audit_log_is_read_only(staff):
    assert staff.get(reverse("admin:diller_discountapi_discountaudit_add")).status_code == 403


def test_the_list_links_to_the_preview(staff):
    page = staff.get(reverse("admin:diller_discountapi_discount_changelist"))
    assert PREVIEW in page.content.decode()


def test_the_preview_says_which_rules_apply_and_why_not_the_others(staff, shop, member):
    discount("auto", 1000)
    discount("better", 2000)
    discount("manual", 5000, automatic=False)
    discount("staff", 3000, employee=True)
    discount("store", 1000, stores=["9999"])
    hour = timezone.localtime().hour
    start, end = (hour + 2) % 24, (hour + 3) % 24
    discount("later", 1000, valid_from_time=start * 100, valid_until_time=end * 100 or 2400)
    discount("over", 1000, valid_until_date=date(2020, 1, 1))
    other_day = DAYS[(timezone.localdate().weekday() + 1) % 7]
    discount("tomorrow", 1000, days_of_week=[other_day])
    basket = basket_of(member, {EARL_GREY: 1})

    page = staff.get(PREVIEW, {"basket": basket.pk})
    assert page.status_code == 200
    verdicts = {row["rule"].discount_id: str(row["verdict"]) for row in page.context["rules"]}
    assert verdicts["better"] == "Yes"
    assert verdicts["auto"].startswith("No: a better discount")
    assert verdicts["manual"] == "No: not automatic (staff apply it)"
    assert verdicts["staff"] == "No: for employees only"
    assert verdicts["store"] == "No: for other stores"
    assert verdicts["later"] == "No: outside its time of day"
    assert verdicts["over"] == "No: outside its dates"
    assert verdicts["tomorrow"] == "No: not on this day of the week"
    assert [row["ids"] for row in page.context["lines"]] == [("better",)]
    # Amounts with their currency: the 79.00 tea, 20 % off.
    (line,) = page.context["lines"]
    assert (line["unit_price"], line["discount"]) == ("NOK79.00", "NOK15.80")

    make_employee(member)
    page = staff.get(PREVIEW, {"username": member.username})
    verdicts = {row["rule"].discount_id: str(row["verdict"]) for row in page.context["rules"]}
    assert verdicts["staff"] == "Yes"  # 30 % for an employee beats 20 %


def test_the_preview_without_a_basket_and_for_staff_only(staff, client):
    page = staff.get(PREVIEW, {"basket": 999999})
    assert page.context["message"] == "No open basket was found."
    client.logout()
    assert staff.get(PREVIEW).status_code == 302  # to the admin's login

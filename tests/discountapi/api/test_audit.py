"""Every change through the API is in the audit log: the application as actor, source "api",
the discount's document before and after; a refused call leaves no entry."""

from __future__ import annotations

import pytest

from django_diller.discountapi.models import DiscountAudit

from .conftest import APP_NAME, EXAMPLE, example

ACTOR = f"oauth:{APP_NAME}"


def entries() -> list[DiscountAudit]:
    return list(DiscountAudit.objects.order_by("id"))


def test_a_create_is_logged_with_the_document_after(api):
    api.post("/discounts", EXAMPLE)
    [entry] = entries()
    assert (entry.discount_id, entry.action, entry.actor, entry.source) == (
        "d1",
        "created",
        ACTOR,
        "api",
    )
    assert entry.before is None
    assert entry.after == EXAMPLE
    assert entry.at is not None


@pytest.mark.parametrize(
    ("method", "path", "body", "action", "after"),
    [
        ("PATCH", "/discounts/d1", {"rate": 900}, "updated", {"rate": 900}),
        (
            "POST",
            "/discounts/d1/combinableWith",
            {"combinableWith": ["d4"]},
            "combinable added",
            {"properties": {**EXAMPLE["properties"], "combinableWith": ["d2", "d3", "d4"]}},
        ),
        (
            "DELETE",
            "/discounts/d1/combinableWith/d3",
            None,
            "combinable removed",
            {"properties": {**EXAMPLE["properties"], "combinableWith": ["d2"]}},
        ),
        (
            "POST",
            "/discounts/d1/stores",
            {"stores": ["1"]},
            "stores added",
            {"locationValidity": {"stores": ["9999", "1"], "distChains": ["DE01"]}},
        ),
        (
            "DELETE",
            "/discounts/d1/stores/9999",
            None,
            "store removed",
            {"locationValidity": {"stores": [], "distChains": ["DE01"]}},
        ),
        (
            "POST",
            "/discounts/d1/distchains",
            {"distChains": ["DE02"]},
            "dist chains added",
            {"locationValidity": {"stores": ["9999"], "distChains": ["DE01", "DE02"]}},
        ),
        (
            "DELETE",
            "/discounts/d1/distchains/DE01",
            None,
            "dist chain removed",
            {"locationValidity": {"stores": ["9999"], "distChains": []}},
        ),
    ],
)
def test_each_change_is_logged_with_before_and_after(
    api, created, method, path, body, action, after
):
    api.call(method, path, body)
    _created, entry = entries()
    assert (entry.discount_id, entry.action, entry.actor, entry.source) == (
        "d1",
        action,
        ACTOR,
        "api",
    )
    assert entry.before == EXAMPLE
    assert entry.after == {**EXAMPLE, **after}


def test_a_delete_is_logged_with_the_document_before(api, created):
    api.delete("/discounts/d1")
    _created, entry = entries()
    assert (entry.action, entry.before, entry.after) == ("deleted", EXAMPLE, None)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/discounts", EXAMPLE),  # taken
        ("POST", "/discounts", example(discountId="d2", rate=-5)),
        ("PATCH", "/discounts/d1", {"rate": 20000}),
        ("PATCH", "/discounts/nope", {"rate": 1}),
        ("DELETE", "/discounts/d1/stores/nope", None),
        ("GET", "/discounts/d1", None),
    ],
)
def test_refused_calls_and_reads_leave_no_entry(api, created, method, path, body):
    api.call(method, path, body)
    assert [entry.action for entry in entries()] == ["created"]

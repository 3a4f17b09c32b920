"""The client's operation table agrees with the contract, operation by operation."""

from __future__ import annotations

import pytest

from django_diller.coupontools.api import OPERATIONS
from django_diller.coupontools.api import models as m
from django_diller.coupontools.openapi import load_spec, operation_ids

SPEC = load_spec()
ANSWERS = {
    "#/components/schemas/SessionAnswer": m.CouponSession,
    "#/components/schemas/UpdateAnswer": m.UpdateResult,
}


def _spec_operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            yield operation["operationId"], method.upper(), path, operation


def test_every_operation_of_the_contract_is_in_the_table_and_no_more():
    assert sorted(OPERATIONS) == sorted(operation_ids())


@pytest.mark.parametrize(("operation_id", "method", "path", "spec_op"), list(_spec_operations()))
def test_method_path_and_answer_type_match(operation_id, method, path, spec_op):
    op = OPERATIONS[operation_id]
    assert (op.method, op.path) == (method, path)
    schema = spec_op["responses"]["200"]["content"]["application/json"]["schema"]
    success = [s["$ref"] for s in schema["oneOf"] if s["$ref"] in ANSWERS]
    assert [ANSWERS[ref] for ref in success] == [op.response]


def test_only_the_look_up_is_idempotent():
    assert {op.operation_id: op.idempotent for op in OPERATIONS.values()} == {
        "couponsession_data": True,
        "couponsession_update": False,
    }

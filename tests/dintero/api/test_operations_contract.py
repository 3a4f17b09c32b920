"""The client's operation table agrees with the contract, operation by operation."""

from __future__ import annotations

import pytest

from django_diller.dintero.api import OPERATIONS
from django_diller.dintero.api import models as m
from django_diller.dintero.openapi import load_spec, operation_ids

SPEC = load_spec()


def _spec_operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"], method.upper(), path, operation


def test_every_operation_of_the_contract_is_in_the_table_and_no_more():
    assert sorted(OPERATIONS) == sorted(operation_ids())


ANSWER_TYPES = {
    "#/components/schemas/Receipt": m.Receipt,
    "#/components/schemas/AccessToken": m.TokenResponse,
}
INLINE_ANSWERS = {
    "aid_receipts_post": m.CreateReceiptsResponse,
    "aid_receipts_rid_get": m.ReceiptCollection,
    "aid_receipts_customers_cid_get": m.CustomerReceipts,
    "aid_receipts_customer_segment_post": m.SegmentResponse,
}


@pytest.mark.parametrize(("operation_id", "method", "path", "spec_op"), list(_spec_operations()))
def test_method_path_and_answer_type_match(operation_id, method, path, spec_op):
    op = OPERATIONS[operation_id]
    assert (op.method, op.path) == (method, path)
    schema = spec_op["responses"]["200"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    expected = ANSWER_TYPES[ref] if ref else INLINE_ANSWERS[operation_id]
    assert op.response is expected


def test_only_reads_are_idempotent():
    writes = {
        "aid_receipts_post",
        "aid_receipts_update_put",
        "aid_receipts_customers_cid_rid_change_customer_id_post",
        "aid_receipts_receipt_token_post",
    }
    for op in OPERATIONS.values():
        assert op.idempotent is (op.operation_id not in writes), op.operation_id

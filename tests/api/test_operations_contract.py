"""The client's operation table agrees with the contract, operation by operation."""

import pytest

from django_diller.api import OPERATIONS
from django_diller.api import models as m
from django_diller.openapi import load_spec, operation_ids

SPEC = load_spec()


def _spec_operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"], method.upper(), path, operation


def test_every_operation_of_the_contract_is_in_the_table_and_no_more():
    assert sorted(OPERATIONS) == sorted(operation_ids())
    assert len(OPERATIONS) == 37


@pytest.mark.parametrize(("operation_id", "method", "path", "spec_op"), list(_spec_operations()))
def test_method_path_and_answer_type_match(operation_id, method, path, spec_op):
    op = OPERATIONS[operation_id]
    assert (op.method, op.path) == (method, path)
    content = spec_op["responses"]["200"].get("content")
    if content is None:
        assert op.response is None
        return
    schema = content["application/json"]["schema"]
    if schema.get("type") == "array":
        item_name = schema["items"]["$ref"].rsplit("/", 1)[-1]
        assert op.response == list[getattr(m, item_name)]
    else:
        assert op.response is getattr(m, schema["$ref"].rsplit("/", 1)[-1])


def test_only_reads_and_keyed_writes_are_idempotent():
    never_repeat = {
        "createTransaction",
        "createRefundTransaction",
        "cancelTransaction",
        "registerMember",
        "enrollMember",
        "loginOTP",
        "loginOtpVerification",
        "resetPhone",
        "resetPhoneVerification",
        "createDepartment",
        "addBatchNonEligibleProducts",
    }
    for operation_id in never_repeat:
        assert not OPERATIONS[operation_id].idempotent, operation_id
    for op in OPERATIONS.values():
        if op.method == "GET":
            assert op.idempotent, op.operation_id

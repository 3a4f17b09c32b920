"""Which of Diller's answers to a resent keyed write mean "I already have it".

The contract answers every transaction endpoint with HTTP 200 ``ActionResponse`` or problem
details for any other status, so a repeat may come back as a refusal text, a 409 Conflict or a
400 problem naming the id. Each counts; a refusal or validation error about anything else must
not (the entry would be marked sent while Diller never applied it).
"""

import pytest

from django_diller.api import (
    DillerNotFound,
    DillerRefused,
    DillerUnavailable,
    DillerValidationError,
)
from django_diller.loyalty.transactions import is_already_cancelled, is_duplicate

OWN_ID = "1000023"
VALIDATION_TITLE = "One or more validation errors occurred."


def problem(status, detail=None, errors=None, title=None):
    default = {400: VALIDATION_TITLE, 409: "Conflict", 422: "Unprocessable Entity"}
    return DillerValidationError(
        f"HTTP {status}",
        operation="createTransaction",
        status=status,
        title=title or default[status],
        detail=detail,
        field_errors=errors,
    )


@pytest.mark.parametrize(
    "answer",
    [
        DillerRefused("Duplicate external_id: a transaction with this external_id already exists."),
        DillerRefused("A refund with this external id already exists."),
        DillerRefused(f"Transaction {OWN_ID} already exists."),
        DillerRefused("Duplicate transaction."),
        problem(409, "Duplicate external_id: a transaction with this external_id already exists."),
        problem(409),  # a bare Conflict on a keyed create: the key is what conflicts
        problem(409, "Conflict"),
        problem(409, "Already exists."),
        problem(409, None, {"external_id": ["Conflict."]}),
        problem(400, "external_id: taken", {"external_id": ["This external_id already exists."]}),
        problem(400, None, {"ExternalId": ["Must be unique."]}),
        problem(400, None, {"$.external_id": ["Duplicate value."]}),
        problem(400, None, {"request.externalId": ["Already exists."]}),
        problem(400, "A transaction with ExternalId 1000023 already exists."),
        problem(400, None, {"": ["Duplicate external_id."]}),
        problem(422, f"Transaction {OWN_ID} has already been registered."),
    ],
)
def test_answers_saying_our_id_exists_count_as_received(answer):
    assert is_duplicate(answer, OWN_ID)


@pytest.mark.parametrize(
    "answer",
    [
        DillerRefused("Store is closed"),
        DillerRefused("Duplicate coupon code in the request."),
        DillerRefused("Coupon has already been used the maximum number of times."),
        DillerRefused("The member has not accepted the terms (GDPR)."),
        DillerRefused("Transaction 1000023 is cancelled."),
        DillerRefused(f"No transaction exists with external_id {OWN_ID}."),
        DillerRefused("The transaction to refund no longer exists."),
        DillerRefused("No refund exists for this external_id yet."),
        DillerRefused("Coupon code must be unique per transaction id."),
        problem(400, f"No transaction exists with external_id {OWN_ID}."),
        problem(400, "total: This field is required.", {"total": ["This field is required."]}),
        problem(400, None, {"external_id": ["The external_id field is required."]}),
        problem(400, None, {"external_id": ["Already exists."], "total": ["Must be a number."]}),
        problem(400, "Duplicate coupon code."),
        problem(409, None, {"details[0].product.external_id": ["Already exists."]}),
        problem(400, None, {"request.total": ["Duplicate value."]}),
        problem(400),
        problem(409, "Transaction 1000023 is cancelled."),  # a refund of a cancelled one
        problem(409, None, {"coupon_codes": ["The coupon is reserved for another order."]}),
        problem(409, "Conflict", {"": ["The member is being merged."]}),
        DillerNotFound("HTTP 404", status=404, title="Not Found", detail="Member not found"),
        DillerUnavailable("HTTP 503", status=503),
    ],
)
def test_other_refusals_and_validation_errors_do_not(answer):
    assert not is_duplicate(answer, OWN_ID)


def test_our_id_is_matched_whole_not_as_part_of_another():
    assert not is_duplicate(DillerRefused("Coupon 1000023X exists."), OWN_ID)
    assert is_duplicate(DillerRefused("Record 1000023 exists."), OWN_ID)


@pytest.mark.parametrize(
    "answer",
    [
        DillerRefused("Transaction 1000023 is already cancelled."),
        DillerRefused("The transaction has already been canceled."),
        problem(409, "Transaction 1000023 is already cancelled."),
        problem(409),
        problem(400, None, {"externalTransactionId": ["Transaction 1000023 was cancelled."]}),
        problem(409, None, {"externalTransactionId": ["Conflict."]}),
    ],
)
def test_a_second_cancel_counts_when_diller_says_it_is_cancelled(answer):
    assert is_already_cancelled(answer)


@pytest.mark.parametrize(
    "answer",
    [
        DillerRefused("Store is closed"),
        DillerRefused("The transaction cannot be cancelled after 90 days."),
        DillerRefused("Transaction 1000023 was not cancelled: it has refunds."),
        problem(400, None, {"reason": ["Too long."]}),
        problem(409, "The transaction has refunds."),
        problem(400),
        DillerNotFound("HTTP 404", status=404, title="Not Found"),
    ],
)
def test_other_answers_to_a_cancel_do_not(answer):
    assert not is_already_cancelled(answer)

"""What staff read of a failed call on the set-up page and in the management commands."""

from django_diller.api import DillerRefused, DillerUnavailable
from django_diller.staff.setup import describe_error


def test_staff_read_dillers_reason_for_a_refusal_which_the_message_leaves_out():
    refusal = DillerRefused("Store is closed", operation="getStore")
    assert "Store is closed" not in str(refusal)  # the message reaches logs
    assert describe_error(refusal) == "getStore: refused: Store is closed"


def test_an_outage_is_said_with_its_reason():
    said = describe_error(DillerUnavailable("HTTP 503", operation="getStore"))
    assert said == "Diller could not be reached: getStore: HTTP 503"

"""The demo shop's checkout: Oscar's, with a payment step that takes a pretend card payment.

No card details are asked for. When the order is placed, ``handle_payment`` records what a real
payment gateway integration would record after capturing the money: a payment ``Source`` of
type "Demo card" with the whole total allocated and debited (plus its "Debit" transaction), and a
"Settled" ``PaymentEvent``.
Oscar saves both against the order once it exists.
"""

from oscar.apps.checkout import views
from oscar.core.loading import get_model

from django_diller.contrib.oscar.checkout import DillerCheckoutMixin, DillerPaymentMethodMixin

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")

DEMO_SOURCE_TYPE_CODE = "demo-card"
DEMO_SOURCE_TYPE_NAME = "Demo card"
SETTLED = "Settled"


def demo_reference(order_number: str) -> str:
    return f"DEMO-{order_number}"


class PaymentMethodView(DillerPaymentMethodMixin, views.PaymentMethodView):
    """With ``DILLER['COUPON_CHOICE'] = "step"``, members pass the coupon step on their way to
    payment; by default they choose their coupons on the payment details page."""


class PaymentDetailsView(DillerCheckoutMixin, views.PaymentDetailsView):
    def handle_payment(self, order_number, total, **kwargs):
        """Record a settled payment of ``total.incl_tax`` (also for a zero total)."""
        source_type, _created = SourceType.objects.get_or_create(
            code=DEMO_SOURCE_TYPE_CODE, defaults={"name": DEMO_SOURCE_TYPE_NAME}
        )
        reference = demo_reference(order_number)
        source = Source(
            source_type=source_type,
            currency=total.currency,
            amount_allocated=total.incl_tax,
            amount_debited=total.incl_tax,
            reference=reference,
            label="Demo card",
        )
        # The source cannot be saved before the order exists; Oscar saves this debit with it.
        source.create_deferred_transaction(
            Transaction.DEBIT, total.incl_tax, reference=reference, status=SETTLED
        )
        self.add_payment_source(source)
        self.add_payment_event(SETTLED, total.incl_tax, reference=reference)

"""A Dintero receipt as the pages show it: minor units to exact money in the page's language,
the lines with their discounts, the totals, the tax and the payments, a return's in negative."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from django_diller.dintero.api import models as wire
from django_diller.dintero.display import detail_of, newest_first, summary_of
from django_diller.dintero.money import Money
from django_diller.dintero.receipts import receipt

from .conftest import at, espresso_receipt


@pytest.mark.parametrize(
    ("units", "currency", "amount"),
    [(12900, "NOK", "129.00"), (-505, "sek", "-5.05"), (1234, "ISK", "1234"), (7, "XYZ", "0.07")],
)
def test_minor_units_become_exact_decimals_in_the_currency_s_unit(units, currency, amount):
    money = Money.of_minor(units, currency)
    assert money.amount == Decimal(amount) and str(money.amount) == amount
    assert isinstance(money.amount, Decimal) and money.currency == currency.upper()


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "NOK1,234.50"), ("nb", "1\xa0234,50\xa0kr"), ("sv", "1\xa0234,50\xa0Nkr")],
)
def test_money_is_written_with_its_currency_in_the_page_s_language(language, shown):
    with translation.override(language):
        assert str(Money.of_minor(123450, "NOK")) == shown


def test_without_babel_the_amount_is_localised_and_the_currency_code_follows(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_babel(name, *args, **kwargs):
        if name.startswith("babel"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_babel)
    with translation.override("nb"):
        assert str(Money.of_minor(12950, "NOK")) == "129,50 NOK"


def test_a_receipt_shows_its_lines_discounts_totals_tax_and_payments():
    body = receipt(espresso_receipt("100001", at(1), "m-1", discount="25.80"))
    shown = detail_of(wire.Receipt.model_validate({**body, "id": "uuid-1"}))
    assert (shown.ref, shown.number, shown.order_number) == ("uuid-1", "100001", "100001")
    assert shown.store == "Kaffebrenneriet Web" and shown.currency == "NOK"
    (line,) = shown.lines
    assert line.description == "Espresso beans 500 g" and line.quantity == 2
    assert line.unit_price == Money(Decimal("129.00"), "NOK")
    assert line.gross == Money(Decimal("258.00"), "NOK")
    assert line.net == Money(Decimal("232.20"), "NOK")
    (discount,) = line.discounts
    assert discount.description == "10 % off coffee"
    assert discount.amount == Money(Decimal("25.80"), "NOK")
    assert discount.shown == Money(Decimal("-25.80"), "NOK")
    assert [(d.description, d.amount.amount) for d in shown.discounts] == [
        ("10 % off coffee", Decimal("25.80"))
    ]
    assert shown.gross.amount == Decimal("258.00")
    assert shown.total_discount.amount == Decimal("25.80")
    assert shown.total.amount == Decimal("232.20") and not shown.due
    (tax,) = shown.tax
    assert tax.percentage == 25 and tax.amount.amount == Decimal("46.44")
    assert [(p.description, p.amount.amount) for p in shown.payments] == [
        ("Card", Decimal("232.20"))
    ]
    assert not shown.is_return


def test_a_return_s_receipt_is_shown_in_negative_amounts():
    whole = espresso_receipt("100002", at(2), None)
    body = receipt(whole.returned({"1": 1}, receipt_id="100002-RET-pe1", at=at(3)))
    shown = detail_of(wire.Receipt.model_validate(body))
    assert shown.is_return and shown.lines[0].is_return
    assert shown.ref == "100002-RET-pe1"  # no id from Dintero: the shop's number
    assert shown.total.amount == Decimal("-129.00") and shown.lines[0].quantity == -1


def test_the_list_is_newest_first_whatever_order_dintero_answers_in():
    def minimal(ref, day):
        return wire.ReceiptMinimal.model_validate(
            {"id": ref, "purchase_at": at(day).isoformat(), "net_amount": 100, "currency": "NOK"}
        )

    undated = wire.ReceiptMinimal.model_validate({"id": "undated"})
    rows = newest_first([summary_of(r) for r in [minimal("a", 1), undated, minimal("c", 3)]])
    assert [row.ref for row in rows] == ["c", "a", "undated"]
    assert rows[0].total == Money(Decimal("1.00"), "NOK") and rows[0].number == ""

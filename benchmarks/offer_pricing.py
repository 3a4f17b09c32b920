"""What each of the plugin's site offers costs one pricing of a member's basket.

    .venv/bin/python benchmarks/offer_pricing.py [--repeat 300]

The member's checkout of ``checkout_overhead.py`` is run up to the preview (2 espressos, the
coupon ``PCT10`` ticked, the wallet prefetched), then Oscar's ``Applicator.apply`` prices that
basket ``--repeat`` times per configuration of the three site offers (all open, each one alone,
none). The basket is read again before each pricing and its lines loaded, untimed, as the
request's middleware does, so the figure is the offers' own work: the first offer that prices a
line also reads the lines' prices, which a shop without open offers reads later, in its
templates: the last row measures that reading alone, after a pricing with no offer open.
Median ms per pricing.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.checkout_overhead import PLUGIN_OFFERS, Checkout, configure, setup_django


class StopBeforePlacing(Exception):
    """Raised to end the checkout after the preview."""


def basket_after_the_preview():
    """The member's basket as the preview left it (coupons ticked, snapshot kept)."""
    from oscar.core.loading import get_model

    configure(member=True)
    checkout = Checkout(member=True)
    timed = checkout._timed

    def until_the_preview(step, method, url, data=None):
        if step == "place order":
            raise StopBeforePlacing
        return timed(step, method, url, data)

    checkout._timed = until_the_preview  # type: ignore[method-assign]
    with contextlib.suppress(StopBeforePlacing):
        checkout.run()
    basket = get_model("basket", "Basket").objects.filter(owner=checkout.user, status="Open")
    return checkout.user, basket.latest("id").pk


def pricing_ms(user, basket_id: int, repeat: int, read_prices: bool = False) -> tuple[float, str]:
    """Median ms of one ``Applicator.apply`` (and then, with ``read_prices``, each line's
    price read, as the first offer that prices a line does), and the basket's total."""
    from django.test import RequestFactory
    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_class, get_model

    basket_model = get_model("basket", "Basket")
    applicator = get_class("offer.applicator", "Applicator")
    request = RequestFactory().get("/")
    request.user = user
    seen, total = [], ""
    for _ in range(repeat):
        basket = basket_model.objects.get(pk=basket_id)
        basket.strategy = Default(request)
        list(basket.all_lines())
        start = time.perf_counter()
        applicator().apply(basket, user, request)
        if read_prices:
            for line in basket.all_lines():
                line.unit_effective_price  # noqa: B018 (read for its cost)
        seen.append(time.perf_counter() - start)
        total = str(basket.total_incl_tax)
    return statistics.median(seen) * 1000, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="pricings per configuration")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "shop.sqlite3"))
        from oscar.core.loading import get_model

        offers = get_model("offer", "ConditionalOffer").objects.filter(slug__in=PLUGIN_OFFERS)
        user, basket_id = basket_after_the_preview()
        configurations = [("all three", PLUGIN_OFFERS)]
        configurations += [(f"only {slug}", [slug]) for slug in PLUGIN_OFFERS]
        configurations += [("none", []), ("none, then the lines' prices read", [])]
        print(f"\nOne pricing of the member's basket, median of {args.repeat} (ms)\n")
        print("| Site offers open | ms | Basket total |")
        print("| --- | ---: | ---: |")
        for label, open_slugs in configurations:
            offers.update(status="Suspended")
            offers.filter(slug__in=open_slugs).update(status="Open")
            ms, total = pricing_ms(user, basket_id, args.repeat, read_prices="prices" in label)
            print(f"| {label} | {ms:.2f} | {total} |")


if __name__ == "__main__":
    main()

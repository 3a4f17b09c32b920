"""What each of the plugin's site offers costs one pricing of a member's basket.

    .venv/bin/python benchmarks/offer_pricing.py [--repeat 300] [--profile diller-loyalty]

The member's checkout of ``checkout_overhead.py`` is run up to the preview (2 espressos, the
coupon ``PCT10`` ticked, the wallet prefetched), then Oscar's ``Applicator.apply`` prices that
basket ``--repeat`` times per configuration of the three site offers (all open, each one alone,
none). The basket is read again before each pricing and its lines loaded, untimed, as the
request's middleware does, so the figure is the offers' own work: the first offer that prices a
line also reads the lines' prices, which a shop without open offers reads later, in its
templates: the last row measures that reading alone, after a pricing with no offer open.
Median ms per pricing.

``--profile SLUG`` instead prices the basket with only that site offer open under cProfile and
prints where the pricings' time went: Oscar's ``Applicator.apply`` in all, the plugin's own
functions, and the lines' prices and shipping read inside them (work the plain shop does too).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
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


# Functions of the profile whose cumulative seconds the --profile table prints: (label, file,
# function name). The last two run inside the loyalty offer, reading what the plain shop reads
# too.
PROFILED = (
    ("Oscar's Applicator.apply, in all", "oscar/apps/offer/applicator.py", "apply"),
    ("the loyalty offer's condition", "django_diller/contrib/oscar/offers.py", "is_satisfied"),
    ("the loyalty offer's benefit", "django_diller/contrib/oscar/offers.py", "apply"),
    ("the lines' prices read (Oscar)", "oscar/apps/basket/abstract_models.py", "purchase_info"),
    (
        "the basket's shipping required? (Oscar)",
        "oscar/apps/basket/abstract_models.py",
        "is_shipping_required",
    ),
)


def profile(user, basket_id: int, repeat: int) -> None:
    """Print the cumulative ms per pricing of :data:`PROFILED` under cProfile."""
    profiler = cProfile.Profile()
    profiler.runcall(pricing_ms, user, basket_id, repeat)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    print(f"\nUnder cProfile, ms per pricing (cumulative, {repeat} pricings)\n")
    print("| Part | ms |")
    print("| --- | ---: |")
    for label, file, name in PROFILED:
        seconds = sum(
            cumulative
            for (path, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items()
            if function == name and path.replace("\\", "/").endswith(file)
        )
        print(f"| {label} | {seconds * 1000 / repeat:.2f} |")


def open_only(offers, slugs: list[str]) -> None:
    """Of the plugin's site offers ``offers``, open those of ``slugs`` and suspend the rest."""
    offers.update(status="Suspended")
    offers.filter(slug__in=slugs).update(status="Open")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="pricings per configuration")
    parser.add_argument(
        "--profile", metavar="SLUG", help="profile the pricing with only this site offer open"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "shop.sqlite3"))
        from oscar.core.loading import get_model

        offers = get_model("offer", "ConditionalOffer").objects.filter(slug__in=PLUGIN_OFFERS)
        user, basket_id = basket_after_the_preview()
        if args.profile:
            open_only(offers, [args.profile])
            profile(user, basket_id, args.repeat)
            return
        configurations = [("all three", PLUGIN_OFFERS)]
        configurations += [(f"only {slug}", [slug]) for slug in PLUGIN_OFFERS]
        configurations += [("none", []), ("none, then the lines' prices read", [])]
        print(f"\nOne pricing of the member's basket, median of {args.repeat} (ms)\n")
        print("| Site offers open | ms | Basket total |")
        print("| --- | ---: | ---: |")
        for label, open_slugs in configurations:
            open_only(offers, open_slugs)
            ms, total = pricing_ms(user, basket_id, args.repeat, read_prices="prices" in label)
            print(f"| {label} | {ms:.2f} | {total} |")


if __name__ == "__main__":
    main()

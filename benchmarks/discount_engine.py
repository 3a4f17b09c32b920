"""Median time to plan the discounts of a 500-line basket with 20 coupons and 5 stamp cards.

    .venv/bin/python benchmarks/discount_engine.py [--lines 500] [--coupons 20] [--cards 5]
        [--repeat 50] [--curve]

``--curve`` prints how the time grows: the median for 125, 250, 500 and 1,000 lines (with
``--coupons`` coupons), then for 5, 10, 20 and 40 coupons (with ``--lines`` lines), each with
its ratio to the one before (a linear engine stays at or under 2.0 per doubling).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_diller.discounts import (
    BasketLine,
    CouponOffer,
    DiscountKind,
    DiscountPlan,
    StampCardOffer,
    plan_discounts,
)

KINDS = (DiscountKind.PERCENTAGE, DiscountKind.FIXED, DiscountKind.FREE_SHIPPING)
CURVE_LINES = (125, 250, 500, 1000)
CURVE_COUPONS = (5, 10, 20, 40)


def make_basket(lines: int, coupons: int, cards: int, seed: int = 7):
    rng = random.Random(seed)
    products = [f"P{n:04d}" for n in range(200)]
    basket = [
        BasketLine(
            line_id=str(n),
            product_id=rng.choice(products),
            quantity=rng.randint(1, 4),
            unit_price=Decimal(rng.randint(500, 90_000)) / 100,
            shop_discount=Decimal("5.00") if rng.random() < 0.1 else Decimal(0),
        )
        for n in range(lines)
    ]
    offers = [
        CouponOffer(
            code=f"C{n:02d}",
            kind=KINDS[n % 3],
            value=Decimal(rng.randint(5, 30)) if n % 3 == 0 else Decimal(rng.randint(20, 200)),
            product_ids=frozenset(rng.sample(products, 20)) if n % 2 else frozenset(),
            chosen=True,
        )
        for n in range(coupons)
    ]
    stamp_cards = [
        StampCardOffer(
            card_id=n + 1,
            required_stamps=rng.randint(5, 10),
            stamps_collected=rng.randint(0, 4),
            product_ids=frozenset(rng.sample(products, 30)),
            is_restartable=n % 2 == 0,
        )
        for n in range(cards)
    ]
    return basket, offers, stamp_cards


def timed(lines: int, coupons: int, cards: int, repeat: int) -> tuple[list[float], DiscountPlan]:
    """Seconds per plan of the basket, ``repeat`` times, and the plan."""
    basket, offers, stamp_cards = make_basket(lines, coupons, cards)
    now = datetime.now(UTC)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        plan = plan_discounts(basket, offers, stamp_cards, now=now, shipping_charge=Decimal(49))
        timings.append(time.perf_counter() - started)
    return timings, plan


def print_curve(args: argparse.Namespace) -> None:
    series = [
        ("lines", [(n, args.coupons) for n in CURVE_LINES]),
        ("coupons", [(args.lines, n) for n in CURVE_COUPONS]),
    ]
    for varied, sizes in series:
        print(f"{'lines':>6} {'coupons':>8} {'cards':>6} {'median ms':>10} {'x previous':>11}")
        previous = None
        for lines, coupons in sizes:
            timings, _ = timed(lines, coupons, args.cards, args.repeat)
            ms = statistics.median(timings) * 1000
            ratio = f"{ms / previous:.2f}" if previous else "-"
            print(f"{lines:>6} {coupons:>8} {args.cards:>6} {ms:>10.2f} {ratio:>11}")
            previous = ms
        print(f"(varying {varied})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--coupons", type=int, default=20)
    parser.add_argument("--cards", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--curve", action="store_true", help="print the time as sizes double")
    args = parser.parse_args()
    if args.curve:
        print_curve(args)
        return
    timings, plan = timed(args.lines, args.coupons, args.cards, args.repeat)
    print(f"lines x coupons x cards  {args.lines} x {args.coupons} x {args.cards}")
    print(f"plans timed              {args.repeat}")
    print(f"median ms per plan       {statistics.median(timings) * 1000:.2f}")
    print(f"p95 ms per plan          {sorted(timings)[int(len(timings) * 0.95) - 1] * 1000:.2f}")
    applied = len(plan.coupon_amounts)
    print(f"coupons applied          {applied} (+ free shipping: {plan.shipping_coupon})")
    print(f"loyalty discount         {plan.loyalty_discount} of {plan.total_before}")


if __name__ == "__main__":
    main()

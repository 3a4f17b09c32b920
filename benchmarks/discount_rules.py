"""Median time to price a 500-line basket with 200 active discount rules.

    .venv/bin/python benchmarks/discount_rules.py [--lines 500] [--rules 200] [--repeat 50]

Each run does what a basket's pricing does: prepare the rules once (the sets that may combine,
:func:`~django_diller.discountapi.rules.prepare_rules`), then price every line with them. A
third of the rules are absolute, a third relative, a third relative from the base price; one
in five lists a neighbour both ways (combinable pairs), one in ten only one way.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_diller.discountapi.rules import ABSOLUTE, RELATIVE, Rule, prepare_rules


def make_rules(count: int, seed: int = 11) -> list[Rule]:
    rng = random.Random(seed)
    rules = []
    for n in range(count):
        partner = f"R{n + 1 if n % 2 == 0 else n - 1:03d}"
        if n % 5 in (0, 1):
            combinable = frozenset({partner})  # a pair listing each other
        elif n % 10 == 2:
            combinable = frozenset({f"R{(n + 3) % count:03d}"})  # one way only
        else:
            combinable = frozenset()
        kind = n % 3
        rules.append(
            Rule(
                discount_id=f"R{n:03d}",
                rate=rng.randint(100, 3000) if kind else rng.randint(100, 5000),
                type=ABSOLUTE if kind == 0 else RELATIVE,
                calculated_from_base_price=kind == 2,
                automatic=True,
                combinable_with=combinable,
            )
        )
    return rules


def make_lines(count: int, seed: int = 7) -> list[tuple[Decimal, int]]:
    rng = random.Random(seed)
    return [(Decimal(rng.randint(500, 90_000)) / 100, rng.randint(1, 4)) for _ in range(count)]


def price_basket(rules: list[Rule], lines: list[tuple[Decimal, int]]) -> Decimal:
    prepared = prepare_rules(rules)
    return sum((prepared.price_line(price, qty).discount for price, qty in lines), Decimal(0))


def median_ms(rules: list[Rule], lines: list[tuple[Decimal, int]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        price_basket(rules, lines)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    rules, lines = make_rules(args.rules), make_lines(args.lines)
    median = median_ms(rules, lines, args.repeat)
    prepared = prepare_rules(rules)
    print(
        f"discount rules: {args.lines} lines x {args.rules} rules "
        f"({len(prepared.candidates)} candidate sets after pruning): "
        f"median {median:.2f} ms over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()

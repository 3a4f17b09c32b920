"""The discounts of one basket line, by the Discount API's rules.

**Combinability, both ways.** Two discounts go together on one product only if *each* lists the
other in ``combinable_with``. The document says of each discount that it "cannot be applied
along other ones in the same product if they are not contained in this list"; applying A and B
together applies A along B and B along A, so the sentence, read for each of the two, asks both
lists. A one-way listing combines nothing.

**The best set.** The discounts that may apply to a line form sets in which every two
combine; the shopper gets the set that takes the most off. Adding a discount to a set never
takes less off (see the order below), so only the largest such sets (the maximal cliques of the
"combines with" graph) are candidates. They are found once per basket (:func:`prepare_rules`)
and only the ones no other beats at every price are kept, so a line compares a few.

**The order inside a set.** The ``ABSOLUTE`` discounts first (their amounts per unit, added
up), then the ``RELATIVE`` ones, each its rate of the price left by all before it (so their
order among themselves does not matter), and last the ``RELATIVE`` ones with
``calculated_from_base_price``, each its rate of the base price, whatever came before. A
unit's price never goes below zero:

    left = max((base - Σ absolute amounts) x Π (1 - rate) - base x Σ from-base rates, 0)

**Money.** Exact ``Decimal`` arithmetic throughout; the line's discount is rounded once, half
up, to the currency's minor unit (``currency_exponent``: 2 for cents), and is never more than
the line's price (also rounded once). A zero or negative price takes no discount.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .model import ABSOLUTE, RELATIVE, Rule

ZERO = Decimal(0)
ONE = Decimal(1)
RATE_SCALE = Decimal(10000)  # RELATIVE rates are in 1/100 of a percent
# Beyond this many candidate sets (a combinability graph built to be pathological), the search
# stops; every single discount is still a candidate, so none is ever worth more than the pick.
MAX_SETS = 2000


@dataclass(frozen=True, slots=True)
class LinePrice:
    """One line priced: ``gross`` (base x quantity) less ``discount`` is ``total``.

    ``discount_ids`` are the discounts of the chosen set, in the order they were applied.
    """

    base_unit_price: Decimal
    quantity: int
    gross: Decimal
    discount: Decimal
    total: Decimal
    discount_ids: tuple[str, ...]


def combinable(first: Rule, second: Rule) -> bool:
    """May the two go on one product together? Each must list the other (both ways)."""
    return (
        first.discount_id != second.discount_id
        and second.discount_id in first.combinable_with
        and first.discount_id in second.combinable_with
    )


def _order_key(rule: Rule) -> tuple[int, str]:
    if rule.type == ABSOLUTE:
        rank = 0
    elif rule.calculated_from_base_price:
        rank = 2
    else:
        rank = 1
    return rank, rule.discount_id


def _relative(rule: Rule) -> Decimal:
    return min(Decimal(max(rule.rate, 0)) / RATE_SCALE, ONE)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A set of discounts that all combine, reduced to its effect on a unit's price."""

    discount_ids: tuple[str, ...]  # in the order of application
    absolute_minor: int  # Σ absolute amounts, minor units per unit
    from_base: Decimal  # Σ from-base relative rates (fractions)
    factor: Decimal  # Π (1 - rate) of the other relative ones
    tie_key: tuple[int, tuple[str, ...]]  # fewer discounts, then their ids

    def dominates(self, other: _Candidate) -> bool:
        return (
            self.absolute_minor >= other.absolute_minor
            and self.from_base >= other.from_base
            and self.factor <= other.factor
        )


def _candidate(rules: Iterable[Rule]) -> _Candidate:
    ordered = sorted(rules, key=_order_key)
    absolute_minor, from_base, factor = 0, ZERO, ONE
    for rule in ordered:
        if rule.type == ABSOLUTE:
            absolute_minor += max(rule.rate, 0)
        elif rule.type == RELATIVE and rule.calculated_from_base_price:
            from_base += _relative(rule)
        elif rule.type == RELATIVE:
            factor *= ONE - _relative(rule)
    ids = tuple(rule.discount_id for rule in ordered)
    return _Candidate(ids, absolute_minor, from_base, factor, (len(ids), tuple(sorted(ids))))


def _maximal_sets(rules: Sequence[Rule]) -> list[frozenset[int]]:
    """The maximal sets of rules (by position) in which every two combine (Bron-Kerbosch with
    a pivot), at most :data:`MAX_SETS` of them."""
    by_id = {rule.discount_id: index for index, rule in enumerate(rules)}
    neighbours: list[frozenset[int]] = []
    for index, rule in enumerate(rules):
        others = (by_id.get(other) for other in rule.combinable_with)
        neighbours.append(
            frozenset(
                other
                for other in others
                if other is not None and other != index and combinable(rule, rules[other])
            )
        )
    found: list[frozenset[int]] = []

    def expand(chosen: frozenset[int], possible: set[int], excluded: set[int]) -> None:
        if len(found) >= MAX_SETS:
            return
        if not possible and not excluded:
            found.append(chosen)
            return
        pivot = max(possible | excluded, key=lambda v: len(neighbours[v] & possible))
        for vertex in list(possible - neighbours[pivot]):
            expand(chosen | {vertex}, possible & neighbours[vertex], excluded & neighbours[vertex])
            possible.discard(vertex)
            excluded.add(vertex)

    expand(frozenset(), set(range(len(rules))), set())
    if len(found) >= MAX_SETS:
        found.extend(frozenset({index}) for index in range(len(rules)))
    return found


def _unique(rules: Iterable[Rule]) -> list[Rule]:
    """The rules, one per discount id (the first), ordered by id: the input's order never
    matters."""
    seen: dict[str, Rule] = {}
    for rule in rules:
        seen.setdefault(rule.discount_id, rule)
    return [seen[key] for key in sorted(seen)]


class RuleSet:
    """The rules that apply to a basket's lines, prepared once for all of them.

    Each candidate set takes ``min(price, intercept + slope x price)`` off a unit, where
    ``slope = 1 - factor + from-base rates`` and ``intercept = absolute amounts x factor``
    (from the formula in the module's notes); a line compares these few numbers.
    """

    __slots__ = ("_lines", "candidates", "rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(_unique(rules))
        candidates = sorted(
            (
                _candidate(self.rules[i] for i in chosen)
                for chosen in _maximal_sets(self.rules)
                if chosen  # no rules: no set, not an empty one that gives nothing
            ),
            key=lambda c: (-c.absolute_minor, -c.from_base, c.factor, c.tie_key),
        )
        kept: list[_Candidate] = []
        for candidate in candidates:
            if not any(other.dominates(candidate) for other in kept):
                kept.append(candidate)
        # fewer discounts first, so that a tie goes to the smaller set
        self.candidates: tuple[_Candidate, ...] = tuple(sorted(kept, key=lambda c: c.tie_key))
        self._lines: dict[int, tuple[tuple[Decimal, Decimal, _Candidate], ...]] = {}

    def _lines_for(self, exponent: int) -> tuple[tuple[Decimal, Decimal, _Candidate], ...]:
        """(intercept, slope, candidate) of each candidate, for amounts in ``exponent``."""
        lines = self._lines.get(exponent)
        if lines is None:
            lines = self._lines[exponent] = tuple(
                (
                    Decimal(c.absolute_minor).scaleb(-exponent) * c.factor,
                    ONE - c.factor + c.from_base,
                    c,
                )
                for c in self.candidates
            )
        return lines

    def price_line(
        self, base_unit_price: Decimal, quantity: int, *, currency_exponent: int = 2
    ) -> LinePrice:
        """The line priced with the best set of these rules (see the module's notes)."""
        minor_unit = _MINOR_UNITS.get(currency_exponent) or Decimal(1).scaleb(-currency_exponent)
        quantity = max(quantity, 0)
        price = base_unit_price
        gross = (price * quantity).quantize(minor_unit, ROUND_HALF_UP)
        best: _Candidate | None = None
        best_amount = ZERO
        if price > ZERO and quantity:
            for intercept, slope, candidate in self._lines_for(currency_exponent):
                amount = intercept + slope * price
                if amount > best_amount:  # candidates in tie order: the first of equals wins
                    best, best_amount = candidate, amount
                    if amount >= price:
                        break  # the whole price: nothing takes more, and ties go to the first
        if best is None:
            return LinePrice(base_unit_price, quantity, gross, ZERO, gross, ())
        best_amount = min(best_amount, price)
        discount = min((best_amount * quantity).quantize(minor_unit, ROUND_HALF_UP), gross)
        return LinePrice(
            base_unit_price, quantity, gross, discount, gross - discount, best.discount_ids
        )


_MINOR_UNITS = {exponent: Decimal(1).scaleb(-exponent) for exponent in range(5)}


def prepare_rules(rules: Iterable[Rule]) -> RuleSet:
    """The rules prepared for pricing many lines (once per basket)."""
    return RuleSet(rules)


def price_line(
    base_unit_price: Decimal, quantity: int, rules: Iterable[Rule], *, currency_exponent: int = 2
) -> LinePrice:
    """One line of ``quantity`` units at ``base_unit_price``, with the best set of ``rules``
    (the ones that apply to it: see :mod:`.validity`). For many lines with the same rules,
    :func:`prepare_rules` once and its ``price_line`` for each."""
    return RuleSet(rules).price_line(base_unit_price, quantity, currency_exponent=currency_exponent)

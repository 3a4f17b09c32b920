"""Where each checkout page's time goes, in the shop with the Diller plugin and without it.

    .venv/bin/python benchmarks/checkout_parts.py [--runs 15] [--step "payment details"]
        [--database-url postgres://postgres@127.0.0.1:5432/diller_checkout_bench]

The same checkouts as ``checkout_overhead.py`` (the example shop through Django's test client,
the member's wallet prefetched, the sandbox answering at once; SQLite, or PostgreSQL with
``--database-url`` as there), taking turns between the plain shop and the member's. Inside
each request a few parts are timed with ``time.perf_counter``:

* database commits (``BaseDatabaseWrapper.commit``): a commit that wrote is a flush to disk;
* session saves (the ``SessionStore.save`` of ``SESSION_ENGINE``, its own commit not included);
* Oscar's offers (``Applicator.apply``: every site offer applied to the basket, the plugin's
  carrier offers among them; loading the basket's lines falls here when an offer asks for them
  first, and in the templates otherwise);
* templates (``SimpleTemplateResponse.render``);
* the loyalty plan (``plan_for_basket``, run by the loyalty offer inside Oscar's offers: the
  basket's snapshot read, its lines as the engine's, and the engine's plan);
* the plugin's wallet and ticks (``DillerCheckoutMixin._keep_wallet_before_pricing`` and
  ``_keep_ticks_before_pricing``: the member's wallet or coupon ticks kept on the basket before
  Oscar prices it);
* the coupon choice's cards (``DillerCheckoutMixin._coupon_choice``: what the payment page shows
  of each coupon; their markup falls in the templates);
* the Diller sandbox answering (``SandboxTransport.handle_request``, in any thread): the
  embedded sandbox works out Diller's answer in the shop's own process, which a real Diller
  does on its own machines while the shop waits (here the wait is 0 ms);
* the rest of the request.

Each part's time is its own: a part that runs inside another (the commit inside a session save)
is taken out of the outer one. The table gives, per step, each part's median over the runs.
The parts are approximate shares (the timing itself costs about a microsecond a call), not a
profile; they say which part of a page the plugin makes dearer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.checkout_overhead import STEPS, Checkout, checkout_once, setup_django
from benchmarks.postgres import fresh_database

REST = "the rest"
PLAN = "the loyalty plan"
CHOICE = "the coupon choice's cards"
SANDBOX = "the Diller sandbox answering"


class PartClock:
    """Exclusive time per part within one request: a part that starts inside another pauses
    the outer one's clock. Each thread keeps its own nesting (calls made side by side run on a
    pool's threads while the request's thread waits for them)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._local = threading.local()

    def reset(self) -> None:
        with self._lock:
            self.spent.clear()

    def _add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.spent[name] += seconds

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        local = self._local
        stack: list[str] = local.__dict__.setdefault("stack", [])
        now = time.perf_counter()
        if stack:
            self._add(stack[-1], now - local.since)
        stack.append(name)
        local.since = now
        try:
            yield
        finally:
            now = time.perf_counter()
            self._add(stack.pop(), now - local.since)
            local.since = now


def _timed_method(
    clock: PartClock, owner: type | ModuleType, name: str, part: str
) -> Callable[[], None]:
    """Wrap ``owner.name`` (a class's or a module's function) so that its calls count as
    ``part``; returns the undo."""
    real = owner.__dict__[name]

    def timed(*args: Any, **kwargs: Any) -> Any:
        with clock.part(part):
            return real(*args, **kwargs)

    setattr(owner, name, timed)
    return lambda: setattr(owner, name, real)


def instrument(clock: PartClock) -> list[Callable[[], None]]:
    """Wrap the timed parts; the undos."""
    from django.conf import settings
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.template.response import SimpleTemplateResponse
    from oscar.core.loading import get_class

    from django_diller.contrib.oscar import offers
    from django_diller.contrib.oscar.checkout import DillerCheckoutMixin
    from django_diller.sandbox.transport import SandboxTransport

    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    applicator = get_class("offer.applicator", "Applicator")
    return [
        _timed_method(clock, BaseDatabaseWrapper, "commit", "database commits"),
        _timed_method(clock, session_store, "save", "session saves"),
        _timed_method(clock, applicator, "apply", "Oscar's offers"),
        _timed_method(clock, SimpleTemplateResponse, "render", "templates"),
        _timed_method(clock, offers, "plan_for_basket", PLAN),
        _timed_method(
            clock,
            DillerCheckoutMixin,
            "_keep_wallet_before_pricing",
            "the plugin's wallet and ticks",
        ),
        _timed_method(
            clock,
            DillerCheckoutMixin,
            "_keep_ticks_before_pricing",
            "the plugin's wallet and ticks",
        ),
        _timed_method(clock, DillerCheckoutMixin, "_coupon_choice", CHOICE),
        _timed_method(clock, SandboxTransport, "handle_request", SANDBOX),
    ]


PARTS = [
    "database commits",
    "session saves",
    "Oscar's offers",
    PLAN,
    "templates",
    "the plugin's wallet and ticks",
    CHOICE,
    SANDBOX,
    REST,
]


def measure(runs: int) -> dict[str, dict[bool, dict[str, list[float]]]]:
    """step → member? → part → ms per checkout, ``runs`` checkouts each, taking turns."""
    clock = PartClock()
    found: dict[str, dict[bool, dict[str, list[float]]]] = {}
    timed = Checkout._timed

    def parted(self: Checkout, step: str, method: str, url: str, data: Any = None) -> Any:
        clock.reset()
        response = timed(self, step, method, url, data)
        spent = dict(clock.spent)
        spent[REST] = self.result[step][0] - sum(spent.values())
        if measuring:
            parts = found.setdefault(step, {}).setdefault(self.member, defaultdict(list))
            for part in PARTS:
                parts[part].append(spent.get(part, 0.0) * 1000)
        return response

    undo = instrument(clock)
    Checkout._timed = parted  # type: ignore[method-assign]
    measuring = False
    try:
        for member in (False, True):
            checkout_once(member, 0.0)  # warm-up
        measuring = True
        for _ in range(runs):
            for member in (False, True):
                checkout_once(member, 0.0)
    finally:
        Checkout._timed = timed  # type: ignore[method-assign]
        for restore in undo:
            restore()
    return found


def report(found: dict[str, dict[bool, dict[str, list[float]]]], runs: int, only: str) -> None:
    print(
        f"\nMedian ms per page of {runs} checkouts each, the sandbox answering at once; each "
        "part's own time (a part inside another is taken out of it).\n"
    )
    print("| Step | Part | Without plugin | With plugin | More |")
    print("| --- | --- | ---: | ---: | ---: |")
    for step in STEPS:
        if (only and step != only) or step not in found or len(found[step]) < 2:
            continue
        plain, member = found[step][False], found[step][True]
        for part in PARTS:
            without = statistics.median(plain[part])
            with_plugin = statistics.median(member[part])
            if max(without, with_plugin) < 0.005:
                continue  # a part this page never reaches
            more = with_plugin - without
            print(f"| {step} | {part} | {without:.2f} | {with_plugin:.2f} | {more:+.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="checkouts per shop")
    parser.add_argument("--step", default="", choices=["", *STEPS], help="only this step")
    parser.add_argument(
        "--database-url",
        default="",
        metavar="URL",
        help="a PostgreSQL database to create, use and drop, instead of SQLite",
    )
    args = parser.parse_args()
    database = fresh_database(args.database_url) if args.database_url else nullcontext()
    with tempfile.TemporaryDirectory() as tmp, database:
        setup_django(str(Path(tmp) / "shop.sqlite3"), database_url=args.database_url)
        report(measure(args.runs), args.runs, args.step)


if __name__ == "__main__":
    main()

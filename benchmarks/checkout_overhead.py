"""Checkout server time with the Diller plugin against the same shop without it, and the Diller
round trips each checkout step makes.

    .venv/bin/python benchmarks/checkout_overhead.py [--runs 15] [--fastest] [--cold]
        [--redis redis://127.0.0.1:6379/0] [--coupon-choice step]
        [--database-url postgres://postgres@127.0.0.1:5432/diller_checkout_bench]
    .venv/bin/python benchmarks/checkout_overhead.py --queries   # SQL and cache operations

Django's cache is the test settings' local memory unless ``--redis`` puts it in Redis, as a
shop runs it (there each cache operation is a round trip to Redis). The database is SQLite in a
temporary file unless ``--database-url`` names a PostgreSQL database, which the run creates
empty and drops at the end; there each request's connection is kept for the next one
(``CONN_MAX_AGE``), as a shop in production keeps it, and every commit that wrote is a flush of
PostgreSQL's log to disk.

The example shop (``example_shop.settings.test``: SQLite, here in a temporary file, the demo
catalogue from ``load_demo_shop``) is driven through Django's test ``Client``, logged in as
``customer@example.com``: add 2 espressos, shipping address, shipping method ``standard``, the
payment-method redirect, payment details (where members see their coupons), the preview (the
payment page's "Continue", a POST carrying the ticked ``PCT10``), place order. The client runs
in-process, so the wall time of each ``client.get/post`` is the server time of that request.
Every run starts from a new basket. With ``--coupon-choice step``, members choose on the coupon
step instead (``DILLER['COUPON_CHOICE'] = "step"``): the payment-method redirect leads them to
it, its page and its "Continue" (ticking ``PCT10``) are two more requests, which the plain
shop does not make, and the payment page shows no coupons.

Three configurations, ``--runs`` checkouts each after one unmeasured warm-up checkout, taking
turns (one checkout of each, then again) so that drift falls on all three alike:

* without the plugin: the plugin's three site offers (``diller-loyalty``,
  ``diller-free-shipping`` and the chain's ``discount-rules``) suspended and the customer linked
  to no member, so the payment page shows no coupons (the plugin is still installed: this
  measures what a shopper who is not a member pays, which is what the shop costs without
  loyalty);
* with the plugin, the embedded Diller sandbox answering at once (0 ms);
* with the plugin, the sandbox adding 50 ms before every answer (not to the token endpoint).

"Ratio by round" is the median, over the rounds, of the plugin's time (0 ms) over the plain
shop's in the same round: the two run a moment apart, so a spell in which the machine is busy
slows both alike (the fastest or median time of each column alone does not undo that).
"Diller's work out" is the same ratio with the time the embedded sandbox spent working out
Diller's answers taken out of the plugin's requests (the wall-clock time any thread spent in
it): a real Diller does that work on its own machines, so at 0 ms latency the shop waits for
none of it. What the shop's client does (building the request, reading the answer) stays in.

Between runs the sandbox is reset to its seed (its dates counted from the benchmark's start, so
that every checkout sees the same coupons, as a shop's shoppers see the same campaigns) and the
member's cached wallet is forgotten. Adding
to the basket queues the wallet's prefetch (``DILLER['PREFETCH_WALLET']``); a worker would fetch
it while the shopper fills in the address, so the benchmark runs that task between the steps,
untimed, and the payment page finds the wallet in the cache. With ``--cold`` it does not: every
payment page fetches the wallet itself. The OAuth2 token stays cached, as it would in a running
shop. Celery is not eager here (broker ``memory://``): the reservations queued after
the order commits are not run in the request, as a real shop runs them in a worker.

Round trips. Each Diller call the sandbox answers is in its request log
(``embedded_sandbox().requests``) with the time ``at`` it arrived; a request's calls are the log
entries added while it ran. Calls made at the same time (the coupon step fetches coupons and
stamp cards together; placing the order validates its coupons together) cost one round trip, so
the round trips of a step are its waves: the calls sorted by ``at``, a new wave starting
whenever a call arrives more than latency / 2 after the one before (with 50 ms latency a call
that waited for an earlier answer arrives at least 50 ms later). Waves are counted in the 50 ms
runs; the same code paths run at 0 ms. As a cross-check independent of the log, the step's
extra median time at 50 ms over 0 ms, divided by 50 ms, is printed as "~RT".
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.postgres import fresh_database
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS as ADDRESS

ESPRESSO = "7040110000012"
COUPON = "PCT10"  # reusable (ONCE100 is single-use)
PLUGIN_OFFERS = ["diller-loyalty", "diller-free-shipping", "discount-rules"]
LATENCY = 0.05

STEPS = [
    "add to basket",
    "shipping address",
    "shipping method",
    "payment method",
    "coupon step",  # only with --coupon-choice step, and only members
    "coupon step choice",
    "payment details",
    "preview",
    "place order",
]


def setup_django(db_path: str, redis_url: str | None = None, database_url: str = "") -> None:
    """The example shop's test settings on SQLite at ``db_path``, or on the PostgreSQL
    database ``database_url`` names (made with :func:`benchmarks.postgres.fresh_database`)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_shop.settings.test"
    from django.conf import settings

    if database_url:
        from example_shop.settings.base import postgres_from_url

        settings.DATABASES["default"] = {
            **postgres_from_url(database_url),
            "ATOMIC_REQUESTS": True,
            "CONN_MAX_AGE": 600,
        }
    else:
        settings.DATABASES["default"]["NAME"] = db_path
    if redis_url:  # the cache a shop runs: every cache operation is a round trip
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                # This run's own keys: nothing else in that database is read or cleared.
                "KEY_PREFIX": f"diller-benchmark-{os.getpid()}-{time.time_ns()}",
            }
        }
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo_shop", stdout=io.StringIO())

    # Queue the after-commit tasks instead of running them in the request.
    from example_shop.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"


def choose_coupons_on(choice: str) -> None:
    """``DILLER['COUPON_CHOICE']`` for the run."""
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(DILLER={**settings.DILLER, "COUPON_CHOICE": choice}).enable()


SEEDED_AT = datetime.now(UTC)


class SandboxWork:
    """The wall-clock intervals in which the embedded sandbox worked out Diller's answers, in
    any thread (placing the order asks two things side by side), without the latency it adds."""

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        from django_diller.sandbox import transport

        work = transport._call

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return work(*args, **kwargs)
            finally:
                with self._lock:
                    self.intervals.append((start, time.perf_counter()))

        transport._call = timed

    def covered(self, since: float, until: float) -> float:
        """Seconds between ``since`` and ``until`` in which the sandbox was working (overlapping
        intervals count once)."""
        with self._lock:
            spans = sorted((max(a, since), min(b, until)) for a, b in self.intervals if b > since)
        total, reach = 0.0, since
        for start, end in spans:
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total


SANDBOX_WORK = SandboxWork()


class Checkout:
    """One shopper's checkouts, timing each request and noting the Diller calls it made."""

    def __init__(self, member: bool, cold: bool = False) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from oscar.core.loading import get_model

        from django_diller.loyalty.connection import embedded_sandbox

        self.member = member
        self.cold = cold
        self.sandbox = embedded_sandbox()
        self.user = get_user_model().objects.get(email="customer@example.com")
        self.product = get_model("catalogue", "Product").objects.get(upc=ESPRESSO)
        self.client = Client()
        self.client.force_login(self.user)

    def _timed(self, step: str, method: str, url: str, data=None):
        before = len(self.sandbox.requests)
        start = time.perf_counter()
        response = getattr(self.client, method)(url, data or {})
        end = time.perf_counter()
        elapsed = end - start
        calls = [r for r in self.sandbox.requests[before:] if r.operation_id != "token"]
        tokens = len(self.sandbox.requests[before:]) - len(calls)
        if response.status_code >= 400:
            raise RuntimeError(f"{step}: {method.upper()} {url} answered {response.status_code}")
        own = elapsed - SANDBOX_WORK.covered(start, end)  # less the sandbox's work
        self.result[step] = (elapsed, calls, tokens, own)
        return response

    def _reset_sandbox(self) -> None:
        """Back to the seed, its dates counted from the benchmark's start: every checkout sees
        the same coupons (a shop's shoppers see the same campaigns, valid until the same
        day), not new ones valid until a microsecond later."""
        clock = self.sandbox.clock
        self.sandbox.clock = lambda: SEEDED_AT
        try:
            self.sandbox.reset()
        finally:
            self.sandbox.clock = clock

    def run(self) -> dict[str, tuple[float, list, int, float]]:
        from django.core.cache import cache
        from django.urls import reverse

        from django_diller.loyalty.tasks import prefetch_wallet
        from django_diller.loyalty.wallet import forget_wallet
        from django_diller.models import CouponClaim

        self.result: dict[str, tuple[float, list, int, float]] = {}
        latency = self.sandbox.faults.latency
        self._reset_sandbox()  # back to the seed; also clears the faults
        # The seed gives the stamp reward back; the previous order's claims must go with it.
        CouponClaim.objects.all().delete()
        self.sandbox.faults.latency = latency
        forget_wallet("member-demo")
        cache.delete("diller:wallet-prefetch:demo-store:member-demo")

        self._timed(
            "add to basket",
            "post",
            reverse("basket:add", kwargs={"pk": self.product.pk}),
            {"quantity": 2},
        )
        if self.member and not self.cold:
            prefetch_wallet("member-demo")  # the worker's part, while the shopper types
        self._timed("shipping address", "post", reverse("checkout:shipping-address"), ADDRESS)
        self._timed(
            "shipping method",
            "post",
            reverse("checkout:shipping-method"),
            {"method_code": "standard"},
        )
        response = self._timed("payment method", "get", reverse("checkout:payment-method"))
        assert response.status_code == 302, response.status_code
        location = response["Location"]
        if COUPON_CHOICE == "step" and self.member:  # the coupon step, a page of its own
            assert location.startswith(reverse("diller_oscar:coupons")), location
            self._timed("coupon step", "get", location)
            chosen = self._timed("coupon step choice", "post", location, {"use": [COUPON]})
            location = chosen["Location"]
        assert location == reverse("checkout:payment-details"), location
        details = self._timed("payment details", "get", location)
        # Members see their coupons on the payment page (unless they chose them on the step);
        # "Continue" carries the ticks to the preview (the same form for everyone, so both
        # shops post the same fields).
        shows_choice = self.member and COUPON_CHOICE == "payment-details"
        assert (b'id="diller-coupon-choice"' in details.content) == shows_choice
        preview = self._timed(
            "preview",
            "post",
            reverse("checkout:preview"),
            {"diller_coupon_choice": "1", "use": [COUPON]},
        )
        assert preview.status_code == 200, preview.status_code
        placed = self._timed(
            "place order", "post", reverse("checkout:preview"), {"action": "place_order"}
        )
        assert placed["Location"] == reverse("checkout:thank-you"), placed["Location"]
        self._check_the_coupon_was_used()
        return self.result

    def _check_the_coupon_was_used(self) -> None:
        """Members' orders carry the chosen coupon; the others' carry nothing from Diller."""
        from oscar.core.loading import get_model

        from django_diller.models import OrderLoyaltyItem

        order = get_model("order", "Order").objects.filter(user=self.user).latest("id")
        items = OrderLoyaltyItem.objects.filter(order_number=order.number)
        used = set(items.values_list("reference", flat=True))
        assert (COUPON in used) if self.member else not used, (order.number, used)


def waves(calls: list, latency: float) -> int:
    """Sequential rounds among ``calls``: a new one when a call arrives > latency/2 later."""
    if not calls:
        return 0
    times = sorted(c.at.timestamp() for c in calls)
    count = 1
    for previous, current in itertools.pairwise(times):
        if current - previous > latency / 2:
            count += 1
    return count


def configure(member: bool) -> None:
    from oscar.core.loading import get_model

    from django_diller.models import MemberLink

    ConditionalOffer = get_model("offer", "ConditionalOffer")
    offers = ConditionalOffer.objects.filter(slug__in=PLUGIN_OFFERS)
    MemberLink.objects.all().delete()
    if member:
        offers.update(status="Open")
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(email="customer@example.com")
        MemberLink.objects.create(
            user=user, store_id="demo-store", member_id="member-demo", source="page"
        )
    else:
        offers.update(status="Suspended")


CONFIGURATIONS = [  # name, member, latency
    ("without plugin", False, 0.0),
    ("plugin, 0 ms", True, 0.0),
    ("plugin, 50 ms", True, LATENCY),
]


COLD = False  # --cold: no prefetched wallet
COUPON_CHOICE = "payment-details"  # --coupon-choice: where members choose their coupons
# --fastest: each step's fastest run instead of its median. Noise from other work on the
# machine only ever adds time, so on a busy machine the fastest runs compare the code.
STATISTIC = statistics.median


def checkout_once(member: bool, latency: float) -> dict:
    from django_diller.loyalty.connection import embedded_sandbox

    configure(member)
    embedded_sandbox().faults.latency = latency
    return Checkout(member, cold=COLD).run()


def measure(runs: int) -> list[dict]:
    """``runs`` checkouts per configuration, taking turns so that drift (the database growing by
    an order per checkout, the machine's load) falls on all three alike."""
    for _, member, latency in CONFIGURATIONS:
        checkout_once(member, latency)  # warm-up: imports, templates, the OAuth2 token
    samples: list[list[dict]] = [[] for _ in CONFIGURATIONS]
    for _ in range(runs):
        for taken, (_, member, latency) in zip(samples, CONFIGURATIONS, strict=True):
            taken.append(checkout_once(member, latency))
    summaries = [
        summarise(taken, latency)
        for taken, (_, _, latency) in zip(samples, CONFIGURATIONS, strict=True)
    ]
    plain, plugin = samples[0], samples[1]
    for step, ratio in round_ratios(plain, plugin).items():
        summaries[1].setdefault(step, {})["ratio"] = ratio
    for step, ratio in round_ratios(plain, plugin, at=3).items():
        summaries[1][step]["own_ratio"] = ratio
    return summaries


def round_ratios(plain: list[dict], plugin: list[dict], at: int = 0) -> dict[str, float]:
    """Per step (and the total): the median, over the rounds, of the plugin's time (``at`` 0:
    the request's; 3: less the sandbox's work) over the plain shop's in the same round. The two
    checkouts of a round run a moment apart, so a machine that is busy for a while slows both
    alike, which the fastest or median time of each column alone does not undo."""
    ratios: dict[str, list[float]] = {}
    for without, member in zip(plain, plugin, strict=True):
        for step in STEPS:
            if step in without and step in member:
                ratios.setdefault(step, []).append(member[step][at] / without[step][0])
        total = sum(r[at] for r in member.values()) / sum(r[0] for r in without.values())
        ratios.setdefault("total", []).append(total)
    return {step: statistics.median(values) for step, values in ratios.items()}


def summarise(samples: list[dict], latency: float) -> dict:
    summary = {}
    for step in STEPS:
        seen = [s[step] for s in samples if step in s]
        if not seen:
            continue
        summary[step] = {
            "ms": STATISTIC(r[0] for r in seen) * 1000,
            "calls": statistics.median(len(r[1]) for r in seen),
            "waves": max(waves(r[1], latency) for r in seen) if latency else None,
            "calls_max": max(len(r[1]) for r in seen),
            "ops": sorted({c.operation_id for r in seen for c in r[1]}),
            "tokens": sum(r[2] for r in seen),
        }
    totals = (sum(r[0] for r in s.values()) for s in samples)
    summary["total"] = {"ms": STATISTIC(totals) * 1000}
    return summary


def fmt(value, spec=".1f") -> str:
    return "-" if value is None else format(value, spec)


def report(base: dict, fast: dict, slow: dict, runs: int) -> None:
    print(
        f"\nCheckout server time, {'fastest' if STATISTIC is min else 'median'} of {runs} "
        f"checkouts per column (ms); Diller calls and "
        f"round trips per step (the most in any run) from the sandbox's request log, 50 ms runs."
        "\n"
        "Celery not eager: reservations after commit are queued for a worker, not timed; "
        + ("no wallet prefetch (--cold).\n" if COLD else "the wallet prefetched by the worker.\n")
    )
    head = (
        "| Step | Without plugin | Plugin, 0 ms | Ratio by round | Diller's work out "
        "| Plugin, 50 ms | Diller calls | Round trips | ~RT from time | Operations |"
    )
    print(head)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for step in [*STEPS, "total"]:
        b, f, s = base.get(step, {}), fast.get(step, {}), slow.get(step, {})
        if not (b or f or s):
            continue
        rt = (s["ms"] - f["ms"]) / (LATENCY * 1000) if s and f else None
        label = "**total**" if step == "total" else step
        print(
            f"| {label} | {fmt(b.get('ms'))} | {fmt(f.get('ms'))} | {fmt(f.get('ratio'), '.2f')} "
            f"| {fmt(f.get('own_ratio'), '.2f')} | {fmt(s.get('ms'))} "
            f"| {fmt(s.get('calls'), 'g')} | {fmt(s.get('waves'), 'g')} | {fmt(rt, '.2f')} "
            f"| {', '.join(s.get('ops', [])) or ('-' if step != 'total' else '')} |"
        )

    def calls(summary: dict) -> str:
        steps = [v for k, v in summary.items() if k != "total"]
        median = sum(v["calls"] for v in steps)
        most = sum(v["calls_max"] for v in steps)
        return f"{median:g}" if median == most else f"{median:g} (up to {most})"

    tokens = sum(v.get("tokens", 0) for s in (base, fast, slow) for v in s.values())
    print(
        f"\nDiller calls per checkout (OAuth2 token fetches not counted; {tokens} in the measured "
        f"runs): without plugin {calls(base)}, plugin 0 ms {calls(fast)}, "
        f"plugin 50 ms {calls(slow)}.\n"
        "A dash: step not visited (a shopper who is not a member goes from the payment-method "
        "redirect straight to payment details)."
    )


CACHE_OPERATIONS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr")


def count_statements() -> None:
    """SQL statements and cache operations per step (each ``SAVEPOINT`` and ``RELEASE``
    counts; with Redis as the cache, each cache operation is a round trip), plain shop against
    a member's, from one checkout each after a warm-up one."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, dict[bool, tuple[int, int]]] = {}
    timed = Checkout._timed
    backend = type(caches["default"])
    originals = {name: getattr(backend, name) for name in CACHE_OPERATIONS}
    cache_operations, inside = [0], [False]

    def counting(real):
        def operation(self, *args, **kwargs):
            if inside[0]:  # get_many of the local-memory cache calls get: one operation
                return real(self, *args, **kwargs)
            cache_operations[0] += 1
            inside[0] = True
            try:
                return real(self, *args, **kwargs)
            finally:
                inside[0] = False

        return operation

    def counted(self, step, method, url, data=None):
        cache_operations[0] = 0
        with CaptureQueriesContext(connection) as statements:
            response = timed(self, step, method, url, data)
        counts.setdefault(step, {})[self.member] = (
            len(statements),
            cache_operations[0],
            committed_writes([q["sql"] for q in statements.captured_queries]),
        )
        return response

    Checkout._timed = counted  # type: ignore[method-assign]
    for name, real in originals.items():
        setattr(backend, name, counting(real))
    try:
        for member in (False, True):
            checkout_once(member, 0.0)  # warm-up
            checkout_once(member, 0.0)
    finally:
        Checkout._timed = timed  # type: ignore[method-assign]
        for name, real in originals.items():
            setattr(backend, name, real)
    print(
        "\n| Step | SQL without plugin | SQL with plugin | More | Cache ops without | with "
        "| Commits that write, without | with |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for step in STEPS:
        if step not in counts:
            continue
        if False not in counts[step]:  # a page only members visit (the coupon step)
            (plugin, plugin_ops, plugin_commits) = counts[step][True]
            print(
                f"| {step} | - | {plugin} | +{plugin} | - | {plugin_ops} | - | {plugin_commits} |"
            )
            continue
        (plain, plain_ops, plain_commits) = counts[step][False]
        (plugin, plugin_ops, plugin_commits) = counts[step][True]
        print(
            f"| {step} | {plain} | {plugin} | {plugin - plain:+d} | {plain_ops} | {plugin_ops} "
            f"| {plain_commits} | {plugin_commits} |"
        )


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def committed_writes(statements: list[str]) -> int:
    """How many commits wrote something: each transaction (``BEGIN`` … ``COMMIT``) with a
    write in it, and each write outside one (committed on its own). On disk each is a flush
    (SQLite's sync, PostgreSQL's WAL), the dearest thing a page can do besides a round trip."""
    commits, open_transaction, wrote = 0, False, False
    for sql in statements:
        words = sql.upper().split(None, 2)
        word = words[0] if words else ""
        if word == "ROLLBACK" and len(words) > 1 and words[1] == "TO":
            continue  # back to a savepoint: the transaction goes on
        if word == "BEGIN":
            open_transaction, wrote = True, False
        elif word in ("COMMIT", "ROLLBACK"):
            commits += int(word == "COMMIT" and wrote)
            open_transaction = wrote = False
        elif word in WRITES:
            if open_transaction:
                wrote = True
            else:
                commits += 1
    return commits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="checkouts per configuration")
    parser.add_argument(
        "--cold", action="store_true", help="no wallet prefetch: the coupon step fetches it"
    )
    parser.add_argument(
        "--fastest",
        action="store_true",
        help="each step's fastest run instead of its median (a busy machine)",
    )
    parser.add_argument(
        "--queries",
        action="store_true",
        help="count SQL statements and cache operations per step instead of timing",
    )
    parser.add_argument(
        "--coupon-choice",
        choices=["payment-details", "step"],
        default="payment-details",
        help="where members choose their coupons (DILLER['COUPON_CHOICE']): on the payment "
        "details page, or on the coupon step, a page of its own before it",
    )
    parser.add_argument(
        "--database-url",
        default="",
        metavar="URL",
        help="a PostgreSQL database to create, use and drop (e.g. "
        "postgres://postgres@127.0.0.1:5432/diller_checkout_bench) instead of SQLite",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="Django's cache in Redis at URL (e.g. redis://127.0.0.1:6379/0) instead of local "
        "memory, as a shop runs it; the run's keys have a prefix of their own",
    )
    args = parser.parse_args()
    global COLD, COUPON_CHOICE, STATISTIC
    COLD = args.cold
    COUPON_CHOICE = args.coupon_choice
    if args.fastest:
        STATISTIC = min
    database = fresh_database(args.database_url) if args.database_url else nullcontext()
    with tempfile.TemporaryDirectory() as tmp, database:
        setup_django(str(Path(tmp) / "shop.sqlite3"), args.redis, args.database_url)
        choose_coupons_on(COUPON_CHOICE)
        SANDBOX_WORK.install()
        if args.queries:
            count_statements()
            return
        base, fast, slow = measure(args.runs)
        report(base, fast, slow, args.runs)


if __name__ == "__main__":
    main()

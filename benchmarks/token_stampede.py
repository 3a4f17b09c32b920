"""How often do N processes reach the token endpoint? (and how many calls per second they make)

Starts the Diller sandbox as a real HTTP server, then N processes that each build their own
DillerClient with tokens in a shared Django cache on Redis, wait at a barrier, and make their
calls at once. A shared cache with a fetch lock should reach the token endpoint once per token
lifetime however many processes there are.

    .venv/bin/python benchmarks/token_stampede.py [--processes 4] [--calls 1000]
        [--token-lifetime 3600] [--redis-url redis://127.0.0.1:6379/15]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.connection.token_stampede import run  # the run the tests make too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--token-lifetime", type=float, default=3600)
    parser.add_argument("--refresh-margin", type=float, default=60.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    result = run(
        args.processes, args.calls, args.token_lifetime, args.refresh_margin, args.redis_url
    )
    print(f"processes         {result.processes}")
    print(f"calls             {result.calls} ({result.failures} failed)")
    print(f"token fetches     {result.token_fetches} (at most {result.most_fetches_allowed})")
    print(f"seconds           {result.seconds:.2f}")
    print(f"calls per second  {result.calls_per_second:.0f}")


if __name__ == "__main__":
    main()

"""``python -m bench [SCENARIO ...] [--db sqlite|postgresql|both]``: run scenarios and print Markdown tables."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil

import bench.scenarios


def main() -> None:
    available = sorted(m.name for m in pkgutil.iter_modules(bench.scenarios.__path__))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[*available, []], help=f"default: all of {available}")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for name in args.scenarios or available:
        scenario = importlib.import_module(f"bench.scenarios.{name}")
        for kind in kinds:
            print(asyncio.run(scenario.run(kind, requests=args.requests, concurrency=args.concurrency)))
            print()


if __name__ == "__main__":
    main()

"""CPU per sign-up request, in-process (Django test client, full middleware, PostgreSQL),
optionally A/B against another services module measured in the same run.

    .venv/bin/python bench/classes/signup_cpu.py [--rounds 4] [--baseline path/to/old_services.py]

Uses the database of ``signup_race.py`` (run that first: it seeds 200 teachers). Each
batch signs the 200 teachers up to a fresh 30-seat session (30 confirmed, 170 waitlisted)
and reports the process CPU time per request; with ``--baseline`` the batches alternate
between that module (mounted as the API's ``services``) and the current code, so machine
load affects both alike. Not run by the tests.
"""

import argparse
import cProfile
import importlib.util
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "src")]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yiwang_bench_classes")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--baseline", help="a services.py to compare with, mounted as yiwang.classes")
    parser.add_argument("--profile", type=int, default=0, help="print the N functions with most own time")
    args = parser.parse_args()

    import django

    django.setup()
    import signup_race
    from django.test import Client

    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_api_token
    from yiwang.classes import api, services
    from yiwang.classes.models import Session

    implementations = {"current": services}
    if args.baseline:
        spec = importlib.util.spec_from_file_location("yiwang.classes._baseline_services", args.baseline)
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
        implementations = {"baseline": baseline, "current": services}
    users = list(User.objects.filter(username__startswith="bench-t").order_by("username"))
    keys = [create_api_token(user=u, name="cpu")[1] for u in users]
    client = Client()
    for key in keys:  # first use of each token writes last_used_at: keep it out of the figures
        client.get("/api/v1/classes/sign-ups/mine", HTTP_AUTHORIZATION=f"Bearer {key}")
    figures = {name: [] for name in implementations}
    for _ in range(args.rounds):
        for name, module in implementations.items():
            api.services = module
            session_id = signup_race.new_session(5000 + Session.objects.count())  # a day of its own
            profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting
            started = time.process_time()
            if profiler:
                profiler.enable()
            for key in keys:
                response = client.post(
                    f"/api/v1/classes/sessions/{session_id}/sign-ups", HTTP_AUTHORIZATION=f"Bearer {key}"
                )
                assert response.status_code == 201, response.content
            if profiler:
                profiler.disable()
            figures[name].append((time.process_time() - started) / len(keys) * 1000)
    if args.profile:  # the last batch (profiled batches cost more CPU than the figures above)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    api.services = services
    for name, values in figures.items():
        print(
            f"{name}: CPU per sign-up median {statistics.median(values):.2f} ms "
            f"(batches: {', '.join(f'{v:.2f}' for v in values)})"
        )


if __name__ == "__main__":
    main()

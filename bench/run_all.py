"""Run every benchmark in bench/ in turn (`make bench`). Each writes its figures to
docs/performance/<area>.md; docs/performance.md summarises them with the machine.

The benchmarks build large synthetic data sets (1 M topics, 100 k sessions …) in their
own databases under data/bench/ (SQLite) or in dedicated PostgreSQL databases; a full
run takes about an hour on a 2-core machine. Run one area with
`python bench/run_all.py search` (areas: banks, search, classes).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

STEPS = {
    "banks": [["bench/banks/generate.py"], ["bench/banks/measure.py"]],
    "search": [["bench/search/generate.py"], ["bench/search/run.py"]],
    "classes": [["bench/classes/signup_race.py"], ["bench/classes/calendar_bench.py"]],
}


def main(argv: list[str]) -> int:
    areas = argv or list(STEPS)
    for area in areas:
        for step in STEPS[area]:
            print(f"== {area}: {' '.join(step)}", flush=True)
            result = subprocess.run([PY, *step], cwd=ROOT)
            if result.returncode:
                print(f"{area} 基准测试失败（退出码 {result.returncode}）", file=sys.stderr)
                return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

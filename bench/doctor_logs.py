"""`qbdsync doctor` on a large Web Connector log: time and peak memory.

Run:
    .venv/bin/python bench/doctor_logs.py [--megabytes 100]

Writes a QWCLog.txt of about --megabytes MB into a temporary folder (the fixtures' shapes
repeated: idle polls of two applications, full sessions with XML dumps, now and then a wrong
password, a modal dialog or an unreachable service, CRLF line ends), runs the real
`qbdsync doctor --json` on it as a subprocess and reports wall time, MB/s, the child's peak
RSS and what was found. The child's CPU time is reported too (its wall time on a busy machine
depends on the neighbours). The last line is a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import QBDSYNC

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "logs"
# The body repeated, and the problems mixed in every so often.
_BODY = ("healthy.txt", "healthy.txt", "healthy.txt", "healthy.txt", "noisy.txt")
_PROBLEMS = ("nvu.txt", "service_unreachable.txt", "access_not_always.txt")


def _write_log(path: Path, megabytes: int) -> int:
    parts = [(FIXTURES / name).read_bytes() for name in _BODY]
    problems = [(FIXTURES / name).read_bytes() for name in _PROBLEMS]
    # noisy.txt ends in a cut-off line: end it so that the next record starts on its own.
    parts = [p if p.endswith(b"\n") else p + b"\r\n" for p in parts]
    target = megabytes * 1024 * 1024
    written = 0
    rounds = 0
    with path.open("wb") as out:
        while written < target:
            for part in parts:
                out.write(part)
                written += len(part)
            if rounds % 50 == 0:
                chosen = problems[(rounds // 50) % len(problems)]
                out.write(chosen)
                written += len(chosen)
            rounds += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qbdsync-doctor-") as folder:
        log = Path(folder) / "QWCLog.txt"
        size = _write_log(log, args.megabytes)
        started = time.perf_counter()
        ran = subprocess.run(
            [QBDSYNC, "doctor", str(log), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kb = usage.ru_maxrss
        # CPU time as well: on a shared machine the wall time says more about the neighbours.
        cpu = usage.ru_utime + usage.ru_stime
    if ran.returncode not in (0, 1, 2):
        sys.exit(f"doctor failed ({ran.returncode}): {ran.stderr}")
    report = json.loads(ran.stdout)
    findings = {f["key"]: f["count"] for f in report["findings"]}
    lines = report["files"][0]["lines"]
    print(f"log: {size / 1e6:.1f} MB, {lines:,} lines, {report['files'][0]['sessions']:,} sessions")
    print(
        f"doctor: {seconds:.1f} s wall, {cpu:.1f} s CPU ({size / 1e6 / cpu:.1f} MB per CPU "
        f"second), peak RSS {peak_kb / 1024:.0f} MB"
    )
    print(f"findings: {findings}, exit {ran.returncode}")
    summary = {
        "megabytes": round(size / 1e6, 1),
        "lines": lines,
        "seconds": round(seconds, 2),
        "cpuSeconds": round(cpu, 2),
        "mbPerCpuSecond": round(size / 1e6 / cpu, 1),
        "peakRssMb": round(peak_kb / 1024),
        "findings": findings,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

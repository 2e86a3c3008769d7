"""Benchmark of swr-conformance on this machine: one script, one run, a table on the terminal and the
same figures as JSON (`--json`, default bench/results.json).

    .venv/bin/python bench/bench.py [--examples 100] [--seed 1] [--runs 3] [--latency-ms 50]

- default run: wall time of `swr-conformance run` against the embedded registry (median of --runs), the
  HTTP requests that run sends (counted by the reference registry's access log), and the floor: a plain
  keep-alive httpx loop sending as many requests to the same server;
- latency run: the default run against a registry adding --latency-ms to every request, with 1, 2 and 4
  workers, next to the ideal (its requests spread evenly over the workers, each taking just the latency);
- property layer vs the schemathesis CLI: cases per second on the same spec, operation, checks and
  target, per generation mode. A case is a DELETE the reference registry logged; the time is what each
  tool reports for its search (the check's duration, the CLI's fuzzing phase), and the wall time of each
  process is shown too.

Every tool talks to its own `swr-conformance serve --access-log` on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "swr-delete-repository.openapi.yaml"
BIN = Path(sys.executable).parent
TOKEN = "swr-dev-token"  # the reference registry's documented development token
CHECKS = "status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
ACCESS_LINE = re.compile(r"^(?:GET|HEAD|POST|PUT|PATCH|DELETE) \S+ \d{3} ", re.MULTILINE)
DELETE_UNDER_TEST = re.compile(r"^DELETE /v2/manage/namespaces/[^/ ]*/repos/[^/ ]* ", re.MULTILINE)


@dataclass
class Server:
    url: str
    log: Path

    def lines(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def requests(self) -> int:
        """Requests served, counted from the access log (`METHOD path status ms request-id` lines)."""
        return len(ACCESS_LINE.findall(self.lines()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(workdir: Path, latency_ms: int = 0) -> Iterator[Server]:
    port, log = _free_port(), workdir / f"access-{time.monotonic_ns()}.log"
    command = ["serve", "--port", str(port), "--access-log", "--latency-ms", str(latency_ms)]
    with log.open("w") as sink:
        process = subprocess.Popen([BIN / "swr-conformance", *command], stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/v2/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Server(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _env(server: Server | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWR_")}
    if server is not None:
        env |= {
            "SWR_ENDPOINT": server.url,
            "SWR_TOKEN": TOKEN,
            "SWR_REGISTRY_USERNAME": "swr-dev",
            "SWR_REGISTRY_PASSWORD": "swr-dev-password",
        }
    return env


def suite(output: Path, *args: str, server: Server | None = None) -> tuple[float, dict[str, object]]:
    """Run `swr-conformance run`; its wall time and results.json."""
    started = time.perf_counter()
    done = subprocess.run(
        [BIN / "swr-conformance", "run", "--output", str(output), *args],
        env=_env(server),
        capture_output=True,
        text=True,
        cwd=output.parent,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"swr-conformance run {' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}")
    return wall, json.loads((output / "results.json").read_text(encoding="utf-8"))


def default_run(workdir: Path, runs: int) -> dict[str, object]:
    walls = [suite(workdir / f"default-{i}", "--seed", "1")[0] for i in range(runs)]
    with serve(workdir) as server:
        _, results = suite(workdir / "default-counted", "--seed", "1", server=server)
        requests = server.requests()
        with httpx.Client(base_url=server.url, headers={"X-Auth-Token": TOKEN}) as client:
            started = time.perf_counter()
            for _ in range(requests):
                client.get("/v2/manage/namespaces/bench-floor")
            floor = time.perf_counter() - started
    wall = statistics.median(walls)
    checks = results["summary"]["total"]  # type: ignore[index]
    return {
        "checks": checks,
        "wall_s": round(wall, 2),
        "walls_s": [round(w, 2) for w in walls],
        "requests": requests,
        "floor_s": round(floor, 2),
        "ratio_to_floor": round(wall / floor, 1),
    }


def latency_run(workdir: Path, latency_ms: int, workers: tuple[int, ...] = (1, 2, 4)) -> list[dict[str, object]]:
    """The default run against a registry that adds `latency_ms` to every request, with 1, 2 and 4
    workers, next to the ideal: its requests spread evenly over the workers, each taking just the latency."""
    rows = []
    for n in workers:
        with serve(workdir, latency_ms) as server:
            wall, _ = suite(workdir / f"latency-{n}", "--seed", "1", "--workers", str(n), server=server)
            requests = server.requests()
        ideal = requests * latency_ms / 1000 / n
        rows.append(
            {"latency_ms": latency_ms, "workers": n, "requests": requests, "wall_s": round(wall, 2),
             "ideal_s": round(ideal, 2), "ratio_to_ideal": round(wall / ideal, 2)}
        )  # fmt: skip
    return rows


@dataclass
class Rate:
    tool: str
    what: str
    cases: int
    search_s: float
    wall_s: float | None = None

    @property
    def per_second(self) -> float:
        return round(self.cases / self.search_s, 1)


LAYER = ("property/invalid-name", "property/absent-name", "property/schema/positive", "property/schema/negative")


def layer(workdir: Path, examples: int, seed: int) -> list[Rate]:
    """The property checks whose every case is one DELETE under test, in one run: each check (its
    examples over its duration) and all of them (the DELETEs the registry logged over their durations)."""
    with serve(workdir) as server:
        selection = " or ".join(LAYER)
        args = ["-k", selection, "--examples", str(examples), "--seed", str(seed)]
        wall, results = suite(workdir / "layer", *args, server=server)
        deletes = len(DELETE_UNDER_TEST.findall(server.lines()))
    checks = results["checks"]  # type: ignore[assignment]
    tool = "swr-conformance property layer"
    rates = [Rate(tool, c["id"], c["examples"], c["duration_s"]) for c in checks]  # type: ignore[index]
    return [*rates, Rate(tool, "all four checks", deletes, sum(r.search_s for r in rates), wall)]


def schemathesis_cli(workdir: Path, mode: str, examples: int, seed: int) -> Rate:
    with serve(workdir) as server:
        command = [BIN / "schemathesis", "run", str(SPEC), "--url", server.url, "-H", f"X-Auth-Token: {TOKEN}"]
        command += ["--include-operation-id", "deleteRepository", "--phases", "fuzzing", "--mode", mode]
        command += ["--max-examples", str(examples), "--seed", str(seed), "-c", CHECKS]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=_env(None))
        wall = time.perf_counter() - started
        cases = len(DELETE_UNDER_TEST.findall(server.lines()))
    phase = re.search(r"Fuzzing \(in ([0-9.]+)s\)", done.stdout)
    if phase is None:
        raise SystemExit(f"schemathesis run: no fuzzing time in its output:\n{done.stdout[-2000:]}")
    return Rate("schemathesis CLI", f"--mode {mode}", cases, float(phase.group(1)), wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="examples per property / CLI max-examples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="default runs timed (median)")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency added for the latency run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swr-bench-") as tmp:
        workdir = Path(tmp)
        default = default_run(workdir, options.runs)
        latency = latency_run(workdir, options.latency_ms)
        ours = layer(workdir, options.examples, options.seed)
        cli = {
            mode: schemathesis_cli(workdir, mode, options.examples, options.seed)
            for mode in ("positive", "negative", "all")
        }
    print(f"default run: {default['checks']} checks in {default['wall_s']} s wall (median of {options.runs});")
    print(f"  {default['requests']} requests; a keep-alive httpx loop sends as many in {default['floor_s']} s")
    print(f"  -> {default['ratio_to_floor']} times the floor\n")
    print(f"with {options.latency_ms} ms added to every request:")
    for row in latency:
        print(f"  {row['workers']} worker(s): {row['requests']} requests in {row['wall_s']} s wall;", end=" ")
        print(f"ideal {row['ideal_s']} s -> {row['ratio_to_ideal']} times the ideal")
    print()
    print(f"{'tool':32} {'cases of':26} {'cases':>5} {'search s':>8} {'cases/s':>8} {'wall s':>7}")
    for r in [*ours, *cli.values()]:
        wall = f"{r.wall_s:7.2f}" if r.wall_s is not None else ""
        print(f"{r.tool:32} {r.what:26} {r.cases:5} {r.search_s:8.2f} {r.per_second:8.1f} {wall}")
    by_check = {r.what: r for r in ours}
    speedup = {
        "layer / CLI --mode all": round(ours[-1].per_second / cli["all"].per_second, 2),
        "schema/positive / CLI --mode positive": round(
            by_check["property/schema/positive"].per_second / cli["positive"].per_second, 2
        ),
        "schema/negative / CLI --mode negative": round(
            by_check["property/schema/negative"].per_second / cli["negative"].per_second, 2
        ),
    }
    print("\ncases per second, property layer over schemathesis CLI:")
    for label, ratio in speedup.items():
        print(f"  {label:40} {ratio}")
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "options": {
            "examples": options.examples,
            "seed": options.seed,
            "runs": options.runs,
            "latency_ms": options.latency_ms,
        },
        "default_run": default,
        "latency_run": latency,
        "property_layer": [asdict(r) | {"cases_per_s": r.per_second} for r in [*ours, *cli.values()]],
        "speedup": speedup,
    }
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {options.json}")


if __name__ == "__main__":
    main()

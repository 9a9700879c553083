"""HTTP overhead of the API: requests per second for `GET /api/instances/{id}` and `POST .../fire` over real
HTTP (`consultflow serve`, uvicorn, in a subprocess on loopback, one keep-alive connection, one request at a
time), against the same operations through the Python API in this process, in one run, on one SQLite WAL file.

The Python side of "show" is what `consultflow show --as` reads plus the documents: get, allowed_triggers for
the person, deadlines, pending timers, documents. The HTTP side adds what only HTTP needs: the bearer token's
lookup, the visibility check, JSON and the server. "fire" is Engine.fire against the endpoint (token, visibility,
fire, JSON).

Two HTTP clients: wrk (Debian's package; C, a few microseconds of its own per request), whose figure is the
server's overhead, and Python's http.client, shown for information (it spends ~0.1 ms per request parsing
headers). Without wrk, http.client's figure is used. Prints the rates and ratios, and last
`http_overhead = X.Xx (target <= 3x)` (the worse ratio); exits non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from consultflow.wiring import open_engine
from engine import Engine, Person
from web import AccountService

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent / "consultflow"
CLI = [str(BIN)] if BIN.exists() else [sys.executable, "-c", "from consultflow.cli import main; main()"]
PERSON = Person("sec", "Secretariat", "sec@itu.example", "en", ("secretariat",))
NOW = datetime(2019, 1, 1, tzinfo=UTC)
TARGET = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


ROUNDS = 3


def rate(count: int, step: Callable[[int], object]) -> float:
    """Calls per second of ``step(i)``, i in range(count), after a warm-up: the best of ``ROUNDS`` rounds
    (both sides are measured the same way, so a round slowed by something else on the machine is dropped)."""
    for i in range(min(100, count)):
        step(i)
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for i in range(count):
            step(i)
        best = max(best, count / (time.perf_counter() - started))
    return best


class Toggler:
    """Which trigger moves each bench_toggle instance next (flip from a, flop from b)."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
        self.state = dict.fromkeys(ids, "a")

    def next(self, i: int) -> tuple[str, str]:
        instance_id = self.ids[i % len(self.ids)]
        trigger = "flip" if self.state[instance_id] == "a" else "flop"
        self.state[instance_id] = "b" if trigger == "flip" else "a"
        return instance_id, trigger


def direct(engine: Engine, ids: list[str], toggler: Toggler, reads: int, fires: int) -> tuple[float, float]:
    def show(i: int) -> object:
        instance = engine.get(ids[i % len(ids)])
        return (
            engine.allowed_triggers(instance, PERSON),
            engine.deadlines(instance),
            engine.timers(instance.id, ("pending",)),
            engine.documents(instance.id),
        )

    def fire(i: int) -> object:
        instance_id, trigger = toggler.next(i)
        return engine.fire(instance_id, trigger, PERSON.id)

    return rate(reads, show), rate(fires, fire)


def over_http(url: str, token: str, ids: list[str], toggler: Toggler, reads: int, fires: int) -> tuple[float, float]:
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: bytes | None = None) -> object:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return data

    def show(i: int) -> object:
        return call("GET", f"/api/instances/{ids[i % len(ids)]}")

    def fire(i: int) -> object:
        instance_id, trigger = toggler.next(i)
        return call("POST", f"/api/instances/{instance_id}/fire", json.dumps({"trigger": trigger}).encode())

    try:
        return rate(reads, show), rate(fires, fire)
    finally:
        conn.close()


WRK_FIRE = """
ids = {%(ids)s}
state = {%(states)s}
i, current = 0, nil
request = function()
  current = ids[(i %% #ids) + 1]
  i = i + 1
  local trigger = (state[current] == "a") and "flip" or "flop"
  return wrk.format("POST", "/api/instances/" .. current .. "/fire", nil, '{"trigger":"' .. trigger .. '"}')
end
response = function(status, headers, body)
  local now = body:match('"state":"(%%a+)"')
  if now then state[current] = now end
end
"""
WRK_SHOW = """
ids = {%(ids)s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/instances/" .. ids[((i - 1) %% #ids) + 1])
end
"""


def with_wrk(url: str, token: str, ids: list[str], toggler: Toggler, folder: Path, seconds: int) -> tuple[float, float]:
    """Requests per second measured by wrk over one connection; any non-2xx answer is an error of the bench."""
    quoted = ",".join(f'"{i}"' for i in ids)
    rates = []
    for name, script in (
        ("show", WRK_SHOW % {"ids": quoted}),
        ("fire", WRK_FIRE % {"ids": quoted, "states": ",".join(f'["{i}"]="{toggler.state[i]}"' for i in ids)}),
    ):
        path = folder / f"{name}.lua"
        path.write_text(script)
        command = ["wrk", "-t1", "-c1", f"-d{seconds}s", "-s", str(path), url]
        command += ["-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json"]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError(f"wrk saw failed requests ({name}):\n{out}")
        found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        if found is None:
            raise RuntimeError(f"no rate in wrk's output:\n{out}")
        rates.append(float(found.group(1)))
    return rates[0], rates[1]


def serve(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CONSULTFLOW_DATABASE_URL": db_url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "--workflows", str(HERE / "workflows"), "serve", "--port", str(port), "--no-access-log"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"consultflow serve exited: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return process
            conn.close()
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("consultflow serve did not answer /health in 30 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--fires", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--no-wrk", action="store_true", help="measure with http.client only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'api.db'}"
        engine = open_engine(db_url, workflows=HERE / "workflows")
        engine.import_people([PERSON])
        ids = [engine.start("bench_toggle", PERSON.id, {}, now=NOW).id for _ in range(args.instances)]
        token = AccountService(engine).create_token(PERSON.id, "bench").secret
        toggler = Toggler(ids)
        direct_show, direct_fire = direct(engine, ids, toggler, args.reads, args.fires)
        engine.close()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = serve(db_url, port, Path(tmp) / "serve.log")
        try:
            py_show, py_fire = over_http(url, token, ids, toggler, args.reads, args.fires)
            wrk = shutil.which("wrk") is not None and not args.no_wrk
            wrk_show, wrk_fire = with_wrk(url, token, ids, toggler, Path(tmp), args.seconds) if wrk else (0, 0)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"show, Python API        : {direct_show:8.0f} req/s")
    print(f"show, HTTP, http.client : {py_show:8.0f} req/s   ratio {direct_show / py_show:.1f}x")
    if wrk:
        print(f"show, HTTP, wrk         : {wrk_show:8.0f} req/s   ratio {direct_show / wrk_show:.1f}x")
    print(f"fire, Python API        : {direct_fire:8.0f} req/s")
    print(f"fire, HTTP, http.client : {py_fire:8.0f} req/s   ratio {direct_fire / py_fire:.1f}x")
    if wrk:
        print(f"fire, HTTP, wrk         : {wrk_fire:8.0f} req/s   ratio {direct_fire / wrk_fire:.1f}x")
    else:
        print("(without wrk, the figure below includes http.client's own cost; wrk: apt-get install wrk)")
    http_show, http_fire = (wrk_show, wrk_fire) if wrk else (py_show, py_fire)
    worst = max(direct_show / http_show, direct_fire / http_fire)
    print(f"http_overhead = {worst:.1f}x (target <= {TARGET:g}x)")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

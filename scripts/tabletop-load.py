#!/usr/bin/env python3
"""Scripted load on the served tabletop (`blastradius tabletop --serve`), all on loopback.

For each case it starts the server on a free port, follows the projector's event stream, and
times each step from the console's request to the moment the projector receives the new
state. With --teams N it also keeps N team views' event streams open (each reading every
update, as a phone would), so a step can be compared with and without them.

    scripts/tabletop-load.py [--bin target/release/blastradius]

Prints one line per case: the scenario, the step, the team views connected, and the median
and largest step-to-projector times. The figures in the README come from this script.
"""

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time


def start(binary, scenario, step, threads):
    proc = subprocess.Popen(
        [binary, "tabletop", scenario, "--serve", "--port", "0", "--step", step,
         "--threads", str(threads), "--out", f"/tmp/blastradius-load-{scenario}"],
        stdout=subprocess.PIPE, text=True)
    addr = token = None
    for line in proc.stdout:
        m = re.search(r"console\s+http://([^/]+)/console#token=(\w+)", line)
        if m:
            addr, token = m.group(1), m.group(2)
        if "join code" in line:
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, addr, token


def post(addr, token, line, timeout=600):
    host, port = addr.rsplit(":", 1)
    body = json.dumps({"line": line}).encode()
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.sendall(
        f"POST /api/command HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nX-Blastradius-Token: {token}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1])


class Stream(threading.Thread):
    """One page's event stream; the projector's records when each clock time arrived."""

    def __init__(self, addr, parse):
        super().__init__(daemon=True)
        self.addr, self.parse = addr, parse
        self.arrived = {}
        self.cond = threading.Condition()
        self.bytes = 0
        self.ready = threading.Event()

    def run(self):
        host, port = self.addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
        s.sendall(f"GET /api/events?view=public HTTP/1.1\r\nHost: {self.addr}\r\n\r\n".encode())
        f = s.makefile("rb")
        event = None
        self.ready.set()
        for raw in f:
            self.bytes += len(raw)
            if not self.parse:
                continue
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            # Chunk-size lines of the chunked body are not SSE fields; skip them.
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "state":
                try:
                    now = json.loads(line[6:])["situation"]["now_ms"]
                except (ValueError, KeyError):
                    continue
                with self.cond:
                    self.arrived.setdefault(now, time.monotonic())
                    self.cond.notify_all()

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hit = predicate(self.arrived)
                if hit is not None:
                    return hit
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def case(binary, scenario, step, steps, teams, threads):
    proc, addr, token = start(binary, scenario, step, threads)
    try:
        projector = Stream(addr, parse=True)
        projector.start()
        projector.ready.wait()
        projector.wait_for(lambda a: 0 if 0 in a else None, 600)
        views = [Stream(addr, parse=False) for _ in range(teams)]
        for v in views:
            v.start()
            v.ready.wait()
        time.sleep(0.5)
        times = []
        for _ in range(steps):
            seen = set(projector.arrived)
            t0 = time.monotonic()
            status = post(addr, token, "next")
            assert status == 200, status
            arrived = projector.wait_for(
                lambda a: next((t for k, t in a.items() if k not in seen), None), 600)
            assert arrived is not None, "the projector got no update"
            times.append(arrived - t0)
        total = sum(v.bytes for v in views)
        print(f"{scenario:18} step {step:4} team views {teams:3}: "
              f"median {statistics.median(times):.3f} s, max {max(times):.3f} s over {steps} "
              f"steps (first {times[0]:.3f} s); team streams read {total / 1e6:.1f} MB",
              flush=True)
        return times
    finally:
        proc.kill()
        proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default="target/release/blastradius")
    p.add_argument("--quick", action="store_true", help="hospital-tabletop only")
    a = p.parse_args()
    base = case(a.bin, "hospital-tabletop", "1h", 24, 0, 2)
    loaded = case(a.bin, "hospital-tabletop", "1h", 24, 30, 2)
    print(f"hospital-tabletop: 30 team views change the median step by "
          f"{(statistics.median(loaded) / statistics.median(base) - 1) * 100:+.0f}%")
    if not a.quick:
        base = case(a.bin, "crowdstrike-2024", "1h", 4, 0, 2)
        loaded = case(a.bin, "crowdstrike-2024", "1h", 4, 30, 2)
        print(f"crowdstrike-2024: 30 team views change the median step by "
              f"{(statistics.median(loaded) / statistics.median(base) - 1) * 100:+.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())

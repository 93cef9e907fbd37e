"""Soak tests (issue 18), bounded and on loopback only: a long-lived Advisor keeps its memory
flat, and the HTTP service under a mixed attack load keeps normal requests fast and gives its
memory back. Marked slow; bench/memory_soak.py runs the long version (10,000 evaluations)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_long_lived_advisor_keeps_its_memory_flat():
    """Distinct configs fill every cache; bounded caches keep the memory flat afterwards."""
    from kpi_advisor.evaluation import rules, tables
    from kpi_advisor.i18n import messages
    from kpi_advisor.language import expr

    soak = _bench("memory_soak")
    early, end = soak.soak(600, report=lambda line: None)
    assert end - early < 20, (early, end)
    assert expr._parse_memo.cache_info().currsize <= 4096
    assert tables._parsed.cache_info().currsize <= 4096
    assert len(rules._COMPILED) <= rules._COMPILED_MAX
    assert len(messages._LOCALIZED) <= messages._LOCALIZED_MAX


# --- the service under attack ------------------------------------------------------------

ROW = {"channel": "facebook", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2300, "purchases": 20}
NORMAL = json.dumps({"client": "Shop", "business_model": "dtc_ecommerce", "data": [{"records": [ROW, {**ROW, "channel": "google"}]}]}).encode()


def _attacks() -> list[tuple[str, bytes]]:
    """The issue's attacks that a request can make, as JSON bodies."""
    base = {"client": "Attacker", "business_model": "dtc_ecommerce"}
    wide = [{"channel": "facebook", "clicks": 1, **{f"k{r}_{j}": 1 for j in range(8)}} for r in range(2500)]
    keys = {f"key{i}": 1 for i in range(200_000)}
    return [
        ("wide records", json.dumps({**base, "data": [{"records": wide}]}).encode()),
        ("many keys", json.dumps({**base, "data": [{"records": [{**ROW, **keys}]}]}).encode()),
        ("mixed if_else", json.dumps({**base, "data": [{"records": [ROW]}], "metrics": [{"id": "x", "formula": "if_else(clicks > 1, 'a', 1)", "stage": "interest"}]}).encode()),
        ("lone surrogate", json.dumps({**base, "data": [{"records": [{**ROW, "channel": "a\ud800"}]}]}).encode()),
        ("nan param", json.dumps({**base, "data": [{"records": [ROW]}], "rules": {"params": {"landing-page-leak": {"max_bounce_rate": "nan"}}}}).encode()),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(port: int, body: bytes, timeout: float = 60) -> tuple[int, float]:
    import http.client

    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/v1/evaluate", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the worker processes)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * 4096
            with open(f"/proc/{current}/task/{current}/children") as handle:
                pids += [int(p) for p in handle.read().split()]
        except OSError:
            continue
    return total / 2**20


def _settled_rss_mib(pid: int, port: int, big: bytes) -> float:
    """The tree's resident memory once a round of normal requests (every main-lane worker
    takes one: idle workers queue in turn) and a bulk one no longer move it by 5 MiB."""
    last = None
    for _ in range(10):
        for _ in range(9):
            assert _post(port, NORMAL)[0] == 200
        assert _post(port, big)[0] == 200
        current = _tree_rss_mib(pid)
        if last is not None and abs(current - last) < 5:
            return current
        last = current
    return current


def _attack_main(port: int, seconds: float) -> None:
    """The attackers, in a process of their own (threads here would share the measuring
    thread's interpreter lock and slow the client, not the server): two clients sending the
    attacks one after another, and twenty connections trickling a body they never finish.
    Prints the statuses each attack got."""
    attacks = _attacks()
    statuses: dict[str, set[int]] = {}
    stop = threading.Event()

    def attacker(offset: int) -> None:
        index = offset
        while not stop.is_set():
            name, body = attacks[index % len(attacks)]
            statuses.setdefault(name, set()).add(_post(port, body)[0])
            index += 1
            time.sleep(0.2)

    def trickler() -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            stop.wait(seconds)

    threads = [threading.Thread(target=attacker, args=(i,)) for i in range(2)] + [threading.Thread(target=trickler) for _ in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    print(json.dumps({name: sorted(seen) for name, seen in statuses.items()}))


def _under_attack(port: int, statuses: dict[str, set[int]], samples: int) -> list[float]:
    """Normal requests' times while _attack_main runs in another process."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_soak; test_soak._attack_main({port}, 10)"
    attackers = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # the attack is under way
        times = []
        for _ in range(samples):
            status, seconds = _post(port, NORMAL)
            assert status == 200
            times.append(seconds)
        out, _ = attackers.communicate(timeout=120)
    finally:
        attackers.kill()
    for name, seen in json.loads(out.strip().splitlines()[-1]).items():
        statuses.setdefault(name, set()).update(seen)
    return times


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
def test_the_service_under_a_mixed_attack_keeps_normal_requests_fast_and_gives_memory_back():
    pytest.importorskip("uvicorn")
    port = _free_port()
    command = [sys.executable, "-m", "kpi_advisor", "serve", "--port", str(port), "--max-concurrent", "3", "--timeout", "5", "--log-level", "warning"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None
            try:
                if _post(port, NORMAL)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        # Three workers in the main lane and one in the bulk lane; each child counts from its
        # start, so the baseline waits until the tree's memory settles under a warm load (a
        # worker still importing, or yet to answer its first request, is not its baseline).
        while len(_children(server.pid)) < 4:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.3)
        big = json.dumps({"client": "Big", "business_model": "dtc_ecommerce", "data": [{"records": [{**ROW, "campaign": f"c{i}"} for i in range(3000)]}]}).encode()
        assert len(big) > 256 * 1024 and _post(port, big)[0] == 200  # the bulk lane's worker is up too
        baseline = _settled_rss_mib(server.pid, port, big)
        statuses: dict[str, set[int]] = {}
        # A shared machine has its own load spikes: up to three rounds of idle then attack,
        # and the service passes when one round holds (latency tests on shared CI do the same).
        rounds = []
        for _ in range(3):
            idle = [_post(port, NORMAL)[1] for _ in range(60)]
            under_attack = _under_attack(port, statuses, samples=60)
            rounds.append((_p99(idle), _p99(under_attack)))
            if rounds[-1][1] <= 2 * rounds[-1][0] + 0.05:
                break
        assert all(status in (400, 413, 422) for seen in statuses.values() for status in seen), statuses
        assert any(attack <= 2 * idle + 0.05 for idle, attack in rounds), rounds
        time.sleep(2)
        after = _settled_rss_mib(server.pid, port, big)
        print(f"rounds (idle p99, attack p99): {rounds}; memory {baseline:.0f} MiB -> {after:.0f} MiB")
        assert after - baseline < 60, (baseline, after)
    finally:
        server.terminate()
        server.wait(timeout=30)

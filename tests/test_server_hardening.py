"""The service under attack (issue 18): the time limit stops the work, concurrency counts
running work, bodies have a read timeout, JSON is read as the CLI reads it, problems never
show server paths, and no input is a 500."""

from __future__ import annotations

import json
import os
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx2")

import anyio  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from kpi_advisor.advisor import Advisor  # noqa: E402
from kpi_advisor.server import ServiceLimits, create_app, public_text  # noqa: E402

ROW = {"channel": "facebook", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2300, "purchases": 20}


def config(**extra) -> dict:
    return {"client": "Test Shop", "business_model": "dtc_ecommerce", "data": [{"records": [ROW]}], **extra}


def heavy() -> dict:
    """Seconds of work: many rows and a long chain of derived metrics."""
    rows = [{**ROW, "campaign": f"c{i}", "ad": f"a{i}", "region": f"r{i % 50}"} for i in range(10_000)]
    metrics = [{"id": "m0", "formula": "clicks / impressions", "stage": "interest"}]
    metrics += [{"id": f"m{i}", "formula": f"m{i - 1} * 1.0001 + clicks / impressions", "stage": "interest"} for i in range(1, 800)]
    return {"client": "Heavy", "business_model": "dtc_ecommerce", "data": [{"records": rows}], "metrics": metrics}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except OSError:
        return True


def test_the_time_limit_kills_the_work_and_the_slot_counts_running_work():
    """The timeout freed the slot while the thread kept running: 8 slow requests kept normal
    ones at 503 for about 4 minutes."""
    limits = ServiceLimits(timeout_seconds=1.0, max_concurrent=2, max_rows=10_000, max_body_bytes=8 * 1024 * 1024)
    app = create_app(limits=limits)
    service = app.state.service
    pools = (service.pool, service.bulk)  # the heavy body is large: the bulk lane takes it

    def pids() -> set[int]:
        return {pid for pool in pools for pid in pool.pids()}

    with TestClient(app) as client:
        assert all(pool.wait_ready(120, count=pool.size) for pool in pools)  # started with the app
        assert client.post("/v1/evaluate", json=config()).status_code == 200
        before = pids()
        body = json.dumps(heavy()).encode()
        started = time.perf_counter()
        response = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 503 and response.json()["type"].endswith("/timeout"), response.text
        # A timeout says so, not that the worker died (a TimeoutError is an OSError, taken for one).
        assert "did not finish within 1 s" in response.json()["detail"], response.text
        assert time.perf_counter() - started < limits.timeout_seconds + 5
        killed = before - pids()
        assert killed and not any(_alive(pid) for pid in killed)  # the work stopped with the answer
        assert len(service.pool.pids()) <= limits.max_concurrent and len(service.bulk.pids()) <= service.bulk.size
        deadline = time.monotonic() + 120
        while not service.bulk.wait_ready(0.1, count=service.bulk.size):  # a new worker takes over
            assert time.monotonic() < deadline
        assert client.post("/v1/evaluate", json=config()).status_code == 200
        everyone = before | pids()
    assert not any(_alive(pid) for pid in everyone)  # shutdown stops the workers


def test_a_trickling_body_is_cut_off():
    """50 sockets trickling a body stayed open."""
    app = create_app(limits=ServiceLimits(body_timeout_seconds=0.3, isolation="thread"))
    sent: list[dict] = []

    async def main() -> None:
        chunks = [b'{"client": ', None]

        async def receive():
            chunk = chunks.pop(0) if chunks else None
            if chunk is None:
                await anyio.sleep(30)  # the client never sends the rest
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/v1/evaluate", "raw_path": b"/v1/evaluate", "query_string": b"", "root_path": "",
            "headers": [(b"content-type", b"application/json")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        }
        with anyio.fail_after(5):
            await app(scope, receive, send)

    started = time.perf_counter()
    anyio.run(main)
    assert time.perf_counter() - started < 3
    assert sent[0]["status"] == 408


@pytest.fixture(scope="module")
def client():
    # No test here is about the time limit (those make their own service): a long one, so that a
    # busy CI machine answering the 50,000-field flood in a niced worker still gets its 422.
    app = create_app(limits=ServiceLimits(timeout_seconds=120.0))
    with TestClient(app) as test_client:
        assert app.state.service.pool.wait_ready(120) and app.state.service.bulk.wait_ready(120)  # started with the app
        yield test_client


def test_json_is_read_as_the_cli_reads_it(client):
    body = '{"client": "A", "client": "B", "business_model": "dtc_ecommerce", "data": [{"records": [{"clicks": 1}]}]}'
    response = client.post("/v1/evaluate", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "duplicate key 'client' (first defined at line 1)" in response.json()["detail"]
    response = client.post("/v1/evaluate", content=b"\xef\xbb\xbf" + json.dumps(config()).encode(), headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_a_number_too_long_to_read_is_said_in_a_users_words(client):
    """The 400 carried Python's advice: 'use sys.set_int_max_str_digits() to increase the limit'."""
    body = json.dumps(config()).replace('"clicks": 3000', '"clicks": ' + "9" * 5000)
    response = client.post("/v1/evaluate", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"] == "not valid JSON: a number of 5,000 digits; numbers have at most 4,300"


def test_a_flood_of_problems_gets_a_short_answer(client):
    body = {**config(), **{f"unknown_{i}": 1 for i in range(50_000)}}
    response = client.post("/v1/evaluate", content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert len(response.content) < 20_000  # 5.7 MB before
    detail = response.json()["detail"].splitlines()
    assert len(detail) == 51 and detail[-1] == "and 49950 more problems like these"


@pytest.mark.parametrize(
    "bad",
    [
        config(metrics=[{"id": "channel", "formula": "clicks", "stage": "interest", "unit": "count"}]),
        config(segments=["clicks"]),
        config(data=[{"records": [{**ROW, "date": "+12026-01-01"}]}]),
        config(data=[{"records": [{**ROW, "__line": "abc"}]}]),
        config(metrics=[{"id": "odd", "formula": "if_else(clicks > 1, 'a', 1)", "stage": "interest"}]),
        config(metrics=[{"id": "odd", "formula": "if_else(clicks > 1, 'a', 'b')", "stage": "interest"}]),
        config(data=[{"records": [{**ROW, "channel": "face\ud800book"}]}]),
        config(data=[{"records": [{**ROW, "camp\udfffaign": "x"}]}]),
    ],
    ids=["metric-named-channel", "segment-is-metric", "year-12026", "engine-column", "mixed-if-else", "text-metric", "surrogate-value", "surrogate-key"],
)
def test_no_input_is_a_server_error(client, bad):
    body = json.dumps(bad).encode()  # lone surrogates as \ud800 escapes, as a client would send them
    response = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "\ud800" not in response.text and "\udfff" not in response.text


def test_problems_never_show_server_paths(tmp_path):
    plugin = tmp_path / "secret_dir" / "agency_metrics.py"
    plugin.parent.mkdir()
    plugin.write_text(
        "import kpi_advisor\n\n@kpi_advisor.hookimpl\ndef kpi_advisor_metrics():\n"
        "    return [{'id': 'cost_per_visit', 'formula': 'spend / store_visits', 'stage': 'purchase', 'unit': 'currency'}]\n"
    )
    app = create_app(Advisor(plugins=[plugin], allow_files=False))
    with TestClient(app) as service:
        assert app.state.service.pool.wait_ready(120)  # workers load the plugin when they start
        response = service.post("/v1/evaluate", json=config(metrics=[{"id": "cost_per_visit", "formula": "clicks", "stage": "interest"}]))
    assert response.status_code == 422, response.text
    assert "secret_dir" not in response.text and str(tmp_path) not in response.text


def test_public_text():
    assert public_text("metric 'x' (/srv/app/plugins/agency.py): taken") == "metric 'x' (agency.py): taken"
    assert public_text("rule 'r' in /opt/venv/lib/kpi_advisor/rules/funnel.yaml: bad") == "rule 'r' in funnel.yaml: bad"
    assert public_text("ratio 3/4 and https://example.com/a/b stay") == "ratio 3/4 and https://example.com/a/b stay"
    assert public_text("name 'a\x1b]0;x\x07'\nnext") == "name 'a\\x1b]0;x\\x07'\\x0anext"


@pytest.fixture()
def listening(monkeypatch):
    """The service on a real socket, through the same uvicorn protocol ``serve`` uses, with a
    header deadline short enough to test."""
    import socket as socketlib
    import threading

    import uvicorn
    from kpi_advisor import server

    monkeypatch.setattr(server, "HEADER_TIMEOUT_SECONDS", 0.5)
    with socketlib.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(limits=ServiceLimits(isolation="thread")), host="127.0.0.1", port=port,
                            log_level="error", http=server._http_protocol())
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.02)
    yield port
    running.should_exit = True
    thread.join(10)


def _connect(port: int):
    import socket as socketlib

    connection = socketlib.create_connection(("127.0.0.1", port), timeout=5)
    return connection


def test_a_trickling_header_is_cut_off(listening):
    """A header sent a byte at a time held its connection for ever."""
    with _connect(listening) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 4:
            try:
                connection.sendall(b"X")  # one byte of a header that never ends
                connection.settimeout(0.15)
                closed = connection.recv(1024) == b""
            except TimeoutError:
                continue
            except OSError:  # reset by the server: closed too
                closed = True
            if closed:
                break
        assert closed and time.monotonic() - started < 2


def test_headers_in_time_and_an_idle_keep_alive_are_answered(listening):
    with _connect(listening) as connection:
        for part in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):  # slow, but within the deadline
            connection.sendall(part)
            time.sleep(0.1)
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(1.0)  # idle between requests: uvicorn's keep-alive timeout (5 s) applies, not the header deadline
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc")
def test_after_a_bulk_body_the_freed_heap_goes_back_to_the_system():
    """glibc keeps freed small blocks for later; give_memory_back hands them back, and only
    after a body as large as the bulk lane's."""
    from kpi_advisor import server

    if server._malloc_trim() is None:
        pytest.skip("not glibc")

    def rss_mib() -> float:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    # 1 KiB blocks come from malloc's heap (not mmap); the last one pins the heap's top, so
    # only a trim of the holes below it gives the pages back.
    blocks = [bytes(1024) + bytes([i % 256]) for i in range(150_000)]
    keep = blocks[-1]
    del blocks
    before = rss_mib()
    server.give_memory_back(server.BULK_BYTES)  # a main-lane body: no trim
    assert rss_mib() > before - 20
    server.give_memory_back(server.BULK_BYTES + 1)
    assert rss_mib() < before - 100, (before, rss_mib())
    assert keep


def test_a_worker_past_its_memory_limit_is_killed_and_the_request_refused():
    """A worker had no memory limit: a few crafted requests within the body and row limits could
    take the machine's memory between them. A worker rests at ~120 MiB and the heavy request
    peaks near 300: with a limit of 200 MiB the small request passes and the heavy one is
    stopped with a 413 naming the limit, its worker killed and replaced."""
    from kpi_advisor.server import resident_bytes

    limits = ServiceLimits(timeout_seconds=60.0, max_concurrent=1, max_rows=10_000, max_body_bytes=8 * 1024 * 1024,
                           max_memory_bytes=200 * 2**20)
    app = create_app(limits=limits)
    service = app.state.service
    with TestClient(app) as client:
        assert service.bulk.wait_ready(120)
        [pid] = service.bulk.pids()
        assert resident_bytes(pid) < limits.max_memory_bytes  # at rest, well under
        response = client.post("/v1/evaluate", content=json.dumps(heavy()).encode(), headers={"content-type": "application/json"})
        assert response.status_code == 413 and response.json()["type"].endswith("/too-large"), response.text
        assert "more than 200 MiB of memory" in response.json()["detail"]
        assert not _alive(pid)
        assert client.post("/v1/evaluate", json=config()).status_code == 200
        deadline = time.monotonic() + 120
        while not service.bulk.wait_ready(0.1):  # a new worker takes over
            assert time.monotonic() < deadline
    assert ServiceLimits().max_memory_bytes == 2**30

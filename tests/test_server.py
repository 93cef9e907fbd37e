"""The HTTP service, through the ASGI test client; and fuzzed against its own OpenAPI schema."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi", reason="the server extra is not installed: pip install -e '.[server]'")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed: pip install -e '.[test]'")

from click.testing import CliRunner  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from kpi_advisor import Advisor, Report  # noqa: E402
from kpi_advisor.cli import cli  # noqa: E402
from kpi_advisor.loading.yamlsafe import load_yaml_file  # noqa: E402
from kpi_advisor.server import PROBLEM_TYPES, ServiceLimits, create_app, json_pointer  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"
PROBLEM = "application/problem+json"

ROWS = [
    {"channel": "facebook", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2300, "purchases": 20},
    {"channel": "instagram", "impressions": 90000, "clicks": 1500, "sessions": 1400, "bounces": 420, "purchases": 35},
]


def small_config(**extra) -> dict:
    return {"client": "Test Shop", "business_model": "dtc_ecommerce", "data": [{"records": ROWS}], **extra}


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as test_client:
        if app.state.service.pool is not None:  # worker processes start with the app
            assert app.state.service.pool.wait_ready(120) and app.state.service.bulk.wait_ready(120)
        yield test_client


def cli_json(*args: str, stdin: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == (PROBLEM_TYPES[kind] if kind else "about:blank")
    assert "Traceback" not in response.text
    return body


# --- the endpoints answer as the CLI does --------------------------------------------------


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["rules"] >= 1 and body["metrics"] >= 1


def test_evaluate_gives_the_cli_report_for_yaml_and_json(client):
    expected = cli_json("run", str(EXAMPLE), "--format", "json")
    as_yaml = client.post("/v1/evaluate", content=EXAMPLE.read_bytes(), headers={"content-type": "application/yaml"})
    as_json = client.post("/v1/evaluate", content=json.dumps(load_yaml_file(EXAMPLE).data, default=str), headers={"content-type": "application/json"})
    for response in (as_yaml, as_json):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected
    Report.model_validate(as_json.json())


def test_evaluate_max_findings_as_the_cli(client):
    expected = cli_json("run", "-", "--format", "json", "--max-findings", "0", stdin=json.dumps(small_config()))
    response = client.post("/v1/evaluate", params={"max_findings": 0}, json=small_config())
    assert response.json() == expected
    assert response.json()["summary"]["findings_total"] >= 1 and response.json()["findings"] == []


def test_evaluate_words_the_findings_it_keeps_as_the_cli(client):
    """The service words only the findings max_findings keeps, as the CLI does: the same JSON,
    and every finding shown has its message and recommendation."""
    config = ROOT / "examples" / "northwind_coffee.yaml"
    for shown in (2, 5):
        expected = cli_json("run", str(config), "--format", "json", "--max-findings", str(shown))
        response = client.post("/v1/evaluate", params={"max_findings": shown}, content=config.read_bytes(),
                               headers={"content-type": "application/yaml"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == expected
        assert len(body["findings"]) == shown < body["summary"]["findings_total"]
        assert all(finding["message"] and finding["recommendation"] for finding in body["findings"])


def test_evaluate_request_words_only_what_it_shows(monkeypatch):
    from kpi_advisor.evaluation import rules
    from kpi_advisor.server import evaluate_request

    worded = []
    words = rules._Words.__call__
    monkeypatch.setattr(rules._Words, "__call__", lambda self: worded.append(self.rule.id) or words(self))
    config = (ROOT / "examples" / "northwind_coffee.yaml").read_bytes()
    body = json.loads(evaluate_request(Advisor(), ServiceLimits(), config, "application/yaml", 2))
    assert len(body["findings"]) == 2 and len(worded) == 2 < body["summary"]["findings_total"]
    worded.clear()
    body = json.loads(evaluate_request(Advisor(), ServiceLimits(), config, "application/yaml", None))
    assert len(worded) == len(body["findings"]) == body["summary"]["findings_total"]


def test_kpis_as_the_cli(client):
    expected = cli_json("kpis", "--model", "dtc_ecommerce", "--goal", "sales", "--goal", "awareness", "--format", "json")
    response = client.get("/v1/kpis", params=[("model", "dtc_ecommerce"), ("goal", "sales"), ("goal", "awareness")])
    assert response.status_code == 200 and response.json() == expected
    assert client.get("/v1/kpis", params={"model": "b2b"}).json() == cli_json("kpis", "--model", "b2b", "--format", "json")


@pytest.mark.parametrize("kind", ["rules", "metrics", "models", "goals"])
def test_listings_as_the_cli_without_server_paths(client, kind):
    expected = cli_json("list", kind, "--format", "json")
    response = client.get(f"/v1/{kind}")
    assert response.status_code == 200
    got = response.json()
    assert [row["id"] for row in got] == [row["id"] for row in expected]
    for ours, theirs in zip(got, expected):
        assert {k: v for k, v in ours.items() if k != "provider"} == {k: v for k, v in theirs.items() if k != "provider"}
    assert str(ROOT) not in response.text


def test_openapi_describes_only_inline_requests(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/evaluate", "/v1/kpis", "/v1/rules", "/v1/metrics", "/healthz"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    request = components["EvaluateRequest"]
    assert "plugins" not in request["properties"]
    assert request["properties"]["data"]["items"] == {"$ref": "#/components/schemas/RecordsSource"}
    assert "FileSource" not in components
    assert "packs" not in components["RuleSettings"]["properties"]
    responses = schema["paths"]["/v1/evaluate"]["post"]["responses"]
    assert set(responses) >= {"200", "400", "413", "415", "422", "503"}
    assert PROBLEM in responses["422"]["content"]


# --- what a request may not do ----------------------------------------------------------------


def test_requests_cannot_name_files_or_plugins(client):
    config = small_config(plugins=["/tmp/evil.py"], rules={"packs": ["/etc/rules.yaml"]})
    config["data"] = [*config["data"], {"csv": "/etc/passwd"}, {"parquet": "x.parquet", "format": "generic"}]
    body = assert_problem(client.post("/v1/evaluate", json=config), 422, "invalid-config")
    assert [(e["field"], e["pointer"]) for e in body["errors"]] == [
        ("plugins", "#/plugins"),
        ("rules.packs", "#/rules/packs"),
        ("data[1].csv", "#/data/1/csv"),
        ("data[2].parquet", "#/data/2/parquet"),
    ]
    assert all("not allowed here" in e["detail"] for e in body["errors"])
    yaml_body = "client: X\nbusiness_model: b2b\ndata:\n  - csv: /etc/passwd\n"
    body = assert_problem(client.post("/v1/evaluate", content=yaml_body, headers={"content-type": "application/yaml"}), 422, "invalid-config")
    assert body["errors"][0]["field"] == "data[0].csv"


def test_every_config_problem_is_listed_with_its_field(client):
    config = small_config(currency="euro", goals=[{"id": "Bad Id", "objective": "sales"}])
    config["data"][0]["records"] = [{**ROWS[0], "clicks": -5}]
    body = assert_problem(client.post("/v1/evaluate", json=config), 422, "invalid-config")
    fields = {e["field"] for e in body["errors"]}
    assert {"currency", "goals[0].id"} <= fields
    assert all(e["pointer"] == json_pointer(e["field"]) for e in body["errors"])
    # Data problems come once the config itself is valid, located by row and column.
    config = small_config()
    config["data"][0]["records"] = [ROWS[0], {**ROWS[1], "clicks": "many"}]
    body = assert_problem(client.post("/v1/evaluate", json=config), 422, "invalid-config")
    assert body["errors"] == [
        {"detail": "expected a non-negative number, got 'many'", "field": "data[0].records[1].clicks", "pointer": "#/data/0/records/1/clicks"}
    ]
    body = assert_problem(client.post("/v1/evaluate", json=small_config(business_model="b2c")), 422, "invalid-config")
    assert body["errors"][0]["field"] == "business_model" and "did you mean 'b2b'" in body["errors"][0]["detail"]


def test_yaml_problems_carry_lines(client):
    text = "client: X\nbusiness_model: dtc_ecommerce\ngoals:\n  - id: g\n    objective: sales\n    target: -1\n"
    body = assert_problem(client.post("/v1/evaluate", content=text, headers={"content-type": "text/yaml"}), 422, "invalid-config")
    assert body["errors"][0]["field"] == "goals[0].target" and body["errors"][0]["line"] == 6
    body = assert_problem(client.post("/v1/evaluate", content="a: [1,", headers={"content-type": "application/yaml"}), 400, "invalid-body")
    assert body["errors"][0]["line"] >= 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "not valid JSON"),
        (b"", "empty"),
        (b'{"client": NaN}', "NaN is not a JSON number"),
        (b'{"client": 1e999}', "too large"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_unreadable_bodies(client, body, fragment):
    problem = assert_problem(client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"}), 400, "invalid-body")
    assert fragment in problem["detail"]


def test_yaml_without_a_content_type_gets_a_hint(client):
    problem = assert_problem(client.post("/v1/evaluate", content=EXAMPLE.read_bytes(), headers={"content-type": ""}), 400, "invalid-body")
    assert "Content-Type: application/yaml" in problem["detail"]


def test_a_body_that_is_not_an_object(client):
    problem = assert_problem(client.post("/v1/evaluate", json=[small_config()]), 422, "invalid-config")
    assert "got an array" in problem["detail"]


def test_unsupported_media_type(client):
    assert_problem(client.post("/v1/evaluate", content=b"client=x", headers={"content-type": "application/x-www-form-urlencoded"}), 415, "unsupported-media-type")


def test_limits_on_body_size_and_rows():
    limits = ServiceLimits(max_body_bytes=2000, max_rows=3, isolation="thread")
    with TestClient(create_app(limits=limits)) as small:
        big = small_config(client="x" * 3000)
        assert_problem(small.post("/v1/evaluate", json=big), 413, "too-large")

        def chunks():  # no Content-Length: the limit must hold while streaming
            yield b'{"client": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        assert_problem(small.post("/v1/evaluate", content=chunks(), headers={"content-type": "application/json"}), 413, "too-large")
        many = small_config()
        many["data"] = [{"records": ROWS}, {"records": ROWS}]
        body = assert_problem(small.post("/v1/evaluate", json=many), 413, "too-large")
        assert "4 rows" in body["detail"] and body["errors"][0]["field"] == "data"
        assert small.post("/v1/evaluate", json=small_config()).status_code == 200


class SlowAdvisor(Advisor):
    """Records how many evaluations run at once."""

    def __init__(self, delay: float) -> None:
        super().__init__(allow_files=False)
        self.delay = delay
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def evaluate(self, config, *, data=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.delay)
            return super().evaluate(config, data=data)
        finally:
            with self.lock:
                self.running -= 1


def test_time_limit_answers_503_with_retry_after():
    with TestClient(create_app(SlowAdvisor(delay=2.0), limits=ServiceLimits(timeout_seconds=0.05))) as slow:
        started = time.perf_counter()
        response = slow.post("/v1/evaluate", json=small_config())
        assert time.perf_counter() - started < 1.5  # answered at the limit, not when the evaluation ends
        body = assert_problem(response, 503, "timeout")
        assert response.headers["retry-after"] == "1" and "0.05 s" in body["detail"]


def test_concurrent_evaluations_are_bounded():
    advisor = SlowAdvisor(delay=0.2)
    with TestClient(create_app(advisor, limits=ServiceLimits(max_concurrent=2))) as service:
        results = []

        def call():
            results.append(service.post("/v1/evaluate", json=small_config()).status_code)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert results == [200] * 6
    assert advisor.most == 2


def test_unexpected_errors_are_problems_without_internals():
    class Broken(Advisor):
        def evaluate(self, config, *, data=None):
            raise RuntimeError("secret internal detail")

    with TestClient(create_app(Broken(allow_files=False)), raise_server_exceptions=False) as broken:
        response = broken.post("/v1/evaluate", json=small_config())
    body = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text and "RuntimeError" in body["detail"]


def test_query_problems(client):
    body = assert_problem(client.get("/v1/kpis"), 422, "invalid-query")
    assert body["errors"][0]["field"] == "model"
    body = assert_problem(client.get("/v1/kpis", params={"model": "b2c"}), 422, "invalid-query")
    assert body["errors"][0]["field"] == "model" and "did you mean 'b2b'" in body["detail"]
    body = assert_problem(client.get("/v1/kpis", params={"model": "b2b", "goal": "world-domination"}), 422, "invalid-query")
    assert body["errors"][0]["field"] == "goal"
    body = assert_problem(client.post("/v1/evaluate", params={"max_findings": -1}, json=small_config()), 422, "invalid-query")
    assert body["errors"][0]["field"] == "max_findings"


def test_http_errors_are_problems(client):
    assert_problem(client.get("/v1/nothing-here"), 404)
    assert_problem(client.get("/v1/evaluate"), 405)


@pytest.mark.parametrize(
    ("path", "pointer"),
    [("", "#"), ("goals[0].target", "#/goals/0/target"), ('benchmarks["a/b~c"]', "#/benchmarks/a~1b~0c"), ("data[0].records[2].clicks", "#/data/0/records/2/clicks")],
)
def test_json_pointer(path, pointer):
    assert json_pointer(path) == pointer


def test_serve_without_the_server_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "pip install 'kpi-advisor[server]'" in result.stderr


# --- fuzzing against the service's own OpenAPI schema ------------------------------------------

# Bounded so the suite stays fast; KPI_ADVISOR_FUZZ_EXAMPLES=1000 for a deeper run.
FUZZ_EXAMPLES = int(os.environ.get("KPI_ADVISOR_FUZZ_EXAMPLES", "40"))
# In-process evaluations: schemathesis starts and stops the app (its lifespan) around every
# call, and worker processes would be started again each time; the answers are the same.
FUZZ_APP = create_app(limits=ServiceLimits(isolation="thread"))
FUZZ_SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)


@FUZZ_SCHEMA.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_error_and_answers_match_the_schema(case):
    # The schema cannot say everything a config must satisfy (a period's end after its
    # start, a custom metric's formula naming known metrics), so a schema-valid body may
    # still get a 422 problem; and rows are read leniently (numbers as text, like a CSV).
    case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])


# --- the real command ---------------------------------------------------------------------------

AGENCY_PACK = """\
pack: agency
rules:
  - id: many-bounces
    title: Most visits bounce
    stage: interest
    severity: low
    levels: [channel]
    when: bounce_rate > max_bounce_rate
    params: {max_bounce_rate: 0.5}
    message: "{scope}: {bounce_rate} of visits bounce"
    recommendation: Look at the landing page.
    rationale: Test rule.
    source: Test.
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_workers_and_a_rule_pack(tmp_path):
    import http.client
    import subprocess
    import sys

    pack = tmp_path / "agency.yaml"
    pack.write_text(AGENCY_PACK, encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-m", "kpi_advisor", "serve", "--port", str(port), "--workers", "2", "--rule-pack", str(pack), "--log-level", "warning"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        for _ in range(3):  # one keep-alive connection, as a client library would
            connection.request("POST", "/v1/evaluate", body=json.dumps(small_config()), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            report = json.loads(response.read())
            assert response.status == 200
            assert [f["scope"] for f in report["findings"] if f["rule"] == "many-bounces"] == [{"channel": "facebook"}]
        connection.request("GET", "/v1/rules")
        rules = json.loads(connection.getresponse().read())
        assert {"id": "many-bounces", "provider": "agency.yaml"}.items() <= next(r for r in rules if r["id"] == "many-bounces").items()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_stops_at_once_on_a_bad_rule_pack(tmp_path):
    pack = tmp_path / "agency.yaml"
    pack.write_text(AGENCY_PACK.replace("bounce_rate > max", "bounce_rat > max"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--rule-pack", str(pack), "--port", str(_free_port())])
    assert result.exit_code == 2
    assert "bounce_rat" in result.stderr and "Traceback" not in result.stderr


def test_a_worker_evaluates_a_starter_config_before_it_says_it_is_ready(monkeypatch):
    from kpi_advisor import server

    bodies = []
    real = server.evaluate_request
    monkeypatch.setattr(server, "evaluate_request", lambda advisor, limits, body, *rest: bodies.append(body) or real(advisor, limits, body, *rest))
    server.warm_up(Advisor(allow_files=False), ServiceLimits())
    assert len(bodies) == 1 and b"business_model: dtc_ecommerce" in bodies[0]


def test_a_failed_warm_up_is_logged_and_the_worker_still_serves(monkeypatch, caplog):
    from kpi_advisor import server

    def broken(*args):
        raise RuntimeError("a plugin's metric raised")

    monkeypatch.setattr(server, "evaluate_request", broken)
    server.warm_up(Advisor(allow_files=False), ServiceLimits())
    assert "warm-up evaluation failed" in caplog.text


def test_the_pool_asks_the_worker_that_answered_last_first():
    """It holds the rules compiled for the shapes it has seen; round the pool, every worker met
    each shape cold in turn."""
    from kpi_advisor.server import WorkerPool

    pool = WorkerPool({}, size=2, recycle_after=500)
    first, last = object(), object()
    pool.workers.update((first, last))
    pool.live = 2
    pool.idle.put(first)
    pool.idle.put(last)
    assert pool._take(time.monotonic() + 1) is last
    assert pool._take(time.monotonic() + 1) is first


def test_a_worker_that_keeps_more_than_half_its_memory_limit_after_answering_is_replaced():
    """The next request must not start near the limit and be refused for memory the last one kept."""
    import types

    from kpi_advisor.server import WorkerPool, resident_bytes

    here = resident_bytes(os.getpid())
    assert here is not None
    for limit, replaced in ((here, True), (here * 4, False)):
        pool = WorkerPool({}, size=1, recycle_after=500, max_memory=limit)
        worker = types.SimpleNamespace(process=types.SimpleNamespace(pid=os.getpid()), served=0,
                                       writer=types.SimpleNamespace(send=lambda request: None),
                                       reader=types.SimpleNamespace(poll=lambda timeout: True, recv=lambda: ("ok", b"{}")))
        retired = []
        pool._take = lambda deadline: worker
        pool._retire = retired.append
        assert pool.run((b"{}", "application/json", None), time.monotonic() + 5) == ("ok", b"{}")
        assert (retired == [worker]) is replaced and (pool.idle.qsize() == 0) is replaced

import datetime
import json
import pickle
import time

import pytest
from kpi_advisor.limits import YamlLimits
from kpi_advisor.loading import yamlsafe
from kpi_advisor.loading.validation import known_fields_for, problems_from_validation_error
from kpi_advisor.loading.yamlsafe import Document, load_yaml_file, load_yaml_text
from kpi_advisor.problems import ConfigError, Problem, ProblemsError, format_path
from pydantic import BaseModel, ConfigDict, ValidationError

LOADERS = [pytest.param(yamlsafe._PyLoader, id="python")]
if yamlsafe._CLoader is not None:
    LOADERS.insert(0, pytest.param(yamlsafe._CLoader, id="libyaml"))


@pytest.fixture(params=LOADERS)
def loader(request, monkeypatch):
    """Run a test against both the libyaml and the pure-Python parser."""
    monkeypatch.setattr(yamlsafe, "_Loader", request.param)
    return request.param


def config_error(text, **kwargs) -> Problem:
    with pytest.raises(ConfigError) as info:
        load_yaml_text(text, file="acme.yaml", **kwargs)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


# --------------------------------------------------------------------------- problems


def test_format_path():
    assert format_path(("goals", 0, "target")) == "goals[0].target"
    assert format_path(("data", 0, "my key")) == 'data[0]["my key"]'
    assert format_path([]) == ""
    assert format_path((0, "a")) == "[0].a"


def test_problem_str_omits_absent_parts():
    assert str(Problem("bad", "acme.yaml", 7, "goals[0].target")) == "acme.yaml:7: goals[0].target: bad"
    assert str(Problem("bad", "acme.yaml")) == "acme.yaml: bad"
    assert str(Problem("bad")) == "bad"


def test_problems_error_accepts_strings_and_pickles():
    error = ConfigError([Problem("one", "a.yaml", 1), "two"])
    assert str(error) == "a.yaml:1: one\ntwo"
    assert isinstance(error, ValueError) and isinstance(error, ProblemsError)
    assert ConfigError("only").problems == [Problem("only")]
    assert pickle.loads(pickle.dumps(error)).problems == error.problems


# --------------------------------------------------------------------------- loading


def test_lines_for_nested_mappings_and_sequences(loader):
    doc = load_yaml_text(
        "client: acme\n"
        "data:\n"
        "  - csv: a.csv\n"
        "    records:\n"
        "      - {date: 2024-01-01, clicks: 3}\n"
        "      - date: 2024-01-02\n"
        "        clicks: 4\n",
        file="acme.yaml",
    )
    assert doc.data["data"][0]["records"][1] == {"date": datetime.date(2024, 1, 2), "clicks": 4}
    assert doc.line_of(("client",)) == 1
    assert doc.line_of(("data",)) == 2
    assert doc.line_of(("data", 0)) == 3
    assert doc.line_of(("data", 0, "csv")) == 3
    assert doc.line_of(("data", 0, "records", 0, "clicks")) == 5
    assert doc.line_of(("data", 0, "records", 1)) == 6
    assert doc.line_of(("data", 0, "records", 1, "clicks")) == 7
    # unknown paths fall back to the nearest ancestor
    assert doc.line_of(("data", 0, "records", 1, "nope", 3)) == 6
    assert doc.problem(("data", 0, "csv"), "no such file") == Problem("no such file", "acme.yaml", 3, "data[0].csv")


def test_json_loads_with_lines(tmp_path, loader):
    path = tmp_path / "acme.json"
    path.write_text(json.dumps({"name": "acme", "goals": [{"metric": "cac", "target": 12.5}]}, indent=2))
    doc = load_yaml_file(path, display="acme.json")
    assert doc.data == {"name": "acme", "goals": [{"metric": "cac", "target": 12.5}]}
    assert doc.file == "acme.json"
    assert doc.line_of(("goals", 0, "target")) == 6
    assert doc.line_of(("goals", 0)) == 4


def test_alias_sequence_item_line_is_where_it_is_used(loader):
    doc = load_yaml_text("base: &b {x: 1}\nitems:\n  - *b\n  - *b\n")
    assert doc.data["items"] == [{"x": 1}, {"x": 1}]
    assert doc.line_of(("items", 1)) == 4
    assert doc.line_of(("items", 1, "x")) == 1  # the value itself is written at the anchor


def test_schema_comment_first_line(loader):
    doc = load_yaml_text("# yaml-language-server: $schema=../schemas/client.json\nname: acme\n")
    assert doc.data == {"name": "acme"}
    assert doc.line_of(("name",)) == 2


def test_syntax_error_names_line(loader):
    problem = config_error("name: acme\ngoals:\n  - metric: cac\n   target: 3\n")
    assert problem.file == "acme.yaml"
    assert problem.line == 4
    assert "\n" not in str(problem)


def test_unclosed_flow_sequence(loader):
    problem = config_error("a: 1\nb: [1, 2\n")
    assert problem.line in (2, 3)
    assert "\n" not in str(problem)


def test_duplicate_key_nested(loader):
    problem = config_error("goals:\n  - metric: cac\n    target: 1\n    target: 2\n")
    assert (problem.line, problem.path) == (4, "goals[0].target")
    assert problem.message == "duplicate key 'target' (first defined at line 3)"


def test_duplicate_key_json(loader):
    problem = config_error('{"a": {"b": 1,\n "b": 2}}')
    assert (problem.line, problem.path) == (2, "a.b")


def test_merge_keys(loader):
    doc = load_yaml_text(
        "defaults: &d {currency: EUR, window: 30}\n"
        "extra: &e {owner: me}\n"
        "client:\n"
        "  <<: [*d, *e]\n"
        "  window: 7\n"
    )
    assert doc.data["client"] == {"currency": "EUR", "window": 7, "owner": "me"}
    assert doc.line_of(("client", "window")) == 5
    assert doc.line_of(("client", "currency")) == 1


def test_duplicate_inside_merged_mapping_is_reported(loader):
    problem = config_error("d: &d {a: 1, a: 2}\nc:\n  <<: *d\n")
    assert problem.message.startswith("duplicate key 'a'")
    assert problem.line == 1


@pytest.mark.parametrize(
    "payload, tag",
    [
        ("!!python/object/apply:builtins.open [{marker}, w]", "!!python/object/apply:builtins.open"),
        ("x: !!python/object/apply:os.system [touch {marker}]", "!!python/object/apply:os.system"),
        ("x: !!python/object/new:builtins.open [{marker}, w]", "!!python/object/new:builtins.open"),
        ("x: !!python/name:os.system ''", "!!python/name:os.system"),
        ("x:\n  y: !!python/module:os ''", "!!python/module:os"),
        ("x: !custom 1", "!custom"),
        ("x: !!set {a, b}", "!!set"),
    ],
)
def test_unsafe_tags_refused_without_side_effects(tmp_path, loader, payload, tag):
    marker = tmp_path / "pwned"
    problem = config_error(payload.replace("{marker}", json.dumps(str(marker))))
    assert problem.message == f"tag '{tag}' is not allowed"
    assert problem.line == payload.count("\n") + 1
    assert not marker.exists()


def test_safe_tag_on_wrong_kind(loader):
    assert config_error("x: !!map 1").message == "tag '!!map' cannot be used on a scalar"
    assert load_yaml_text("x: !!str 012\ny: !!float 1").data == {"x": "012", "y": 1.0}


def test_billion_laughs_refused_fast(loader):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    started = time.perf_counter()
    problem = config_error("\n".join(lines))
    assert time.perf_counter() - started < 10  # a bound against a hang, not a speed target
    assert problem.message == "document expands to more than 200000 nodes (limit yaml_nodes; alias bomb?)"
    assert problem.line is not None


def test_deep_nesting_refused_without_recursion_error(loader):
    started = time.perf_counter()
    problem = config_error("[" * 10_000 + "]" * 10_000)
    assert time.perf_counter() - started < 10  # a bound against a hang, not a speed target
    assert problem.message == "nesting is deeper than 64 levels (limit yaml_depth)"
    assert problem.line == 1
    load_yaml_text("[" * 64 + "]" * 64)  # right at the limit is fine


def test_depth_through_aliases_is_counted(loader):
    text = "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30
    assert config_error(text).message.startswith("nesting is deeper than 64 levels")


def test_alias_limit(loader):
    problem = config_error("a: &a x\nb: [" + ", ".join(["*a"] * 1000) + "]")
    assert problem.message == "too many aliases: 1000 (limit yaml_aliases=100)"
    assert problem.line == 2


def test_recursive_alias_refused(loader):
    assert "recursive" in config_error("a: &a [1, *a]").message


def test_size_limit(tmp_path):
    limits = YamlLimits(max_bytes=100)
    problem = config_error("x: " + "y" * 200, limits=limits)
    assert problem.message == "file is too large: 203 bytes (limit yaml_bytes=100)"
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "y" * 200)
    with pytest.raises(ConfigError, match="big.yaml: file is too large: 203 bytes"):
        load_yaml_file(path, limits=limits)


def test_node_limit_without_aliases():
    problem = config_error("[" + ", ".join(["1"] * 50) + "]", limits=YamlLimits(max_nodes=20))
    assert problem.message == "document expands to more than 20 nodes (limit yaml_nodes)"


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n# another\n", "---\n"])
def test_empty_file(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_yaml_file(path)
    assert str(info.value) == f"{path}: file is empty; expected a mapping"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: cannot read file"):
        load_yaml_file(tmp_path / "nope.yaml", display="nope.yaml")


def test_bom_accepted(tmp_path, loader):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: acme\nx: 1\n")
    doc = load_yaml_file(path)
    assert doc.data == {"name": "acme", "x": 1}
    assert doc.line_of(("x",)) == 2


def test_invalid_utf8(loader):
    problem = config_error(b"name: acme\nx: caf\xe9\n")
    assert problem.message == "file is not valid UTF-8 text (byte 0xe9 at offset 17)"
    assert problem.line == 2


def test_control_character(loader):
    problem = config_error("a: 1\nb: \x00\n")
    assert problem.line == 2
    assert "#x0000" in problem.message


def test_invalid_date_names_line(loader):
    problem = config_error("start: 2024-01-01\nend: 2024-02-30\n")
    assert (problem.line, problem.path) == (2, "end")
    assert "2024-02-30" in problem.message


def test_single_document_only(loader):
    assert config_error("a: 1\n---\nb: 2\n").line == 2


def test_non_mapping_documents_are_returned():
    assert load_yaml_text("- 1\n- 2").data == [1, 2]
    assert load_yaml_text("hello").data == "hello"


# --------------------------------------------------------------------------- pydantic


class Goal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    target: float


class CsvSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: str


class SqlSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sql: str


class Client(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    business_model: str
    goals: list[Goal] = []
    data: list[CsvSource | SqlSource] = []


def validation_problems(text, known_fields=None):
    doc = load_yaml_text(text, file="acme.yaml")
    with pytest.raises(ValidationError) as info:
        Client.model_validate(doc.data)
    return [str(p) for p in problems_from_validation_error(info.value, doc, known_fields)]


def test_unknown_field_with_suggestion():
    problems = validation_problems("name: acme\nbusines_model: saas\n", known_fields_for(Client))
    assert "acme.yaml:2: busines_model: unknown field 'busines_model' (did you mean 'business_model'?)" in problems
    assert "acme.yaml:1: business_model: missing required field 'business_model'" in problems


def test_unknown_field_without_known_fields():
    problems = validation_problems("name: acme\nbusiness_model: saas\ncolour: red\n")
    assert problems == ["acme.yaml:3: colour: unknown field 'colour'"]


def test_nested_unknown_field_suggestion():
    text = "name: acme\nbusiness_model: saas\ngoals:\n  - metric: cac\n    targt: 3\n    target: 4\n"
    problems = validation_problems(text, known_fields_for(Client))
    assert problems == ["acme.yaml:5: goals[0].targt: unknown field 'targt' (did you mean 'target'?)"]


def test_wrong_type_and_missing_field_with_lines():
    text = "name: acme\nbusiness_model: saas\ngoals:\n  - metric: cac\n    target: cheap\n  - target: 5\n"
    problems = validation_problems(text)
    assert problems == [
        "acme.yaml:5: goals[0].target: Input should be a valid number, "
        "unable to parse string as a number (got 'cheap')",
        "acme.yaml:6: goals[1].metric: missing required field 'metric'",
    ]


def test_union_member_tags_are_stripped_from_paths():
    text = "name: acme\nbusiness_model: saas\ndata:\n  - csv: a.csv\n  - {}\n"
    problems = validation_problems(text)
    assert "acme.yaml:5: data[1].csv: missing required field 'csv'" in problems
    assert "acme.yaml:5: data[1].sql: missing required field 'sql'" in problems


def test_problems_without_document():
    with pytest.raises(ValidationError) as info:
        Client.model_validate({"name": "acme"})
    assert [str(p) for p in problems_from_validation_error(info.value, None)] == [
        "business_model: missing required field 'business_model'"
    ]


def test_known_fields_for_follows_loc():
    known = known_fields_for(Client)
    assert "business_model" in known(())
    assert set(known(("goals", 0))) == {"metric", "target"}
    assert known(("data", 0, "CsvSource")) == ["csv"]


def test_document_problem_for_whole_document():
    doc = Document(data={}, file="a.yaml", lines={(): 1})
    assert str(doc.problem((), "needs goals")) == "a.yaml:1: needs goals"


# --------------------------------------------------------------------------- YAML 1.2 core schema


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", "NO"), ("no", "no"), ("on", "on"), ("Off", "Off"), ("yes", "yes"), ("y", "y"),  # YAML 1.1: booleans
        ("1:30", "1:30"), ("190:20:30", "190:20:30"),  # YAML 1.1: base 60
        ("1_000", "1_000"), ("0b101", "0b101"), ("tRue", "tRue"),
        ("true", True), ("FALSE", False), ("~", None), ("null", None), ("", None),
        ("12", 12), ("-3", -3), ("+5", 5), ("0", 0), ("1e3", 1000.0), ("-1.5E-2", -0.015), (".5", 0.5),
        ("2026-07-01", datetime.date(2026, 7, 1)),
    ],
)
def test_plain_scalars_are_typed_by_the_yaml_1_2_core_schema(loader, text, value):
    """Region NO was false, channel on was true, 1:30 was 90 (YAML 1.1 typing)."""
    data = load_yaml_text(f"a: {text}\n{text or 'x'}: 1\n").data
    assert data["a"] == value and type(data["a"]) is type(value)
    assert (text or "x") in data or value in data


@pytest.mark.parametrize(
    ("text", "hint"),
    [("012", "write 12, or quote it"), ("-007", "write -7"), ("0x10", "write it as 16"), ("0o12", "write it as 10")],
)
def test_numbers_yaml_1_1_and_1_2_read_differently_are_refused(loader, text, hint):
    problem = config_error(f"region: EU\nclicks: {text}\n")
    assert (problem.line, problem.path) == (2, "clicks")
    assert hint in problem.message
    assert load_yaml_text(f"clicks: '{text}'").data == {"clicks": text}


def test_a_timestamp_counts_for_the_day_written_in_it(loader):
    """An unquoted timestamp landed on its UTC day, the same text in a CSV on its own day."""
    data = load_yaml_text("a: 2026-07-01T23:30:00-05:00\nb: 2026-07-01 10:00:00Z\n").data
    assert data["a"] == datetime.datetime(2026, 7, 1, 23, 30)
    assert data["b"] == datetime.datetime(2026, 7, 1, 10, 0)


@pytest.mark.skipif(yamlsafe._CLoader is None, reason="libyaml is not installed")
def test_a_large_file_with_a_deep_tail_is_not_read_again_in_pure_python(monkeypatch):
    """An 8.7 MB YAML with a deep tail was read again by the pure-Python parser (9.5 s)."""
    monkeypatch.setattr(yamlsafe, "_Loader", yamlsafe._CLoader)
    monkeypatch.setattr(yamlsafe, "_PyLoader", None)  # any re-read would fail loudly
    lines = "".join(f"  item {i} with some words to fill the line\n" for i in range(30_000))
    text = "client: X\nnotes: |\n" + lines + "deep: " + "[" * 2000 + "]" * 2000 + "\n"
    assert len(text) > yamlsafe.REREAD_BYTES
    problem = config_error(text)
    assert problem.line == 30_003
    assert problem.message == "nesting is deeper than 64 levels (limit yaml_depth)"

"""specs/pega-dx-v2.yaml accepts what real Pega servers send (tests/corpus/pega-dx-v2), and the
acceptance is not vacuous.

* Every recording of the manifest is valid for its operation and status: all of them.
* Mutants, generated per recording from the schema that accepted it, are rejected at the right
  JSON path: (a) a member the schema requires, and the recording has, removed; (b) a member
  the schema types given a value of another JSON type; (c) the body under an undocumented status.
* A manifest entry whose file is missing or not JSON is an error naming the file.

A spec or check that rejects real traffic is a defect of the suite (DESIGN.md, "Proving the suite").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance.contract import Contract, Problem, RecordingError, load, pointer, read_json

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "pega-dx-v2"
SPEC = ROOT / "specs" / "pega-dx-v2.yaml"


@dataclass(frozen=True)
class Recording:
    file: str
    method: str
    path: str
    status: int

    def body(self, root: Path = CORPUS) -> Any:
        return read_json(root / "responses" / self.file)


def recordings(root: Path = CORPUS) -> list[Recording]:
    """The manifest's entries (each names its file, operation and status)."""
    return [Recording(m["file"], m["method"], m["path"], int(m["status"]))
            for m in read_json(root / "manifest.json")]


RECORDINGS = recordings()


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load(SPEC)


def _ids(recs: list[Recording]) -> list[str]:
    return [r.file for r in recs]


# --------------------------------------------------------------------------- the manifest


def test_manifest_lists_every_recorded_file_once():
    on_disk = sorted(str(p.relative_to(CORPUS / "responses")) for p in (CORPUS / "responses").rglob("*.json"))
    assert sorted(r.file for r in RECORDINGS) == on_disk
    assert len(on_disk) == 51


def _one_entry_corpus(root: Path, file: str) -> Recording:
    (root / "responses").mkdir()
    (root / "manifest.json").write_text(json.dumps(
        [{"file": file, "method": "POST", "path": "/cases", "status": 201}]), encoding="utf-8")
    (rec,) = recordings(root)
    return rec


def test_manifest_entry_whose_file_is_missing_names_the_file(tmp_path):
    rec = _one_entry_corpus(tmp_path, "cases/absent.json")
    with pytest.raises(RecordingError, match=r"responses/cases/absent\.json: no such file"):
        rec.body(tmp_path)


def test_manifest_entry_whose_file_is_not_json_names_file_and_position(tmp_path):
    rec = _one_entry_corpus(tmp_path, "half.json")
    (tmp_path / "responses" / "half.json").write_text('{"data": {"caseInfo": \n', encoding="utf-8")
    with pytest.raises(RecordingError, match=r"responses/half\.json:2:1: not JSON"):
        rec.body(tmp_path)


def test_manifest_that_is_not_json_names_itself(tmp_path):
    (tmp_path / "manifest.json").write_text("[{,}]", encoding="utf-8")
    with pytest.raises(RecordingError, match=r"manifest\.json:1:3: not JSON"):
        recordings(tmp_path)


# --------------------------------------------------------------------------- acceptance


@pytest.mark.parametrize("rec", RECORDINGS, ids=_ids(RECORDINGS))
def test_recording_is_accepted_by_the_spec(contract, rec):
    problems = contract.operation(rec.method, rec.path).validate(rec.status, rec.body())
    assert problems == [], "\n".join(map(str, problems))


# --------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    kind: str  # "required" (member removed) or "type" (member's JSON type changed)
    path: tuple[Any, ...]  # the member, as keys and indices from the body's root
    rule: tuple[str, ...]  # the schema rule it breaks: (kind, JSON pointer of its schema[, member])
    allowed: frozenset[str] = frozenset()  # for "type": the JSON types that rule admits

    @property
    def json_path(self) -> str:
        return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" if p.isidentifier()
                             else f"['{p}']" for p in self.path)


# A value of each JSON type, "integer" first: it also stands for "number" (JSON Schema 2020-12).
_VALUES: tuple[tuple[str, Any], ...] = (("integer", 7), ("string", "mutant"), ("object", {}), ("array", []),
                                         ("boolean", True), ("null", None))


def _foreign_value(allowed: frozenset[str]) -> Any:
    for kind, value in _VALUES:
        if kind not in allowed and not (kind == "integer" and "number" in allowed):
            return value
    raise AssertionError(f"no JSON type outside {sorted(allowed)}")


def schema_mutants(contract: Contract, at: str, instance: Any, path: tuple[Any, ...] = ()) -> Iterator[Mutant]:
    """Mutants of `instance` from the rules of the schema at `at` that apply to it: for every
    `required` member the instance has, and every member a `type` applies to. Follows $ref,
    allOf, the alternative of anyOf/oneOf the instance fits, properties, additionalProperties
    and items, as a validator does."""
    schema = contract.lookup(at)
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("$ref"), str):
        yield from schema_mutants(contract, schema["$ref"][1:], instance, path)
    for i, _ in enumerate(schema.get("allOf") or []):
        yield from schema_mutants(contract, at + pointer("allOf", i), instance, path)
    for keyword in ("anyOf", "oneOf"):
        for i, _ in enumerate(schema.get(keyword) or []):
            if contract.validator(at + pointer(keyword, i)).is_valid(instance):
                yield from schema_mutants(contract, at + pointer(keyword, i), instance, path)
                break
    if "type" in schema and path:
        types = schema["type"]
        yield Mutant("type", path, ("type", at), frozenset(types if isinstance(types, list) else [types]))
    if isinstance(instance, dict):
        for name in schema.get("required") or []:
            if name in instance:
                yield Mutant("required", path + (name,), ("required", at, name))
        properties = schema.get("properties") or {}
        for name in properties:
            if name in instance:
                yield from schema_mutants(contract, at + pointer("properties", name), instance[name], path + (name,))
        if isinstance(schema.get("additionalProperties"), dict):
            for name in instance:
                if name not in properties:
                    yield from schema_mutants(contract, at + pointer("additionalProperties"), instance[name],
                                              path + (name,))
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(instance):
            yield from schema_mutants(contract, at + pointer("items"), item, path + (i,))


def plan_mutants(contract: Contract, recs: list[Recording]) -> dict[str, list[Mutant]]:
    """Which mutants each recording gets: at least one of each kind, and every schema rule the
    corpus exercises, each in the first recording that exercises it (the same rule broken in
    51 large bodies would prove nothing more, and take a minute)."""
    covered: set[tuple[str, ...]] = set()
    plan: dict[str, list[Mutant]] = {}
    for rec in recs:
        at = contract.operation(rec.method, rec.path).schema_pointer(rec.status)
        assert at is not None, f"{rec.method} {rec.path} {rec.status} declares no JSON body schema"
        candidates = list(schema_mutants(contract, at, rec.body()))
        chosen: list[Mutant] = []
        for kind in ("required", "type"):
            of_kind = [m for m in candidates if m.kind == kind]
            fresh = [m for m in of_kind if m.rule not in covered]
            chosen.extend((fresh or of_kind)[:1])
        chosen.extend(m for m in candidates if m.rule not in covered and m not in chosen)
        unique: dict[tuple[str, ...], Mutant] = {}
        for m in chosen:
            unique.setdefault(m.rule, m)
            covered.add(m.rule)
        plan[rec.file] = list(unique.values())
    return plan


@pytest.fixture(scope="module")
def plan(contract) -> dict[str, list[Mutant]]:
    return plan_mutants(contract, RECORDINGS)


def _apply(body: Any, mutant: Mutant) -> tuple[Any, Any]:
    """Mutate `body` in place; answer (parent, the original value) for _restore."""
    parent = body
    for key in mutant.path[:-1]:
        parent = parent[key]
    last = mutant.path[-1]
    original = parent[last]
    if mutant.kind == "required":
        del parent[last]
    else:
        parent[last] = _foreign_value(mutant.allowed)
    return parent, original


def _restore(parent: Any, mutant: Mutant, original: Any) -> None:
    parent[mutant.path[-1]] = original


def _names(problems: list[Problem], mutant: Mutant) -> bool:
    """A problem names the mutated member: at its path with the broken keyword, or, where the
    member sits in an alternative of anyOf/oneOf the value no longer fits, in that problem's
    list of each alternative's first problem."""
    for p in problems:
        if p.location != "body":
            continue
        if p.path == mutant.json_path and p.keyword == mutant.kind:
            return True
        if p.keyword in ("anyOf", "oneOf") and f"{mutant.json_path}: " in p.message and (
                mutant.json_path.startswith(p.path)):
            return True
    return False


@pytest.mark.parametrize("rec", RECORDINGS, ids=_ids(RECORDINGS))
def test_mutants_of_recording_are_rejected_at_their_path(contract, plan, rec):
    body = rec.body()
    op = contract.operation(rec.method, rec.path)
    mutants = plan[rec.file]
    kinds = {m.kind for m in mutants}
    # every recording exercises some rule of each kind (the operation's schemas require and type members)
    assert kinds == {"required", "type"}, f"{rec.file}: only {sorted(kinds)} mutants"
    missed = []
    for mutant in mutants:
        parent, original = _apply(body, mutant)
        try:
            problems = op.validate(rec.status, body)
        finally:
            _restore(parent, mutant, original)
        if not _names(problems, mutant):
            missed.append(f"{mutant.kind} {mutant.json_path}: {[str(p) for p in problems] or 'accepted'}")
    assert not missed, f"{rec.file}: {len(missed)} of {len(mutants)} mutants not rejected as expected:\n" + \
        "\n".join(missed)
    assert op.validate(rec.status, body) == []  # restored


@pytest.mark.parametrize("rec", RECORDINGS, ids=_ids(RECORDINGS))
def test_recording_under_an_undocumented_status_is_rejected(contract, rec):
    op = contract.operation(rec.method, rec.path)
    status = next(s for s in (299, 298, 297) if op.response_key(s) is None)
    problems = op.validate(status, rec.body())
    assert [(p.location, p.keyword) for p in problems] == [("status", "status")]
    assert f"does not document status {status}" in problems[0].message


def test_every_rule_the_corpus_exercises_is_broken_by_some_mutant(contract, plan):
    exercised = {m.rule for rec in RECORDINGS for m in schema_mutants(
        contract, contract.operation(rec.method, rec.path).schema_pointer(rec.status), rec.body())}
    planned = [m.rule for mutants in plan.values() for m in mutants]
    assert set(planned) == exercised
    assert len(planned) >= 2 * len(RECORDINGS)

"""Proving the suite (DESIGN.md): each fault is reported under exactly its
requirement; the clean emulator and every documented variant pass.

Each trial is real: an emulator process on loopback, a `conformance run`
process against it, results.json read back.
"""

from __future__ import annotations

import re

import pytest

from conformance import prove, requirements
from conformance.emulators.pega_dx_v2 import FAULTS, SWITCHES, VARIANTS

pytestmark = pytest.mark.matrix
API = "pega-dx-v2"
# The default test run proves every fault with 3 examples per operation, and runs only the tests of
# the requirements the fault may show up under ({breaks} | also), to stay under 10 minutes on 2 cores
# with four APIs. That proves detection; exactness across the whole suite (nothing else flagged,
# nothing broken, every test run) is proven unscoped by `conformance prove` (`make prove`, run by CI,
# and the source of the matrix of docs/proving.md). The clean and variant trials below are unscoped.
EXAMPLES = 3


def _scope(spec) -> tuple[str, ...]:
    """Run arguments for a fault's trial: only the tests of the requirements it may be reported under.
    PEGA-SCHEMA-001 as a mere `also` is left out: its property test covers every operation (the slowest
    test), and that the fault shows there too is proven unscoped by `conformance prove`."""
    ids = {spec.breaks, *spec.also} - ({"PEGA-SCHEMA-001"} if spec.breaks != "PEGA-SCHEMA-001" else set())
    return tuple(arg for rid in sorted(ids) for arg in ("--requirement", rid))


def assert_fault_reported(t, spec) -> None:
    """One fault's trial: its requirement failed (warning for a SHOULD), nothing outside its `also` set
    flagged, nothing broken, the gate follows the level, and the finding cites its exchanges."""
    level = requirements.get(spec.breaks).level
    assert t.outcomes[spec.breaks] == ("warning" if level == "SHOULD" else "failed"), t.outcomes
    assert t.flagged <= {spec.breaks} | set(spec.also), f"also flagged: {t.flagged - {spec.breaks}}"
    assert not t.broken, t.messages
    # a SHOULD finding does not gate by default; a MUST one does (exit 1)
    assert t.exit_code == (0 if level == "SHOULD" else 1)
    # the finding says what was wrong and points at the exchange that shows it
    assert t.messages[spec.breaks] and all("ex-" in m for m in t.messages[spec.breaks]), t.messages[spec.breaks]
    assert t.evidence[spec.breaks]


# A trial costs ~5-10 s whatever it runs (two process starts and imports), so the default run injects most
# faults in GROUPS: one emulator with several faults at once, their requirements distinct and none of them
# another fault's `also` (checked below), chosen so that no fault keeps another's test from running (proven by
# the group's trial: every fault's requirement fails). `conformance prove` still proves each fault alone,
# unscoped (detected AND exact). The faults in no group (error-no-details: a SHOULD finding alone must not
# gate) keep a trial of their own.
GROUPS: tuple[tuple[str, ...], ...] = (
    # the case collaboration operations
    ("participant-delete-noop", "participant-no-if-match", "follower-duplicate-accepted", "tag-delete-noop",
     "related-delete-all"),
    ("participant-accepts-stale", "follower-not-stored", "id-list-500"),
    # the case and assignment operations: eTag-locked jumps and recalculation, lock release, bulk actions,
    # the client's upload form, the case hierarchy
    ("jump-accepts-stale", "recalc-accepts-stale", "lock-release-rollback", "bulk-missing-result",
     "client-form-500", "descendants-empty"),
    ("recalc-accepts-missing-if-match", "lock-release-unknown-200", "bulk-not-applied"),
    # at most one fault per group that breaks an upload (upload-no-id, upload-last-file, url-as-file,
    # upload-without-context), one data view paging fault, one error fault, one authentication fault: the
    # other tests of their family start from an upload, a page walk, an error answer or a token
    ("upload-no-id", "auth-optional-get", "create-no-location", "dv-page-overlap", "unknown-case-500",
     "etag-mismatch", "nav-accepts-stale", "assignment-no-advance"),
    ("upload-last-file", "list-no-links", "auth-any-token", "create-200", "dv-page-oversize",
     "unknown-assignment-403", "etag-not-advanced", "refresh-commits", "assignment-no-actions"),
    ("url-as-file", "download-name-mangled", "attachments-auth-ignored", "delete-any-stage", "dv-has-more-wrong",
     "not-found-bare-body", "accept-stale-etag-assignment", "stages-missing"),
    ("upload-without-context", "download-corrupt", "delete-noop", "drop-content-update", "dv-count-off",
     "malformed-body-500", "accept-missing-if-match", "v1-put-200"),
    ("category-permission-ignored", "list-leaks-other-cases", "dv-no-limit-check", "wrong-shape-accepted",
     "accept-stale-etag", "etag-iso-format"),
    # PEGA-SCHEMA-001 in scope (schema-status-int breaks it): no fault here has it as an `also`
    ("create-attachments-dropped", "categories-missing-flags", "upload-limit-ignored", "race-lost-update",
     "auth-optional-get-once", "schema-status-int"),
)
GROUPED = {f for group in GROUPS for f in group}


def group_scope(faults: dict, group: tuple[str, ...], schema: str) -> tuple[str, ...]:
    """Run arguments for a group's trial: the tests of the requirements its faults may be reported under. The
    schema requirement as a mere `also` is left out (its property test covers every operation, the slowest
    test; that a fault also shows there is proven unscoped by `conformance prove`)."""
    allowed = {r for f in group for r in (faults[f].breaks, *faults[f].also)}
    breaks = {faults[f].breaks for f in group}
    ids = allowed - ({schema} if schema not in breaks else set())
    return tuple(arg for rid in sorted(ids) for arg in ("--requirement", rid))


def assert_group_disjoint(faults: dict, group: tuple[str, ...]) -> None:
    """Distinct requirements, and no fault's requirement another's `also`: each detection is its own fault's."""
    breaks = [faults[f].breaks for f in group]
    assert len(breaks) == len(set(breaks)), group
    for fault in group:
        others = {rid for other in group if other != fault for rid in faults[other].also}
        assert faults[fault].breaks not in others, (group, fault)


_NOT_REACHED = re.compile(r": not reached, stopped by [A-Z0-9-]+ finding [0-9a-f]+(, |$)")


def assert_group_reported(t, specs) -> None:
    """A group's trial: each fault's requirement failed (warning for a SHOULD) with a finding that cites its
    exchanges, nothing outside the group's declared requirements flagged, nothing broken, the gate follows
    the levels. A test that verifies several requirements stops at its first finding and notes the others
    as not reached (results.py): with several faults at once such a note may stand beside a finding."""
    allowed = {r for s in specs for r in (s.breaks, *s.also)}
    levels = {requirements.get(s.breaks).level for s in specs}
    for spec in specs:
        level = requirements.get(spec.breaks).level
        assert t.outcomes[spec.breaks] == ("warning" if level == "SHOULD" else "failed"), (spec.name, t.outcomes)
        findings = [m for m in t.messages[spec.breaks] if not _NOT_REACHED.search(m)]
        assert findings and all("ex-" in m for m in findings), (spec.name, t.messages[spec.breaks])
        assert t.evidence[spec.breaks], spec.name
    assert t.flagged <= allowed, f"also flagged: {t.flagged - allowed}"
    assert not t.broken, t.messages
    assert t.exit_code == (1 if "MUST" in levels else 0)


def prove_group(api: str, faults: dict, group: tuple[str, ...], schema: str, workdir, examples: int,
                passive: bool = False) -> prove.Trial:
    """One group's trial, scoped to its requirements, judged by assert_group_reported (and, with `passive`, its
    exchange log by check-traffic too, as `conformance prove` does)."""
    t = prove.trial(api, group, workdir=workdir, max_examples=examples, run_args=group_scope(faults, group, schema),
                    passive=passive)
    assert_group_reported(t, [faults[f] for f in group])
    return t


def test_groups_name_known_faults_once_with_disjoint_requirements():
    names = [f for g in GROUPS for f in g]
    assert set(names) <= set(FAULTS) and len(names) == len(set(names))
    for group in GROUPS:
        assert_group_disjoint(FAULTS, group)


@pytest.mark.parametrize("fault", sorted(set(FAULTS) - GROUPED))
def test_fault_reported_under_its_requirement(fault, tmp_path):
    spec = FAULTS[fault]
    t = prove.trial(API, (fault,), workdir=tmp_path, max_examples=EXAMPLES, run_args=_scope(spec))
    assert_fault_reported(t, spec)


@pytest.mark.parametrize("group", GROUPS, ids="+".join)
def test_grouped_faults_reported_under_their_requirements(group, tmp_path):
    prove_group(API, FAULTS, group, "PEGA-SCHEMA-001", tmp_path, EXAMPLES)


def _marks(obj) -> list:
    raw = getattr(obj, "pytestmark", [])
    return [getattr(m, "mark", m) for m in (raw if isinstance(raw, list) else [raw])]


def _needs(marks) -> set[str]:
    return {c for m in marks if m.name == "needs" for c in m.args}


def requirements_left_out(off: set[str]) -> set[str]:
    """The requirements whose every test needs a capability in `off`, read from the suite's own markers
    (module, function, and each parameter of a parametrized test)."""
    import importlib
    import pkgutil

    from conformance import apis

    package = importlib.import_module(apis.suite_package(API))
    all_tests, runnable = set(), set()
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, func in vars(module).items():
            marks = _marks(func) if name.startswith("test_") and callable(func) else []
            reqs = {r for m in marks if m.name == "requirement" for r in m.args}
            # left out: the test itself needs an off group, or one of its parameters does for every value
            left_out = bool((_needs(_marks(module)) | _needs(marks)) & off) or any(
                all(_needs(getattr(p, "marks", ())) & off for p in m.args[1])
                for m in marks if m.name == "parametrize")
            all_tests |= reqs
            runnable |= set() if left_out else reqs
    return all_tests - runnable


@pytest.mark.parametrize("variants", prove.variant_sets(API), ids=lambda v: ",".join(f"{k}={c}" for k, c in v.items())
                         or "defaults")
def test_clean_emulator_passes_every_requirement(variants, tmp_path):
    t = prove.trial(API, (), variants, workdir=tmp_path, max_examples=EXAMPLES)
    assert t.exit_code == 0
    # a server without an operation group does not declare it: a requirement only that group's tests
    # verify is skipped, not failed; every other one passes
    off = {cap for name, cap in SWITCHES.items() if variants.get(name) == "off"}
    left_out = requirements_left_out(off)
    assert ("PEGA-V1-001" in left_out) == ("v1_update" in off)
    expected = {r: ("skipped" if r in left_out else "passed") for r in t.outcomes}
    assert t.outcomes == expected
    obs = {k: v for o in t.observations.values() for k, v in o.items()}
    # the observations record which documented behaviour this server shows
    assert obs["stale_if_match_status"] == int(variants.get("stale", VARIANTS["stale"].default))
    assert obs["missing_if_match_status"] == int(variants.get("missing-if-match", VARIANTS["missing-if-match"].default))
    assert obs["location_form"] == ("absolute" if variants.get("location") == "absolute" else "path")


def test_every_requirement_has_a_fault():
    covered = {f.breaks for f in FAULTS.values()}
    assert covered == {r.id for r in requirements.for_api(API)}


def test_read_only_run_sends_no_mutation_and_skips_writers(tmp_path):
    import json
    import sqlite3

    db = tmp_path / "emu.sqlite3"
    t = prove.trial(API, (), workdir=tmp_path / "w", read_only=True, db=str(db), max_examples=EXAMPLES)
    assert t.exit_code == 0
    methods = [json.loads(line)["method"] for line in (tmp_path / "w" / "run" / "exchanges.jsonl").read_text().splitlines()]
    assert methods and set(methods) <= {"GET", "HEAD", "OPTIONS"}
    # the emulator's own request log and state: no mutating request reached it, nothing was created
    conn = sqlite3.connect(db)
    seen = {m for (m,) in conn.execute("SELECT DISTINCT method FROM request_log WHERE path NOT LIKE '%/token'")}
    assert seen and seen <= {"GET", "HEAD", "OPTIONS"}
    assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0
    assert t.outcomes["PEGA-CASE-001"] == "skipped"
    assert t.outcomes["PEGA-ERR-001"] == "passed"


def _deviation(req: str, expires: str) -> str:
    return (f'\n[[deviations]]\nrequirement = "{req}"\nreason = "known on this server"\n'
            f'reference = "JIRA-1"\nexpires = {expires}\n')


@pytest.mark.parametrize("fault,entry,outcome,exit_code", [
    ("accept-missing-if-match", "2099-01-01", "deviation", 0),
    ("accept-missing-if-match", "2020-01-01", "failed", 1),
    (None, "2099-01-01", "unexpectedly-passed", 0),
])
def test_known_deviations_end_to_end(tmp_path, fault, entry, outcome, exit_code):
    t = prove.trial(API, (fault,) if fault else (), workdir=tmp_path, max_examples=EXAMPLES,
                    run_args=("--pytest-arg=-k", "--pytest-arg=missing_if_match"),
                    extra_target=_deviation("PEGA-ETAG-004", entry))
    assert t.outcomes["PEGA-ETAG-004"] == outcome
    assert t.exit_code == exit_code


def test_baseline_gates_only_on_regressions(tmp_path):
    import subprocess
    import sys

    from conformance.emulators.common import EmulatorProcess

    def run(fault, name, baseline=None):
        with EmulatorProcess(API, faults=[fault] if fault else []) as emu:
            (tmp_path / f"{name}.toml").write_text(prove.target_text(API, emu.url))
            # the same subset every time (a narrower one would be reported as vanished tests)
            cmd = [sys.executable, "-m", "conformance.cli", "run", "--target", str(tmp_path / f"{name}.toml"),
                   "--out", str(tmp_path / name), "--pytest-arg=-k", "--pytest-arg=stale or concurrent or delete"]
            if baseline:
                cmd += ["--baseline", str(tmp_path / baseline)]
            return subprocess.run(cmd, capture_output=True, text=True, timeout=600)

    assert run("accept-stale-etag", "old").returncode == 1          # failing, no baseline: gates
    same = run("accept-stale-etag", "same", baseline="old")
    assert same.returncode == 0 and "no regression" in same.stdout  # already failing before: not a regression
    worse = run("delete-any-stage", "worse", baseline="old")
    assert worse.returncode == 1 and "PEGA-CASE-002: passed -> failed" in worse.stdout


def test_parallel_run_merges_the_workers_findings(tmp_path):
    """`conformance run --workers 2` (pytest-xdist): each worker tests with its own session and
    ledger; the controller merges their records, observations, request counts and cleanup."""
    import json

    scope = ("--workers", "2", "--requirement", "PEGA-ETAG-00", "--requirement", "PEGA-CASE-001")
    t = prove.trial(API, ("accept-stale-etag",), workdir=tmp_path, max_examples=EXAMPLES, run_args=scope)
    assert t.outcomes["PEGA-ETAG-003"] == "failed" and t.exit_code == 1
    assert {r for r, o in t.outcomes.items() if o == "passed"} >= {"PEGA-ETAG-001", "PEGA-ETAG-002", "PEGA-CASE-001"}
    assert all(e.startswith("ex-gw") for e in t.evidence["PEGA-ETAG-003"])  # worker-numbered exchanges
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    workers = sorted(p.name for p in (tmp_path / "run" / "workers").iterdir())
    assert workers == ["gw0", "gw1"]
    sent = sum(json.loads((tmp_path / "run" / "workers" / w / "results.json").read_text())["requests_sent"]
               for w in workers)
    assert doc["requests_sent"] >= sent > 0  # the controller's own token request, plus every worker's
    assert doc["cleanup"]["retired"] and not doc["cleanup"]["remaining"]

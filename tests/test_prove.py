"""`conformance prove`'s passive judgement (conformance/prove.py): each trial's exchange log judged by
check-traffic, a fault the passive fault matrix calls visible must be caught there, a conforming
emulator's traffic must flag nothing. The judgement is tested here on hand-made trials (no process);
a real trial's passive column is tested with the Fabric Hub's fault matrix
(tests/test_fault_matrix_pega_fabric_hub_sync_v1.py), on a trial that test runs anyway.
"""

from __future__ import annotations

from click.testing import CliRunner

from conformance import cli, prove, traffic_matrix

API = "pega-fabric-hub-sync-v1"
VISIBLE, HIDDEN = "time-iso", "unknown-registration-500"  # HUB-TIME-001; an unknown ID (NOT_VISIBLE)


def _trial(fault: str | None, passive: dict[str, str] | None, messages: dict | None = None) -> prove.Trial:
    faults = (fault,) if fault else ()
    breaks = prove.emulator_registry(API)[0][fault].breaks if fault else None
    active = {breaks: "failed"} if breaks else {"HUB-TIME-001": "passed"}
    judged = None if passive is None else prove.Passive(passive, messages or {}, 1500, 2.0)
    return prove.Trial(fault or "clean", faults, {}, 1 if fault else 0, active, {}, 1500, 20.0, passive=judged)


def test_visible_fault_caught_missed_and_not_visible():
    assert not traffic_matrix.not_visible(API, VISIBLE) and traffic_matrix.not_visible(API, HIDDEN)
    caught = _trial(VISIBLE, {"HUB-TIME-001": "failed"})
    missed = _trial(VISIBLE, {"HUB-TIME-001": "passed"})
    hidden = _trial(HIDDEN, {"HUB-REG-005": "skipped"})
    assert prove.passive_verdict(API, caught) == "caught" and not prove.problems(API, caught)
    assert prove.passive_verdict(API, missed) == "MISSED (passed)"
    assert prove.problems(API, missed) == ["passive MISSED (passed)"]
    assert prove.passive_verdict(API, hidden).startswith("not visible: whether an ID is unknown")
    assert not prove.problems(API, hidden)
    # not judged (--no-passive): no column, no passive problem
    assert prove.passive_verdict(API, _trial(VISIBLE, None)) == "" and not prove.problems(API, _trial(VISIBLE, None))
    table = prove.markdown(API, [caught, hidden])
    assert "| exact | passive | requests |" in table and "| yes | caught | 1500 |" in table
    assert "1 of 1 visible faults caught, 1 not visible in traffic, 0 missed" in table
    assert "passive" not in prove.markdown(API, [_trial(VISIBLE, None)])


def test_conforming_emulator_passive_findings_are_problems():
    clean = _trial(None, {"HUB-TIME-001": "passed", "HUB-REG-005": "skipped"})
    warned = _trial(None, {"HUB-TIME-001": "warning"}, {"HUB-TIME-001": ["lastSyncedTime not a | Pega time ex-3"]})
    assert prove.passive_clean(clean) == [] and not prove.problems(API, clean)
    # a warning fails it too: the conforming emulator's active run must not warn either
    assert prove.problems(API, warned) == ["passive: HUB-TIME-001 warning: lastSyncedTime not a | Pega time ex-3"]
    table = prove.markdown(API, [clean, warned])
    assert "| clean | none |  | clean |" in table
    assert "HUB-TIME-001 warning: lastSyncedTime not a \\| Pega time ex-3 |" in table
    assert prove.as_record(API, warned)["passive"]["findings"] == prove.passive_clean(warned)


def test_prove_gates_on_a_passive_miss_and_skips_it_with_no_passive(monkeypatch, tmp_path):
    missed = _trial(VISIBLE, {"HUB-TIME-001": "passed"})
    seen: list[bool] = []

    def fake_prove(api, faults, jobs, variants, passive=True):
        seen.append(passive)
        return [missed if passive else _trial(VISIBLE, None)]

    monkeypatch.setattr(prove, "prove", fake_prove)
    monkeypatch.setattr(prove, "trial", lambda *a, **k: missed)  # the second run misses it too
    args = ["prove", "--api", API, "--fault", VISIBLE, "--no-variants", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 1 and "time-iso: passive MISSED (passed)" in result.output, result.output
    result = CliRunner().invoke(cli.main, [*args, "--no-passive"])
    assert result.exit_code == 0, result.output
    assert seen == [True, False]


def test_a_check_that_broke_while_judging_a_trial_is_a_prove_error(monkeypatch, tmp_path):
    """check-traffic counts a check of ours that raised and goes on; prove must not read that as a pass."""
    from conformance import target as target_mod
    from conformance import traffic

    doc = {"requirements": {"HUB-TIME-001": {"outcome": "failed", "messages": []}},
           "traffic": {"exchanges_judged": 3, "check_errors": {"TypeError at traffic_apis.py:1 (first on GET x)": 2}}}
    monkeypatch.setattr(traffic, "check_traffic", lambda *a, **k: doc)
    monkeypatch.setattr(target_mod, "load", lambda path: None)
    passive = prove.judge_traffic(API, tmp_path)
    assert passive.error == "a check broke on 2 exchange(s): TypeError at traffic_apis.py:1 (first on GET x)"
    t = _trial(VISIBLE, {"HUB-TIME-001": "failed"})
    t.passive = passive
    assert prove.passive_verdict(API, t).startswith("ERROR: a check broke") and prove.problems(API, t)

"""Proving the suite (DESIGN.md): run it against the emulator with each fault
injected and against each documented variant, and tabulate what it reported.

A fault is *detected* when its requirement is reported failed (warning for a
SHOULD); it is *exact* when nothing outside the fault's declared `also` set is
flagged and nothing is broken. A variant passes when every requirement passes.

Each trial's exchange log is then judged passively too (`check-traffic`, in the trial's worker, after the
active run; docs/passive.md): a fault the passive fault matrix (conformance.traffic_matrix) calls visible
in traffic must be *caught* there by the same rule, and the passive run of a conforming emulator must
flag nothing, as its active run must not.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import apis, requirements
from conformance.emulators.common import EmulatorProcess

FLAGGED = {"failed", "warning"}
# the observations where the documents allow a choice (the matrix shows which one a server made)
SHOWN_OBSERVATIONS = ("stale_if_match_status", "missing_if_match_status", "location_form", "delete_refused_status",
                     # IBM CASEREST v1: the documented spellings a server shows, and the lost-update observation
                     "error_element", "case_folder_id_form", "lost_update_possible",
                     # ProcessMaker 3: how `start` is read (seed 004 1-based vs PMSRC 0-based), the page's filter keys
                     "start_base", "filter_keys",
                     # ... and where the seed and the 3.5.8 server's source disagree (vendor audit)
                     "default_limit", "unknown_category", "unknown_case_info_status", "paused_status", "cancel_draft",
                     "advanced_echo", "app_status_paused",
                     # Fabric Hub: per-item or whole-batch refusal, the create status, the syncing state's name
                     "malformed_mode", "create_status", "sync_status_name")


def emulator_registry(api: str) -> tuple[dict, dict]:
    module = apis.emulator(api)
    return module.FAULTS, module.VARIANTS


class _Outcomes:
    """What an `outcomes` mapping (requirement -> outcome) flags and breaks."""
    outcomes: dict[str, str]

    @property
    def flagged(self) -> set[str]:
        return {rid for rid, o in self.outcomes.items() if o in FLAGGED}

    @property
    def broken(self) -> set[str]:
        return {rid for rid, o in self.outcomes.items() if o == "broken"}


@dataclass
class Passive(_Outcomes):
    """`check-traffic` on one trial's own exchange log: what a watcher of that traffic alone reports."""
    outcomes: dict[str, str]
    messages: dict[str, list[str]]
    exchanges: int  # exchanges judged
    seconds: float  # the judging alone
    error: str = ""  # the judging itself failed (a defect of the passive tool, never hidden)


@dataclass
class Trial(_Outcomes):
    label: str
    faults: tuple[str, ...]
    variants: dict[str, str]
    exit_code: int
    outcomes: dict[str, str]
    observations: dict[str, dict[str, Any]]
    requests: int
    seconds: float
    messages: dict[str, list[str]] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # requirement -> its findings
    passive: Passive | None = None  # check-traffic on the run's exchanges.jsonl (None: not judged)


def target_text(api: str, url: str, read_only: bool = False, variants: dict[str, str] | None = None) -> str:
    path = Path(__file__).resolve().parent / "targets" / f"{apis.get(api).emulator_target}.toml"
    text = path.read_text(encoding="utf-8").replace("http://127.0.0.1:8811", url)
    if read_only:
        text = text.replace("read_only = false", "read_only = true")
    # a variant may change what the server offers; the target declares it (e.g. no v1 update)
    edits = getattr(apis.emulator(api), "target_edits", None)
    for old, new in (edits(dict(variants or {})) if edits else {}).items():
        text = text.replace(old, new)
    return text


def trial(api: str, faults: tuple[str, ...] = (), variants: dict[str, str] | None = None,
          workdir: Path | None = None, extra_target: str = "", read_only: bool = False,
          db: str = ":memory:", chaos: tuple[str, ...] = (), replace: dict[str, str] | None = None,
          run_args: tuple[str, ...] = (), client_secret: str | None = None, token_lifetime: int = 3600,
          max_examples: int | None = None, allure_results: bool = False, passive: bool = False) -> Trial:
    """One emulator process, one `conformance run` process, the results read back; with `passive`, the
    run's exchange log judged by check-traffic afterwards (`judge_traffic`).

    `replace` edits lines of the bundled target (e.g. {"timeout = 15": "timeout = 1"})."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="conformance-prove-"))
    workdir.mkdir(parents=True, exist_ok=True)
    label = "+".join(faults) or ("variant " + ",".join(f"{k}={v}" for k, v in (variants or {}).items())
                                 if variants else "clean")
    with EmulatorProcess(api, db=db, faults=faults, variants=variants, chaos=chaos, client_secret=client_secret,
                         token_lifetime=token_lifetime) as emu:
        target = workdir / "target.toml"
        text = target_text(api, emu.url, read_only, variants)
        edits = dict(replace or {})
        if max_examples is not None:
            edits.setdefault("max_examples = 20", f"max_examples = {max_examples}")
        for old, new in edits.items():
            if old not in text:
                raise ValueError(f"target has no line {old!r}")
            text = text.replace(old, new)
        target.write_text(text + extra_target, encoding="utf-8")
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", str(target),
                               "--out", str(workdir / "run"), *([] if allure_results else ["--no-allure"]),
                               *run_args], capture_output=True, text=True,
                              timeout=900)
        seconds = time.perf_counter() - started
    (workdir / "stdout.txt").write_text(proc.stdout, encoding="utf-8")
    (workdir / "stderr.txt").write_text(proc.stderr, encoding="utf-8")
    results_file = workdir / "run" / "results.json"
    if not results_file.exists():
        raise RuntimeError(f"run wrote no results (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    doc = json.loads(results_file.read_text(encoding="utf-8"))
    reqs = doc["requirements"]
    return Trial(label, tuple(faults), dict(variants or {}), proc.returncode,
                 {rid: r["outcome"] for rid, r in reqs.items()},
                 {rid: r["observations"] for rid, r in reqs.items() if r["observations"]},
                 doc["requests_sent"], seconds, {rid: r["messages"] for rid, r in reqs.items() if r["messages"]},
                 {rid: r["exchanges"] for rid, r in reqs.items() if r["exchanges"]},
                 {rid: r["findings"] for rid, r in reqs.items() if r.get("findings")},
                 judge_traffic(api, workdir) if passive else None)


def judge_traffic(api: str, workdir: Path) -> Passive:
    """check-traffic, in this process, on the exchange log a trial's run wrote (judging only, nothing sent
    or re-run), with the trial's target (its base URL). Its results go to workdir/passive.json; the run
    folder is not written again (the log is already there)."""
    from conformance import target as target_mod
    from conformance.traffic import check_traffic

    started = time.perf_counter()
    try:
        doc = check_traffic(api, [workdir / "run" / "exchanges.jsonl"],
                            target=target_mod.load(workdir / "target.toml"))
    except Exception as exc:  # noqa: BLE001 - any failure of the judging is reported as a prove problem
        return Passive({}, {}, 0, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    (workdir / "passive.json").write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    reqs = doc["requirements"]
    broke = doc["traffic"].get("check_errors") or {}  # a check of ours that broke is a prove failure, not a pass
    return Passive({rid: r["outcome"] for rid, r in reqs.items()},
                   {rid: r["messages"] for rid, r in reqs.items() if r["messages"]},
                   doc["traffic"]["exchanges_judged"], seconds,
                   "; ".join(f"a check broke on {n} exchange(s): {what}" for what, n in broke.items()))


def passive_verdict(api: str, t: Trial, fault: str | None = None) -> str:
    """A fault trial's passive column: `caught`, `not visible: <why>` (the passive fault matrix's NOT_VISIBLE),
    `MISSED (<outcome>)` for a visible fault whose requirement the passive run did not flag, `ERROR: ...`
    when the judging failed, "" when the trial was not judged. `fault` defaults to the trial's only fault."""
    from conformance import traffic_matrix

    if t.passive is None:
        return ""
    if t.passive.error:
        return f"ERROR: {t.passive.error}"
    name = fault or t.faults[0]
    outcome = t.passive.outcomes.get(emulator_registry(api)[0][name].breaks, "-")
    why = traffic_matrix.not_visible(api, name)
    if why:
        short = why.split(" (")[0]
        return f"not visible: {short}" + ("; flagged all the same" if traffic_matrix.caught(outcome) else "")
    return "caught" if traffic_matrix.caught(outcome) else f"MISSED ({outcome})"


def passive_clean(t: Trial) -> list[str]:
    """A conforming emulator's passive findings: every requirement its traffic flagged or broke (warnings
    too: its active run must not warn either), each with its first message; [] when clean."""
    if t.passive is None:
        return []
    if t.passive.error:
        return [f"ERROR: {t.passive.error}"]
    return [f"{rid} {t.passive.outcomes[rid]}: {(t.passive.messages.get(rid) or ['-'])[0][:300]}"
            for rid in sorted(t.passive.flagged | t.passive.broken)]


def problems(api: str, t: Trial, strict: bool = True) -> list[str]:
    """What keeps a trial from proving anything ([] when it proves): a fault not detected (or not exact, with
    `strict`), a conforming emulator not passing, a visible fault the passive run missed, a passive finding
    on a conforming emulator."""
    found: list[str] = []
    if t.faults:
        detected, exact = judge_fault(api, t)
        if not detected or (strict and not exact):
            found.append("not exact" if detected else "NOT DETECTED")
        verdict = passive_verdict(api, t)
        if verdict.startswith(("MISSED", "ERROR")):
            found.append(f"passive {verdict}")
    else:
        if t.flagged or t.broken:
            found.append("the conforming emulator did not pass")
        found += [f"passive: {p}" for p in passive_clean(t)]
    return found


def judge_fault(api: str, t: Trial) -> tuple[bool, bool]:
    faults, _ = emulator_registry(api)
    fault = faults[t.faults[0]]
    expected = "warning" if requirements.get(fault.breaks).level == "SHOULD" else "failed"
    detected = t.outcomes.get(fault.breaks) == expected
    exact = detected and t.flagged <= {fault.breaks} | set(fault.also) and not t.broken
    return detected, exact


def variant_sets(api: str) -> list[dict[str, str]]:
    """The defaults, then each non-default choice of each variant on its own; variants that an emulator
    proves together (its JOINT_VARIANT_SETS, e.g. every operation group switched off at once) only in
    those sets, so that switches do not cost one trial each."""
    _, variants = emulator_registry(api)
    joint = [dict(s) for s in getattr(apis.emulator(api), "JOINT_VARIANT_SETS", ())]
    together = {name for s in joint for name in s}
    sets: list[dict[str, str]] = [{}]
    for v in variants.values():
        if v.name not in together:
            sets += [{v.name: c} for c in v.choices if c != v.default]
    return sets + joint


def prove(api: str, faults: list[str] | None = None, jobs: int = 2, with_variants: bool = True,
          passive: bool = True) -> list[Trial]:
    registry, _ = emulator_registry(api)
    plan: list[tuple[tuple[str, ...], dict[str, str]]] = [((f,), {}) for f in (faults or sorted(registry))]
    if with_variants:
        plan += [((), v) for v in variant_sets(api)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda p: trial(api, p[0], p[1], passive=passive), plan))


def markdown(api: str, trials: list[Trial]) -> str:
    registry, _ = emulator_registry(api)
    judged = any(t.passive is not None for t in trials)
    lines = ["| fault | breaks | detected as | also reported | exact |" + (" passive |" if judged else "")
             + " requests | seconds |", "|---|---|---|---|---|" + ("---|" if judged else "") + "---|---|"]
    for t in trials:
        if not t.faults:
            continue
        fault = registry[t.faults[0]]
        detected, exact = judge_fault(api, t)
        others = sorted(t.flagged - {fault.breaks}) + [f"{r} (broken)" for r in sorted(t.broken)]
        lines.append(f"| `{fault.name}` | {fault.breaks} | {t.outcomes.get(fault.breaks, '-') if detected else 'NOT DETECTED'}"
                     f" | {', '.join(others) or '-'} | {'yes' if exact else 'no'} |"
                     + (f" {passive_verdict(api, t) or '-'} |" if judged else "")
                     + f" {t.requests} | {t.seconds:.1f} |")
    lines += ["", "| emulator | not passed | observed |" + (" passive |" if judged else ""),
              "|---|---|---|" + ("---|" if judged else "")]
    for t in trials:
        if t.faults:
            continue
        bad = [f"{rid} {o}" for rid, o in t.outcomes.items() if o != "passed"]
        seen = "; ".join(f"{k}={v}" for obs in t.observations.values() for k, v in obs.items()
                         if k in SHOWN_OBSERVATIONS)
        clean = "; ".join(p.replace("|", "\\|").replace("\n", " ") for p in passive_clean(t)) or "clean"
        lines.append(f"| {t.label} | {', '.join(bad) or 'none'} | {seen} |"
                     + (f" {clean if t.passive is not None else '-'} |" if judged else ""))
    if judged:
        lines += ["", passive_cost(api, trials)]
    return "\n".join(lines)


def passive_cost(api: str, trials: list[Trial]) -> str:
    """One line: what the passive judging found and cost beside the active runs."""
    judged = [t for t in trials if t.passive is not None]
    verdicts = [passive_verdict(api, t) for t in judged if t.faults]
    caught = sum(v == "caught" for v in verdicts)
    hidden = sum(v.startswith("not visible") for v in verdicts)
    clean = sum(not passive_clean(t) for t in judged if not t.faults)
    variants = sum(not t.faults for t in judged)
    passive_s = sum(t.passive.seconds for t in judged if t.passive)
    active_s = sum(t.seconds for t in judged)
    return (f"Passive (check-traffic on each trial's exchange log): {caught} of {len(verdicts) - hidden} visible "
            f"faults caught, {hidden} not visible in traffic, {len(verdicts) - hidden - caught} missed; "
            f"{clean} of {variants} conforming emulators clean; {sum(t.passive.exchanges for t in judged if t.passive)} "
            f"exchanges judged in {passive_s:.1f} s beside {active_s:.1f} s of active runs "
            f"(+{100 * passive_s / active_s if active_s else 0:.0f}%).")


def as_record(api: str, t: Trial) -> dict[str, Any]:
    """One trial as JSON (reports/prove/<api>.json)."""
    record: dict[str, Any] = {"label": t.label, "faults": list(t.faults), "variants": t.variants,
                              "exit_code": t.exit_code, "requests": t.requests, "seconds": round(t.seconds, 2),
                              "flagged": sorted(t.flagged), "broken": sorted(t.broken)}
    if t.faults:
        detected, exact = judge_fault(api, t)
        record.update(breaks=emulator_registry(api)[0][t.faults[0]].breaks, detected=detected, exact=exact)
    if t.passive is not None:
        record["passive"] = {"outcomes": {rid: o for rid, o in sorted(t.passive.outcomes.items()) if o != "skipped"},
                             "flagged": sorted(t.passive.flagged), "exchanges": t.passive.exchanges,
                             "seconds": round(t.passive.seconds, 2), "error": t.passive.error,
                             **({"verdict": passive_verdict(api, t)} if t.faults else {"findings": passive_clean(t)})}
    return record

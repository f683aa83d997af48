"""Proving the suite (DESIGN.md): run it against the emulator with each fault
injected and against each documented variant, and tabulate what it reported.

A fault is *detected* when its requirement is reported failed (warning for a
SHOULD); it is *exact* when nothing outside the fault's declared `also` set is
flagged and nothing is broken. A variant passes when every requirement passes.
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


@dataclass
class Trial:
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

    @property
    def flagged(self) -> set[str]:
        return {rid for rid, o in self.outcomes.items() if o in FLAGGED}

    @property
    def broken(self) -> set[str]:
        return {rid for rid, o in self.outcomes.items() if o == "broken"}


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
          max_examples: int | None = None, allure_results: bool = False) -> Trial:
    """One emulator process, one `conformance run` process, the results read back.

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
                 {rid: r["findings"] for rid, r in reqs.items() if r.get("findings")})


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


def prove(api: str, faults: list[str] | None = None, jobs: int = 2, with_variants: bool = True) -> list[Trial]:
    registry, _ = emulator_registry(api)
    plan: list[tuple[tuple[str, ...], dict[str, str]]] = [((f,), {}) for f in (faults or sorted(registry))]
    if with_variants:
        plan += [((), v) for v in variant_sets(api)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda p: trial(api, p[0], p[1]), plan))


def markdown(api: str, trials: list[Trial]) -> str:
    registry, _ = emulator_registry(api)
    lines = ["| fault | breaks | detected as | also reported | exact | requests | seconds |",
             "|---|---|---|---|---|---|---|"]
    for t in trials:
        if not t.faults:
            continue
        fault = registry[t.faults[0]]
        detected, exact = judge_fault(api, t)
        others = sorted(t.flagged - {fault.breaks}) + [f"{r} (broken)" for r in sorted(t.broken)]
        lines.append(f"| `{fault.name}` | {fault.breaks} | {t.outcomes.get(fault.breaks, '-') if detected else 'NOT DETECTED'}"
                     f" | {', '.join(others) or '-'} | {'yes' if exact else 'no'} | {t.requests} | {t.seconds:.1f} |")
    lines += ["", "| emulator | not passed | observed |", "|---|---|---|"]
    for t in trials:
        if t.faults:
            continue
        bad = [f"{rid} {o}" for rid, o in t.outcomes.items() if o != "passed"]
        seen = "; ".join(f"{k}={v}" for obs in t.observations.values() for k, v in obs.items()
                         if k in SHOWN_OBSERVATIONS)
        lines.append(f"| {t.label} | {', '.join(bad) or 'none'} | {seen} |")
    return "\n".join(lines)


def as_record(api: str, t: Trial) -> dict[str, Any]:
    """One trial as JSON (reports/prove/<api>.json)."""
    record: dict[str, Any] = {"label": t.label, "faults": list(t.faults), "variants": t.variants,
                              "exit_code": t.exit_code, "requests": t.requests, "seconds": round(t.seconds, 2),
                              "flagged": sorted(t.flagged), "broken": sorted(t.broken)}
    if t.faults:
        detected, exact = judge_fault(api, t)
        record.update(breaks=emulator_registry(api)[0][t.faults[0]].breaks, detected=detected, exact=exact)
    return record

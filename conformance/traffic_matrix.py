"""The passive fault matrix: does judging traffic catch what the active suite catches?

For each emulator fault: a real emulator with the fault and a real `conformance run` scoped to
the fault's requirement (conformance.prove.trial), then `check-traffic` on that run's
exchanges.jsonl. A fault is *visible in traffic* unless the table below says why a watcher of
the exchanges alone cannot tell (an ID the traffic cannot know is unknown, a token it cannot know
is invalid, a store it cannot read back); a visible fault is *caught* when the passive run
reports its requirement failed (warning for a SHOULD).

    python -m conformance.traffic_matrix [--api API]... [--fault NAME]... [--jobs 2] [--out FILE.md]

Exit 1 when a fault the table calls visible is not caught (listed, so a gap is never hidden).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance import apis, prove, requirements

# why a fault cannot be seen by a watcher of the traffic alone (DESIGN.md, "Passive runs": what one
# exchange or a sequence of them is enough for); every other fault is visible and must be caught
UNKNOWN_ID = "whether an ID is unknown to the server is not in the traffic (the answer is a documented status)"
ANY_TOKEN = "the traffic cannot tell an invalid credential from a valid one (and logs redact them)"
NOT_VISIBLE: dict[str, dict[str, str]] = {
    "pega-dx-v2": {
        "unknown-case-500": UNKNOWN_ID, "unknown-assignment-403": UNKNOWN_ID, "auth-any-token": ANY_TOKEN,
        # the lock release of a case ID no exchange showed existing or gone: only the server knows it is unknown
        "lock-release-unknown-200": UNKNOWN_ID,
        "upload-limit-ignored": "the server's upload size limit is its configuration, not in the traffic",
        "assignment-no-actions": "an assignment without actions is admitted by the documents (actions depend on "
                                 "the caller's rights); only a submit the client could not make shows it",
    },
    "processmaker-3": {
        "unknown-case-500": UNKNOWN_ID, "unknown-category-ignored": UNKNOWN_ID,
        "cat-filter-ignored": "a case object does not name its category; which processes a category holds is "
                              "not in the traffic",
    },
    "ibm-caserest-v1": {
        "unknown-type-500": UNKNOWN_ID, "unknown-case-400": UNKNOWN_ID, "auth-any-password": ANY_TOKEN,
        "definitions-unknown-200": UNKNOWN_ID, "doclist-unknown-200": UNKNOWN_ID, "launchinfo-unknown-200": UNKNOWN_ID,
    },
    "pega-fabric-hub-sync-v1": {
        "unknown-registration-500": UNKNOWN_ID,
        "sync-accepts-registration-token": "which credentials a bearer token was issued for is not in the traffic",
        "disablesync-keeps-access": "which registration a sync token belongs to is not in the traffic",
        "disable-stops-sync": "which registration a sync token belongs to is not in the traffic (a publication "
                              "refused with 403 after a disable may be another registration's)",
        "no-activation": "which registration the bodiless batch calls that end an initial load belong to is not in "
                         "the traffic (the sync endpoints name none, and the token is redacted)",
        "put-ignored-after-batch": "what the Hub stored is readable only through a view outside the spec",
        "duplicate-ids-doubled": "what the Hub stored is readable only through a view outside the spec",
        "store-drops-item": "what the Hub stored is readable only through a view outside the spec",
        "assoc-delete-ignored": "what the Hub stored is readable only through a view outside the spec",
        "malformed-poisons-batch": "what the Hub stored is readable only through a view outside the spec",
    },
}


def not_visible(api: str, fault: str) -> str:
    """Why a watcher of the traffic alone cannot see the fault ("" when it can: then it must be caught)."""
    return NOT_VISIBLE.get(api, {}).get(fault, "")


def caught(passive_outcome: str) -> bool:
    """The passive run caught a fault when it flagged the fault's requirement (failed, warning for a SHOULD).
    `conformance prove` judges every fault trial's traffic by this rule and NOT_VISIBLE too."""
    return passive_outcome in prove.FLAGGED


@dataclass
class Row:
    api: str
    fault: str
    breaks: str
    active: str  # the active run's outcome of the requirement
    passive: str  # the passive run's outcome of it
    also: list[str]  # other requirements the passive run flagged
    visible: bool
    why: str
    exchanges: int

    @property
    def caught(self) -> bool:
        return caught(self.passive)


def one(api: str, fault: str, workdir: Path) -> Row:
    registry, _ = prove.emulator_registry(api)
    breaks = registry[fault].breaks
    # the trial's own log judged as `conformance prove` judges it (prove.judge_traffic)
    t = prove.trial(api, (fault,), workdir=workdir, max_examples=5, run_args=("--requirement", breaks), passive=True)
    assert t.passive is not None
    outcomes = t.passive.outcomes
    passive = f"ERROR: {t.passive.error}" if t.passive.error else outcomes.get(breaks, "-")
    why = not_visible(api, fault)
    also = sorted(r for r, o in outcomes.items() if caught(o) and r != breaks)
    return Row(api, fault, breaks, t.outcomes.get(breaks, "-"), passive, also, not why, why, t.passive.exchanges)


def markdown(rows: list[Row]) -> str:
    lines = []
    for api in dict.fromkeys(r.api for r in rows):
        mine = [r for r in rows if r.api == api]
        visible = [r for r in mine if r.visible]
        lines += [f"#### {api}: {sum(r.caught for r in visible)} of {len(visible)} visible faults caught "
                  f"({len(mine) - len(visible)} not visible in traffic)", "",
                  "| fault | breaks | active run | visible in traffic | passive run | caught | also flagged |",
                  "|---|---|---|---|---|---|---|"]
        for r in mine:
            seen = "yes" if r.visible else f"no: {r.why}"
            caught = ("**yes**" if r.caught else "NO") if r.visible else ("yes" if r.caught else "-")
            lines.append(f"| `{r.fault}` | {r.breaks} | {r.active} | {seen} | {r.passive} | {caught} | "
                         f"{', '.join(r.also) or '-'} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", action="append", choices=apis.names(), help="only this API (repeatable)")
    parser.add_argument("--fault", action="append", help="only this fault (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("reports/traffic-matrix.md"))
    args = parser.parse_args(argv)
    plan = [(api, f) for api in (args.api or apis.names()) for f in sorted(prove.emulator_registry(api)[0])
            if not args.fault or f in args.fault]
    root = Path(tempfile.mkdtemp(prefix="conformance-traffic-matrix-"))

    def run(item: tuple[str, str]) -> Row:
        row = one(item[0], item[1], root / f"{item[0]}-{item[1]}")
        print(f"{row.api} {row.fault}: active {row.active}, passive {row.passive}"
              f"{'' if row.visible else ' (not visible)'}", flush=True)
        return row

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(run, plan))
    table = markdown(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps([r.__dict__ | {"caught": r.caught} for r in rows], indent=2),
                                             encoding="utf-8")
    print(table)
    missed = [r for r in rows if r.visible and not r.caught]
    for r in missed:
        print(f"visible, not caught: {r.api} {r.fault} ({r.breaks}, {requirements.get(r.breaks).sentence[:80]}...)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The cross-target matrix: requirement x target, with what each server did.

Inputs are run folders (or their results.json) of any targets, vendors,
versions or shards. Folders of the same target are shards of one run and are
merged first. Rows are keyed by a requirement's `topic`, so requirements
that exist in several APIs (auth, unknown resource, locking, paging) line up
on one row. Each cell keeps the requirement id, the outcome, the observations
and the evidence exchanges. The HTML is self-contained: it needs no network
to open.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import results

# When shards disagree, the worse outcome wins.
PRECEDENCE = ("failed", "broken", "warning", "deviation", "unexpectedly-passed", "passed", "skipped", "omitted")
EVIDENCE_PER_CELL = 5
BODY_LIMIT = 4096


@dataclass
class Run:
    name: str
    api: str
    base_url: str
    started: str
    folders: list[Path]
    requirements: dict[str, dict[str, Any]]
    verdict: dict[str, Any]
    exchanges: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.api})"


def _results_file(path: Path) -> Path:
    path = Path(path)
    candidate = path / "results.json" if path.is_dir() else path
    if not candidate.is_file():
        raise FileNotFoundError(f"{path}: no results.json")
    return candidate


def _exchanges(folder: Path, wanted: set[str]) -> dict[str, dict[str, Any]]:
    log = folder / "exchanges.jsonl"
    found: dict[str, dict[str, Any]] = {}
    if not wanted or not log.is_file():
        return found
    with log.open(encoding="utf-8") as fh:
        for line in fh:
            # cheap pre-filter: most lines are not evidence
            head = line[:40]
            if not any(ex_id in head for ex_id in wanted):
                continue
            record = json.loads(line)
            if record["id"] in wanted:
                found[record["id"]] = record
    return found


def merge_findings(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shards of one run: the same fingerprint is one finding (a fingerprint does not depend on the shard)."""
    out = {f["fingerprint"]: dict(f) for f in a}
    for f in b:
        if f["fingerprint"] in out:
            have = out[f["fingerprint"]]
            have["occurrences"] = have.get("occurrences", 1) + f.get("occurrences", 1)
            have["flaky"] = have.get("flaky", False) or f.get("flaky", False)
        else:
            out[f["fingerprint"]] = dict(f)
    return list(out.values())


def merge_outcome(a: str, b: str) -> str:
    return min(a, b, key=PRECEDENCE.index)


def load_runs(paths: list[Path]) -> list[Run]:
    """One Run per target; several folders of one target are merged as shards."""
    runs: dict[str, Run] = {}
    for path in paths:
        file = _results_file(path)
        doc = results.read(file)
        folder = file.parent
        target = doc["target"]
        reqs = doc["requirements"]
        wanted = {ex for r in reqs.values() for ex in r.get("exchanges", [])[:EVIDENCE_PER_CELL]}
        # exchange ids restart in each shard: prefix them with the shard's position
        shard = len(runs[target["name"]].folders) if target["name"] in runs else 0
        exchanges = {f"{shard}:{k}": v for k, v in _exchanges(folder, wanted).items()}
        reqs = {rid: {**r, "exchanges": [f"{shard}:{e}" for e in r.get("exchanges", [])]} for rid, r in reqs.items()}
        if target["name"] not in runs:
            runs[target["name"]] = Run(target["name"], target["api"], target["base_url"], doc.get("started", ""),
                                       [folder], reqs, doc["verdict"], exchanges)
            continue
        run = runs[target["name"]]
        run.folders.append(folder)
        run.exchanges.update(exchanges)
        for rid, r in reqs.items():
            mine = run.requirements.setdefault(rid, r)
            if mine is r:
                continue
            mine["outcome"] = merge_outcome(mine["outcome"], r["outcome"])
            mine["observations"] = {**mine.get("observations", {}), **r.get("observations", {})}
            mine["exchanges"] = mine.get("exchanges", []) + r.get("exchanges", [])
            mine["messages"] = mine.get("messages", []) + r.get("messages", [])
            mine["tests"] = mine.get("tests", []) + r.get("tests", [])
            mine["findings"] = merge_findings(mine.get("findings", []), r.get("findings", []))
        blocking = sorted(rid for rid, r in run.requirements.items() if r["outcome"] in results.GATING)
        run.verdict = {**run.verdict, "passed": not blocking, "blocking": blocking}
    return list(runs.values())


def matrix(runs: list[Run]) -> dict[str, Any]:
    """{"targets": [...], "rows": [{api, family, topic, sentence, cells: {target: cell}}]} (the JSON output)."""
    rows: dict[str, dict[str, Any]] = {}
    for run in runs:
        for rid, r in run.requirements.items():
            key = r.get("topic") or rid
            row = rows.setdefault(key, {"topic": key, "apis": [], "family": r["family"], "sentence": r["sentence"],
                                        "level": r["level"], "cells": {}})
            if run.api not in row["apis"]:
                row["apis"].append(run.api)
            row["cells"][run.name] = {
                "requirement": rid, "outcome": r["outcome"], "level": r["level"],
                "observations": r.get("observations", {}), "exchanges": r.get("exchanges", [])[:EVIDENCE_PER_CELL],
                "message": (r.get("messages") or [""])[0][:500],
                "deviation": r.get("deviation"),
                "findings": [{k: f.get(k) for k in ("fingerprint", "operation", "check", "message", "flaky")}
                             for f in r.get("findings", [])],
            }
    apis_of = {run.name: run.api for run in runs}
    for row in rows.values():
        previous: dict[str, tuple[str, set[str]]] = {}  # api -> (target, fingerprints) of the column before
        for run in runs:
            cell = row["cells"].get(run.name)
            if cell is None:
                continue
            mine = {f["fingerprint"] for f in cell["findings"]}
            if apis_of[run.name] in previous:
                name, theirs = previous[apis_of[run.name]]
                # fingerprints compare within one API only: the difference to the column before of that API
                cell["versus"] = {"target": name, "new": sorted(mine - theirs), "gone": sorted(theirs - mine)}
            previous[apis_of[run.name]] = (run.name, mine)
    ordered = sorted(rows.values(), key=lambda row: (len(row["apis"]) == 1, ",".join(row["apis"]), row["family"],
                                                     row["topic"]))
    return {
        "targets": [{"name": r.name, "api": r.api, "base_url": r.base_url, "started": r.started,
                     "shards": len(r.folders), "verdict": r.verdict} for r in runs],
        "rows": ordered,
    }


def _observed(cell: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cell["observations"].items())


def markdown(runs: list[Run]) -> str:
    m = matrix(runs)
    names = [t["name"] for t in m["targets"]]
    lines = ["| requirement | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for row in m["rows"]:
        cells = []
        for name in names:
            cell = row["cells"].get(name)
            if cell is None:
                cells.append("—")
                continue
            text = f"**{cell['outcome']}**"
            if cell["findings"]:
                text += f" {len(cell['findings'])} finding{'s' if len(cell['findings']) > 1 else ''}"
            if cell.get("versus") and (cell["versus"]["new"] or cell["versus"]["gone"]):
                text += f" (vs {cell['versus']['target']}: +{len(cell['versus']['new'])} -{len(cell['versus']['gone'])})"
            if _observed(cell):
                text += f" ({_observed(cell)})"
            cells.append(text.replace("|", "\\|"))
        ids = sorted({c["requirement"] for c in row["cells"].values()})
        # a row shared by several APIs is named by its topic (families are per API)
        label = row["topic"] if len(row["apis"]) > 1 else row["family"]
        lines.append(f"| {label} · {', '.join(ids)} | " + " | ".join(cells) + " |")
    verdicts = ", ".join(f"{t['name']}: {'PASS' if t['verdict'].get('passed') else 'FAIL'}" for t in m["targets"])
    return "\n".join(lines) + f"\n\nVerdicts: {verdicts}\n"


COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "broken": "#8250df", "warning": "#bf8700",
           "deviation": "#d4548c", "unexpectedly-passed": "#0969da", "skipped": "#6e7781", "omitted": "#8c959f"}

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:6px 8px;vertical-align:top}
th{background:#f6f8fa;text-align:left}tr.group td{background:#eef1f4;font-weight:600}
.o{display:inline-block;padding:1px 6px;border-radius:10px;color:#fff;font-size:12px}
.obs{color:#57606a;font-size:12px}.id{font-family:monospace;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:320px;font-size:12px;white-space:pre-wrap}
details{margin:6px 0}summary{cursor:pointer}.filters label{margin-right:16px}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _findings_html(cell: dict[str, Any]) -> str:
    """The cell's findings, listed on demand, and what differs from the column before (same API)."""
    out = ""
    found = cell.get("findings") or []
    versus = cell.get("versus")
    if found:
        new = set(versus["new"]) if versus else set()
        items = "".join(
            f"<li><span class=id>{_esc(f['fingerprint'])}</span>{' <b>new</b>' if f['fingerprint'] in new else ''}"
            f"{' <i>flaky</i>' if f.get('flaky') else ''} {_esc((f.get('message') or '')[:300])}</li>" for f in found)
        out += (f"<details class=findings><summary>{len(found)} finding{'s' if len(found) > 1 else ''}</summary>"
                f"<ul>{items}</ul></details>")
    if versus and (versus["new"] or versus["gone"]):
        out += (f"<div class='obs versus'>vs {_esc(versus['target'])}: +{len(versus['new'])} new, "
                f"−{len(versus['gone'])} gone</div>")
    return out


# The two filters: an API hides the other APIs' columns and the rows none of its requirements are on; an
# outcome keeps the rows where a shown column has it. Inline, like the rest: the page needs no network.
FILTER_JS = """
const api = document.getElementById('f-api'), outcome = document.getElementById('f-outcome');
function applyFilters() {
  const a = api.value, o = outcome.value, table = document.getElementById('matrix');
  const shown = el => !a || el.dataset.api === a;
  table.querySelectorAll('th[data-api], td[data-api]').forEach(el => { el.hidden = !shown(el); });
  let group = null, any = false;
  const close = () => { if (group) group.hidden = !any; };
  for (const tr of table.rows) {
    if (tr.classList.contains('group')) { close(); group = tr; any = false; continue; }
    if (!tr.classList.contains('req')) continue;
    const cells = [...tr.querySelectorAll('td[data-api]')].filter(shown);
    const on = cells.some(td => td.dataset.outcome) && (!o || cells.some(td => td.dataset.outcome === o));
    tr.hidden = !on; any = any || on;
  }
  close();
  const count = [...table.querySelectorAll('tr.req')].filter(tr => !tr.hidden).length;
  document.getElementById('f-count').textContent = count + ' requirement row' + (count === 1 ? '' : 's');
}
api.addEventListener('change', applyFilters); outcome.addEventListener('change', applyFilters); applyFilters();
"""


def _filters(m: dict[str, Any]) -> str:
    apis = sorted({t["api"] for t in m["targets"]})
    present = {c["outcome"] for row in m["rows"] for c in row["cells"].values()}
    outcomes = [o for o in PRECEDENCE if o in present]
    options = lambda values: "".join(f"<option value='{_esc(v)}'>{_esc(v)}</option>" for v in values)  # noqa: E731
    return (f"<p class=filters><label>API <select id=f-api><option value=''>all</option>{options(apis)}</select>"
            f"</label> <label>outcome <select id=f-outcome><option value=''>all</option>{options(outcomes)}"
            f"</select></label> <span id=f-count class=obs></span></p>")


def render_html(runs: list[Run], title: str = "Conformance comparison") -> str:
    m = matrix(runs)
    names = [t["name"] for t in m["targets"]]
    apis_of = {t["name"]: t["api"] for t in m["targets"]}
    head = "".join(
        f"<th data-api='{_esc(t['api'])}'>{_esc(t['name'])}<br><span class=obs>{_esc(t['api'])} · {_esc(t['base_url'])}"
        f"<br>{_esc(t['started'])}{' · %d shards' % t['shards'] if t['shards'] > 1 else ''}</span>"
        f"<br><span class=o style='background:{COLOURS['passed' if t['verdict'].get('passed') else 'failed']}'>"
        f"{'PASS' if t['verdict'].get('passed') else 'FAIL'}</span></th>" for t in m["targets"])
    body = []
    group = None
    for row in m["rows"]:
        g = (", ".join(row["apis"]), row["family"])
        if g != group:
            group = g
            body.append(f"<tr class=group><td colspan={len(names) + 1}>{_esc(g[0])} — {_esc(g[1])}</td></tr>")
        cells = []
        for col, name in enumerate(names):
            cell = row["cells"].get(name)
            if cell is None:
                cells.append(f"<td class=obs data-api='{_esc(apis_of[name])}'>not in this API</td>")
                continue
            ev = ""
            if cell["exchanges"]:
                ev = f" · <a href='#ev-{col}-{_esc(cell['requirement'])}'>evidence ({len(cell['exchanges'])})</a>"
            dev = ""
            if cell.get("deviation"):
                d = cell["deviation"]
                dev = f"<div class=obs>deviation: {_esc(d['reason'])} ({_esc(d['reference'])}, expires {_esc(d['expires'])})</div>"
            cells.append(
                f"<td data-api='{_esc(apis_of[name])}' data-outcome='{_esc(cell['outcome'])}'>"
                f"<span class=o style='background:{COLOURS.get(cell['outcome'], '#000')}'>{_esc(cell['outcome'])}</span>"
                f" <span class=id>{_esc(cell['requirement'])}</span>{ev}{_findings_html(cell)}"
                f"<div class=obs>{_esc(_observed(cell))}</div>{dev}"
                f"{'<div class=obs>' + _esc(cell['message']) + '</div>' if cell['outcome'] not in ('passed', 'omitted') and cell['message'] else ''}</td>")
        body.append(f"<tr class=req><td><b>{_esc(row['topic'])}</b> <span class=obs>{_esc(row['level'])}</span>"
                    f"<div class=obs>{_esc(row['sentence'])}</div></td>{''.join(cells)}</tr>")
    evidence = []
    for col, run in enumerate(runs):
        for rid, r in sorted(run.requirements.items()):
            records = [run.exchanges[e] for e in r.get("exchanges", [])[:EVIDENCE_PER_CELL] if e in run.exchanges]
            if not records:
                continue
            parts = []
            for rec in records:
                parts.append(
                    f"<details><summary><span class=id>{_esc(rec['id'])}</span> {_esc(rec['method'])} "
                    f"{_esc(rec['url'])} → {_esc(rec['status'])}</summary>"
                    f"<pre>{_esc(rec['curl'][:BODY_LIMIT])}</pre>"
                    f"<pre>{_esc(json.dumps(rec['response_headers'], indent=1))}\n\n"
                    f"{_esc(rec['response_body'][:BODY_LIMIT])}</pre></details>")
            evidence.append(f"<h3 id='ev-{col}-{_esc(rid)}'>{_esc(run.name)} · {_esc(rid)} · "
                            f"{_esc(r['outcome'])}</h3>{''.join(parts)}")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{_esc(title)}</title><style>{CSS}</style>"
            f"</head><body><h1>{_esc(title)}</h1><p class=obs>Rows line up requirements across APIs by topic; "
            f"each cell is what that server did. Evidence is the recorded exchange (secrets redacted).</p>"
            f"{_filters(m)}<table id=matrix><tr><th>requirement</th>{head}</tr>{''.join(body)}</table>"
            f"<h2>Evidence</h2>{''.join(evidence) or '<p>none recorded</p>'}<script>{FILTER_JS}</script></body></html>")


def write(runs: list[Run], out: Path, title: str = "Conformance comparison") -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "compare.html", "md": out / "compare.md", "json": out / "compare.json"}
    paths["html"].write_text(render_html(runs, title), encoding="utf-8")
    paths["md"].write_text(markdown(runs), encoding="utf-8")
    paths["json"].write_text(json.dumps(matrix(runs), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths

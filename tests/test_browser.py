"""The reports as a person sees them: the comparison page and the Allure report opened from disk
(file://) in headless Chromium, driven by Playwright.

Debian's chromium (/usr/bin/chromium) is the browser: Playwright's own browser download cannot run
here. Without it these tests skip, saying so; in CI (.ci/run installs it) they fail instead.
`CONFORMANCE_SCREENSHOTS=docs` also writes the screenshots that docs/first-hour.md shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conformance import compare, prove, requirements
from conformance.cli import generate_report
from conformance.emulators.common import EmulatorProcess

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CONFORMANCE_CHROMIUM", "/usr/bin/chromium")
# as root on a machine with no network but the package registries: no sandbox, and none of Chromium's
# background connections (each one refused would slow the start)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("CONFORMANCE_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _open(browser: Browser, path: Path, outside: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    # what the page asks beyond its own file: a report must open offline and tell nobody it was opened
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.resolve().as_uri())
    return page


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(SCREENSHOTS) / name)


# -- the comparison page ------------------------------------------------------------------------------


def _run_folder(folder: Path, name: str, api: str, outcomes: dict[str, str], observations: dict[str, dict]) -> Path:
    """A run folder as `conformance run` writes it, with the catalogue's real requirements."""
    reqs = {}
    for r in requirements.for_api(api):
        outcome = outcomes.get(r.id, "passed")
        findings = [] if outcome in ("passed", "omitted") else [{
            "fingerprint": f"{abs(hash((name, r.id))) % 16**16:016x}", "requirement": r.id, "operation": None,
            "check": None, "detail": "x", "message": f"{r.id}: what the server did instead", "exchanges": [],
            "occurrences": 1, "tests": ["t"], "flaky": False}]
        reqs[r.id] = {"outcome": outcome, "level": r.level, "family": r.family, "topic": r.topic,
                      "sentence": r.sentence, "source": r.source, "observations": observations.get(r.id, {}),
                      "messages": [f["message"] for f in findings], "exchanges": [], "tests": ["t"],
                      "deviation": None, "findings": findings}
    blocking = sorted(rid for rid, r in reqs.items() if r["outcome"] in ("failed", "broken"))
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({
        "version": 2, "target": {"name": name, "api": api, "base_url": f"https://{name}.example.com"},
        "started": "2026-11-30T09:00:00Z", "finished": "2026-11-30T09:04:00Z", "requirements": reqs,
        "verdict": {"passed": not blocking, "fail_on": "failed", "blocking": blocking},
        "counts": {}, "requests_sent": 1}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def compare_page(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    runs = compare.load_runs([
        _run_folder(root / "a", "pega-staging", "pega-dx-v2", {"PEGA-ETAG-004": "failed", "PEGA-ERR-003": "warning"},
                    {"PEGA-ETAG-003": {"stale_if_match_status": 409}}),
        _run_folder(root / "b", "pega-prod", "pega-dx-v2", {"PEGA-ATT-012": "skipped"},
                    {"PEGA-ETAG-003": {"stale_if_match_status": 412}}),
        _run_folder(root / "c", "pm-staging", "processmaker-3", {"PM-PAGE-007": "failed"},
                    {"PM-PAGE-007": {"start_base": 0}}),
    ])
    return compare.write(runs, root / "out", "Staging servers")["html"]


def _visible_rows(page: Page) -> list[str]:
    return page.locator("#matrix tr.req:visible td:first-child b").all_inner_texts()


def _visible_columns(page: Page) -> list[str]:
    return [t.split("\n")[0] for t in page.locator("#matrix th[data-api]:visible").all_inner_texts()]


def test_compare_page_shows_the_matrix_and_filters_by_api_and_outcome(browser, compare_page, tmp_path):
    outside: list[str] = []
    page = _open(browser, compare_page, outside)
    assert _visible_columns(page) == ["pega-staging", "pega-prod", "pm-staging"]
    everything = _visible_rows(page)
    # one row per topic: the requirements of both APIs, those that mean the same thing on one row
    assert sorted(everything) == sorted({r.topic for api in ("pega-dx-v2", "processmaker-3")
                                         for r in requirements.for_api(api)})
    assert page.locator("#f-count").inner_text() == f"{len(everything)} requirement rows"
    _shot(page, tmp_path, "compare.png")

    page.select_option("#f-api", "processmaker-3")
    assert _visible_columns(page) == ["pm-staging"]
    pm_rows = _visible_rows(page)
    assert 0 < len(pm_rows) < len(everything)
    topics = {r.topic for r in requirements.for_api("processmaker-3")}
    assert set(pm_rows) == topics  # every ProcessMaker requirement, nothing that is Pega's alone
    assert page.locator("#matrix td[data-api='pega-dx-v2']:visible").count() == 0

    page.select_option("#f-outcome", "failed")
    assert _visible_rows(page) == [requirements.get("PM-PAGE-007").topic]

    page.select_option("#f-api", "")
    failed = {requirements.get(r).topic for r in ("PEGA-ETAG-004", "PM-PAGE-007")}
    assert set(_visible_rows(page)) == failed
    assert _visible_columns(page) == ["pega-staging", "pega-prod", "pm-staging"]
    page.select_option("#f-outcome", "warning")
    assert _visible_rows(page) == [requirements.get("PEGA-ERR-003").topic]
    # a group heading shows only above rows that are shown
    assert page.locator("#matrix tr.group:visible").count() == 1
    page.select_option("#f-outcome", "")
    assert len(_visible_rows(page)) == len(everything)
    assert outside == []


# -- the Allure report, opened from disk -----------------------------------------------------------------


@pytest.fixture(scope="module")
def allure_report(tmp_path_factory) -> Path:
    """One run scoped to two requirements against the emulator with one fault: results of both kinds."""
    root = tmp_path_factory.mktemp("allure")
    with EmulatorProcess("pega-dx-v2", faults=("accept-stale-etag",)) as emu:
        (root / "target.toml").write_text(prove.target_text("pega-dx-v2", emu.url), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", str(root / "target.toml"),
                               "--out", str(root / "run"), "--requirement", "PEGA-ETAG-003",
                               "--requirement", "PEGA-CASE-001", "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the fault gates
    if not (Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "allure").exists() \
            and not os.environ.get("CONFORMANCE_ALLURE"):
        pytest.fail("the pinned Allure is not installed: run `make setup` (npm ci)")
    return generate_report([root / "run" / "allure-results"], root / "reports" / "allure-report",
                           "Conformance: pega-emulator")


def test_allure_report_opens_from_disk_and_lists_the_results(browser, allure_report, tmp_path):
    assert sorted(p.name for p in allure_report.iterdir() if p.suffix in (".html", ".js")) == ["index.html"]
    outside: list[str] = []
    page = _open(browser, allure_report / "index.html", outside)
    # the tree: target > requirement family > requirement id (groupBy parentSuite, feature, story)
    page.get_by_text("PEGA-ETAG-003", exact=True).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    for text in ("pega-emulator", "etag", "PEGA-ETAG-003", "PEGA-CASE-001", "Failed", "Passed"):
        assert text in body, text
    page.get_by_text("PEGA-ETAG-003", exact=True).first.click()
    page.get_by_text("test_case_write_stale_etag_refused", exact=False).first.wait_for(timeout=10_000)
    # the report scrolls its own panes to the test it selects: back to the top, where the summary is
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    _shot(page, tmp_path, "allure-report.png")
    assert outside == []  # no analytics, no fonts from elsewhere: it opens offline
    assert (allure_report.parent / ".allure-history.jsonl").is_file()  # history kept beside the report

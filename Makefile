# Two commands on a fresh machine (README): `make demo`, then `make test`.
# Each sets itself up first; set-up is skipped when nothing it depends on changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the default test run spreads over the machine's cores (pytest-xdist)
WORKERS ?= auto

.PHONY: setup chromium demo test test-fast prove bench emulate clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# npm ci installs exactly the pinned Allure from package-lock.json
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# tests/test_browser.py opens the reports in Debian's chromium (Playwright's own browser download is not
# used); as root it is installed here, elsewhere those tests skip and say how to install it
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed: the browser tests will skip (apt-get install chromium)"

## The main job: the bundled emulators (clean and documented variants), the suite
## against each, and the Allure HTML report in reports/demo/allure-report.
demo: setup
	$(BIN)/conformance demo --out reports/demo

## The suite's own tests, including the fault matrix (every fault caught, clean passes).
test: setup chromium
	$(BIN)/pytest -n $(WORKERS) --dist worksteal -m "not proof"

## The quick subset: everything but the fault matrix.
test-fast: setup
	$(BIN)/pytest -n $(WORKERS) -m "not matrix and not proof"

## The full proof (DESIGN.md): every fault of every API injected, the whole suite run against it
## (unscoped, 20 examples), plus the clean emulator and each variant. Writes reports/prove/<api>.md.
## Then the tests marked `proof`: whole runs with workers and shards compared with one process.
prove: setup
	$(BIN)/conformance prove --api all --jobs 2 --out reports/prove
	$(BIN)/pytest -n $(WORKERS) -m proof

## Benchmarks; not part of the default test run. Installs its own npm tools in bench/.
## Finding power and the schemathesis breadth run a sample of faults across the four APIs (about 15 and
## 18 minutes); `make bench BENCH_FAULTS=` measures every fault (about 2.5 hours on 2 cores).
## One section alone, replacing only its part of README's block:
## `$(BIN)/python -m conformance.bench --section schemathesis-breadth --readme docs/benchmarks.md --fault ...`
BENCH_FAULTS ?= accept-stale-etag unknown-case-500 dv-page-overlap create-no-location sort-by-date-500 \
	overlapping-pages search-case-sensitive unknown-type-500 wrong-type-accepted stale-partial-merge \
	batch-no-limit time-iso unknown-registration-500
bench: setup
	cd bench && npm ci --no-audit --no-fund
	$(BIN)/python -m conformance.bench --out reports/bench --readme docs/benchmarks.md $(addprefix --fault ,$(BENCH_FAULTS))

emulate: setup
	$(BIN)/conformance emulate pega-dx-v2 --port 8811

clean:
	rm -rf reports/demo reports/*-2* .conformance .pytest_cache

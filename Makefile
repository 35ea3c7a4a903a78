# Two commands for a fresh machine with only Python 3 and make: `make demo` and `make test`.
# AIRFLOW_VERSION picks the locked environment (locks/airflow-<version>.txt); CI runs both.
AIRFLOW_VERSION ?= 3.3.2
PYTHON ?= python3
VENV ?= .venvs/airflow-$(AIRFLOW_VERSION)
LOCK := locks/airflow-$(AIRFLOW_VERSION).txt
BIN := $(VENV)/bin
UV := $(PYTHON) -m uv
STAMP := $(VENV)/.installed

.PHONY: test lint pytest demo lock clean bench docs chaos engine

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

$(STAMP): pyproject.toml $(LOCK)
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv \
		|| $(PYTHON) -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing -p $(PYTHON) $(VENV)
	$(UV) pip sync --quiet -p $(BIN)/python $(LOCK)
	$(UV) pip install --quiet -p $(BIN)/python --no-deps -e .
	@touch $@

# Re-resolve both locks after changing dependencies in pyproject.toml (versions already locked are kept).
# Only Airflow 3's lock carries the `engine` group (make engine).
lock:
	for v in 3.3.2 2.10.5; do \
		echo "apache-airflow==$$v" > /tmp/heygen-airflow-pin.txt; \
		groups="--group dev --group engine"; \
		case $$v in 2.*) groups="--group dev";; esac; \
		$(UV) pip compile --quiet pyproject.toml --extra fake --extra docs --extra openlineage $$groups \
			--constraint /tmp/heygen-airflow-pin.txt --python-version 3.11 --universal \
			-o locks/airflow-$$v.txt; \
	done

clean:
	rm -rf .venvs .pytest_cache .mypy_cache .ruff_cache demo-output chaos-report.json engine-report.json engine-report.md \
		bench-report.json

# The chaos suite in full: every fault class with 5 seeds, waiting in the triggerer and in the worker; prints the
# table and writes it to chaos-report.json (`make test` runs each fault once, seeded, in the triggerer).
CHAOS_RUNS ?= 5
chaos: $(STAMP)
	CHAOS_RUNS=$(CHAOS_RUNS) CHAOS_MODES=deferred,in_worker CHAOS_REPORT=chaos-report.json \
		$(BIN)/pytest tests/reliability -p no:cacheprovider $(PYTEST_ARGS)

# The real Airflow 3 engine (PostgreSQL; LocalExecutor, then CeleryExecutor on Redis with two workers and two
# triggerers): a backfill at the plan's cap and crashes of each component; prints the table, writes engine-report.json.
ENGINE_TESTS ?= tests/engine
engine: $(STAMP)
	bash scripts/install-engine.sh
	HEYGEN_ENGINE=1 ENGINE_REPORT=engine-report.json $(BIN)/pytest $(ENGINE_TESTS) -p no:cacheprovider $(PYTEST_ARGS)

# Benchmarks (numbers and ratios printed, bench-report.json written; nothing asserted), about 40 minutes: waiting in
# Airflow 3's real triggerer on PostgreSQL beside a sleep-only floor, in one event loop against the floor and
# against a client per trigger, and the cost of parsing a DAG file. Airflow 3 only (the real triggerer).
BENCH_JOBS ?= 1000 3000 10000
TRIGGERER_JOBS ?= 1000 3000
bench: $(STAMP)
	bash scripts/install-engine.sh
	rm -f bench-report.json
	$(BIN)/python benchmarks/triggerer.py --jobs $(TRIGGERER_JOBS)
	$(BIN)/python benchmarks/trigger_wait.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/one_loop.py --jobs $(BENCH_JOBS)
	$(BIN)/python benchmarks/parse_cost.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

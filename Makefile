# Two commands on a fresh machine with only Python 3.11+ and make:
#   make run   -> .venv, install, nightly plan for the bundled default scenario into ./out/
#   make test  -> .venv, install, ruff check, mypy, the whole pytest suite
#   make bench -> the benchmarks of bench/ on $(SCENARIO), modest sizes (BENCHMARKS.md has the full runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= data/demo
OUT ?= out
STAMP := $(VENV)/.installed

.PHONY: run test lint setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/cdn nightly --data $(SCENARIO) --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy cdn forecasting placement app.py app_pages

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# placement, simulation and forecast benchmarks on $(SCENARIO) with modest defaults, results in bench/out/;
# BENCH_ARGS="--dry-run" prints the commands, "--only replay,caches" picks some (bench/run_all.py --help)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py --data $(SCENARIO) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .mypy_cache

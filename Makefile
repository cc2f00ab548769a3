# Two targets matter to users: `make demo` and `make test`. Both build .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit fuzz-smoke fuzz bench clean venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/sx demo --out demo-out --force

lint: $(STAMP)
	$(BIN)/ruff check src tests bench protocols fuzz
	$(BIN)/ruff format --check src tests bench protocols fuzz

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# A short coverage-guided run of every fuzz target (a crash fails the build); `make fuzz`
# runs long and keeps each crash under tests/vectors/fuzz/ as a regression input.
fuzz-smoke: $(STAMP)
	$(BIN)/python fuzz/run.py --seconds 3 --random-seed 1

fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py --seconds $${FUZZ_SECONDS:-300} --keep

test: lint typecheck fuzz-smoke unit

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) demo-out build .pytest_cache .mypy_cache .ruff_cache

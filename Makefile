# shardframe — every target documents itself: `make help`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
# A stable target dir outside the clone, so a fresh clone reuses the build.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/shardframe/target
STAMP := $(VENV)/.deps-stamp

.PHONY: help demo test test-fast test-ray lint build bench coverage compat fuzz clean-venv

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "pandas>=3.0" "pyarrow>=17" "numpy>=1.26" \
	    "pytest>=8" "hypothesis>=6.100" "matplotlib>=3.8" "tqdm>=4.66" \
	    "ruff>=0.5" "mypy>=1.10" "duckdb>=1.0" "maturin>=1.5,<2" "tpchgen-cli>=1.0" \
	    "nbclient>=0.10" "nbformat>=5" "ipykernel>=6" "ray>=2.52"
	touch $(STAMP)

build: $(STAMP) ## Build the Rust extension into the virtualenv (release profile)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH \
	    $(VENV)/bin/maturin develop --release -q
	$(PY) -c "import shardframe._core" 

demo: build ## Run the example analysis on generated data (prints tables, writes out/demo.png)
	$(PY) examples/demo.py

lint: build ## cargo fmt/clippy, ruff, mypy
	cargo fmt --all -- --check
	cargo clippy --release --workspace -q -- -D warnings
	$(VENV)/bin/ruff check python tests
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest shardframe._core

test: build lint ## Lint, Rust unit tests, native-method count, then the Python suite
	cargo test --release -q -p shardframe-core -p shardframe-plan -p shardframe-exec
	$(PY) tests/coverage_report.py
	$(PY) -m pytest -q -p no:cacheprovider tests

test-ray: build ## The whole Python suite on a local two-node Ray cluster
	SHARDFRAME_TEST_BACKEND=ray $(PY) -m pytest -q -p no:cacheprovider tests

test-fast: build ## Python suite only
	$(PY) -m pytest -q -x tests

bench: build ## TPC-H and db-benchmark against pandas, Polars, DuckDB (SCALE=1 ROWS=1e7 RUNS=3 IO=memory|parquet); out/bench.json, out/bench.png
	$(PY) -m pip install -q "polars>=1.0"
	$(PY) tests/benchmarks/bench.py --scale $(or $(SCALE),1) --rows $(or $(ROWS),1e7) \
	    --runs $(or $(RUNS),3) --io $(or $(IO),memory)

coverage: build ## How many pandas methods run natively
	$(PY) tests/coverage_report.py

DOCPAGES ?= $(HOME)/.cache/shardframe/docpages
DOCREPLAY ?= ../shared/tools/docreplay.py
compat: build ## Code written by others: pandas' user-guide pages (DOCPAGES) replayed, the public pandas TPC-H queries (tests/compat/README.md)
	mkdir -p out
	SHARDFRAME_FALLBACK=raise $(PY) $(DOCREPLAY) $(DOCPAGES)/*.rst --module shardframe \
	    --json out/compat.json --timeout 60 | tail -n 40
	$(PY) tests/compat/tpch_corpus.py --scale $(or $(SCALE),0.1)

fuzz: build ## The long fuzzing campaign (FILES=100000 API=10000 SEED=1): out/fuzz.json, figures in tests/fuzz/README.md
	mkdir -p out
	$(PY) tests/fuzz/fuzz.py --files $(or $(FILES),100000) --api $(or $(API),10000) --seed $(or $(SEED),1) \
	    --json out/fuzz.json

clean-venv: ## Remove the virtualenv
	rm -rf $(VENV)

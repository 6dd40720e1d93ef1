# Two commands: `make run` and `make test`. Both create .venv and install the project into it
# (with constraints.txt, which pins what this registry needs) when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# babelfeed is built for air-gapped workers: Prefect's server must not phone home.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: run test install clean bench

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/babelfeed ingest seeds --warehouse warehouse

test: $(STAMP)
	$(BIN)/ruff check src flows tests scripts benchmarks
	$(BIN)/python -m pytest

# A small command against the bare imports, the page-dirt cost, scale figures (ratios against
# baselines measured in the same run), then the older benchmarks at their default sizes (each
# script prints its own duration). SCALE_ARGS="--quick" for a smoke test, or e.g. SCALE_ARGS="--markdown
# /tmp/scale.md". The page-dirt benchmark needs the evaluation set's texts (git-ignored; it says
# how to get them and passes when they are absent): BOILERPLATE_ARGS="--no-html" skips its HTML
# half (about 7 minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/page_cost.py
	$(BIN)/python benchmarks/scale.py $(SCALE_ARGS)
	$(BIN)/python benchmarks/translate_batching.py
	$(BIN)/python benchmarks/dedup_scale.py
	$(BIN)/python benchmarks/noop_run.py
	$(BIN)/python benchmarks/check_scale.py
	$(BIN)/python benchmarks/awkward_inputs.py
	$(BIN)/python benchmarks/politeness.py
	$(BIN)/python benchmarks/boilerplate_eval.py $(BOILERPLATE_ARGS)

clean:
	rm -rf $(VENV) warehouse/articles warehouse/segments warehouse/rejects warehouse/runs warehouse/_state

# Everything runs from the project's own virtualenv; `make install` creates it.
# `make` alone (or `make help`) lists the targets: the text after `##` on each target's line.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= ./data
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
RUN ?=
RUNS_DIR ?= runs
URL ?= http://127.0.0.1:$(PORT)
USERS ?= 20
SPAWN_RATE ?= 10
DURATION ?= 30s
LOADTEST_OUT ?= loadtest/reports
IMAGE ?= catalogue-ml
# docker where an engine answers, else podman (deploy/image/build.sh installs it); evaluated when used.
ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)
export DATA_DIR

.DEFAULT_GOAL := help
.PHONY: help install train export compare runs report curve eda drift serve image image-smoke test test-fast lint loadtest bench clean

help: ## this list (the default target); variables are set as `make <target> NAME=value`
	@echo "usage: make <target> [NAME=value ...]   (data sets: DATA_DIR=$(DATA_DIR))"
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))

install: $(BIN)/activate ## create .venv (PYTHON=python3.11) with the pinned serving, training, catalogue, Spark and dev dependencies
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -c requirements.lock -e ".[train,catalog,spark,dev]"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

train: ## run an experiment into runs/<run id>/ (CONFIG=training/configs/<file>.toml, SET="key=value ...")
	$(BIN)/python -m training train $(if $(CONFIG),--config $(CONFIG)) $(foreach s,$(SET),--set $(s))

runs: ## list the finished runs side by side
	$(BIN)/python -m training runs

export: ## export runs into artifacts/ behind the equivalence and promotion gates (RUN=<run id>, NAME=<model>, ALLOW_REGRESSION="<reason>")
	$(BIN)/python -m training export $(if $(RUN),--run $(RUN)) $(if $(NAME),--name $(NAME)) $(if $(ALLOW_REGRESSION),--allow-regression "$(ALLOW_REGRESSION)")

compare: ## two pattern runs on the same held-out products with paired tests (A=<baseline run>, B=<candidate run>)
	$(BIN)/python -m training compare $(or $(A),latest-pattern-prototype) $(or $(B),latest-pattern-challenger) $(if $(OUT),--out $(OUT))

serve: ## serve the API with gunicorn (PORT=8000, WORKERS=cores, HOST=0.0.0.0 the bind address)
	PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn -c python:server.gunicorn_conf 'server.app:create_server()'

image: ## build the serving image from the Dockerfile (ENGINE=docker|podman, IMAGE=catalogue-ml); prints its size
	ENGINE=$(ENGINE) IMAGE=$(IMAGE) deploy/image/build.sh

image-smoke: ## run the image as its user: its files, the brief's example, probes, /models, V2, SIGTERM exit
	$(PYTHON) deploy/image/smoke.py --engine $(ENGINE) --image $(IMAGE)

test: ## run every test, as CI does (PYTEST_ARGS="-q -k drift" passes arguments; needs DATA_DIR)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: ## the inner loop: every test not marked slow (a few minutes less; CI runs them all)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: ## ruff (lint + format check), mypy on every package, the import contracts (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean: ## delete .venv and the tools' caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# Drift of a window of requests against the training distribution; report in reports/drift/<MODEL>/.
# The command exits 0 (no drift), 3 (drift) or another code (no verdict: bad window, missing
# model or data). GNU make exits 2 whenever a recipe fails, so `make drift` cannot pass the 3 on:
# it prints which code the command returned, and a scheduled job that alerts on drift runs the
# command it names directly.
MODEL ?= pattern
# The models training knows: each is a package training/<model>/ with its task.py (training/tasks.py).
PROJECT := $(dir $(abspath $(firstword $(MAKEFILE_LIST))))
MODELS := $(patsubst $(PROJECT)training/%/task.py,%,$(wildcard $(PROJECT)training/*/task.py))
MODEL_CHOICES := $(subst $(eval) , or ,$(strip $(MODELS)))
DRIFT_OUT ?= reports/drift
DRIFT = $(BIN)/python -m training drift --model $(MODEL) --window '$(WINDOW)' --out $(DRIFT_OUT)
drift: ## compare requests with the training data (MODEL=pattern|category WINDOW=requests.json)
	@$(if $(filter $(MODEL),$(MODELS)),,echo "make drift: MODEL must be $(MODEL_CHOICES), got '$(MODEL)'" >&2; exit 2)
	@[ -n "$(WINDOW)" ] || { echo "make drift: no WINDOW: name the requests to check, e.g. WINDOW=requests.json (a POST body or JSON lines)" >&2; exit 2; }
	@echo "$(DRIFT)"; $(DRIFT); code=$$?; case $$code in \
	0) echo "make drift: no drift (the command exited 0); report in $(DRIFT_OUT)/$(MODEL)/drift.md";; \
	3) echo "make drift: DRIFT (the command exited 3); report in $(DRIFT_OUT)/$(MODEL)/drift.md. make itself exits 2 on any failure: to alert on exit 3, a scheduled job runs the command above directly" >&2;; \
	*) echo "make drift: no verdict, the check failed (the command exited $$code; the error is above)" >&2;; \
	esac; exit $$code

eda: ## analyse Fashion-MNIST into reports/eda/ (committed)
	$(BIN)/python -m training.category.eda

# Publish a run's report into the repository (reports/ is committed). The run's config.toml
# says its task; a run of the other task is refused rather than copied into the wrong folder.
TASK ?= pattern
report: ## publish a run's report into reports/<TASK>/ (TASK=pattern|category; RUN=<run id>, default runs/latest-<TASK>)
	@$(if $(filter $(TASK),$(MODELS)),,echo "make report: TASK must be $(MODEL_CHOICES), got '$(TASK)'" >&2; exit 2)
	@run="$(RUNS_DIR)/$(or $(RUN),latest-$(TASK))"; \
	if [ -n "$(RUN)" ] && [ ! -e "$$run" ] && [ -e "$(RUN)" ]; then run="$(RUN)"; fi; \
	if [ ! -f "$$run/metrics.json" ] || [ ! -f "$$run/report.md" ]; then \
		echo "make report: no finished $(TASK) run at $$run: $(if $(RUN),give a run id that \`make runs\` lists,train one first: make train$(if $(filter category,$(TASK)), CONFIG=training/configs/category-30min.toml))" >&2; exit 2; \
	fi; \
	task=$$(sed -n 's/^task = "\(.*\)"$$/\1/p' "$$run/config.toml" 2>/dev/null); \
	if [ -z "$$task" ]; then echo "make report: $$run/config.toml names no task: is $$run a run directory?" >&2; exit 2; fi; \
	if [ "$$task" != "$(TASK)" ]; then \
		echo "make report: $$run is a $$task run, not a $(TASK) run: use TASK=$$task, or name a $(TASK) run" >&2; exit 2; \
	fi; \
	mkdir -p reports/$(TASK); \
	for f in "$$run"/report.md "$$run"/*.png; do if [ -f "$$f" ]; then cp "$$f" reports/$(TASK)/ || exit 1; fi; done; \
	echo "make report: published $$run into reports/$(TASK)/"

curve: ## category accuracy vs training minutes and onnxruntime cost into reports/category/curve.{md,png} (RUNS="<run id> ...")
	@$(if $(strip $(RUNS)),,echo 'make curve: give the category runs to plot, e.g. RUNS="<run id> <run id>" (ids as `make runs` lists them)' >&2; exit 2)
	$(BIN)/python -m training.category.curve $(RUNS)

# Locust, headless, against a running server (`make serve` in another shell). HOST is the
# server's bind address, not the load test's target: a URL given as HOST is refused.
loadtest: ## locust against a running server, /predict and /predict/category (URL=http://127.0.0.1:8000 USERS=20 DURATION=30s; needs DATA_DIR)
	$(if $(filter http://% https://%,$(HOST)),@echo "make loadtest: HOST=$(HOST) is the server's bind address; the load test's target is URL=$(HOST)" >&2; exit 2)
	$(BIN)/python -m loadtest.run --url $(URL) --users $(USERS) --spawn-rate $(SPAWN_RATE) --duration $(DURATION) --out $(LOADTEST_OUT)

# Server vs template vs bare-Litestar ceiling; writes benchmarks/RESULTS.md. Needs Debian's wrk.
bench: ## benchmark the server with wrk into benchmarks/RESULTS.md (BENCH_ARGS; installs Debian's wrk if missing)
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; }
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

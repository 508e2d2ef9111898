# Everything runs from the project's own virtualenv; `make install` creates it.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= ./data
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
RUN ?=
HOST ?= http://127.0.0.1:$(PORT)
USERS ?= 20
SPAWN_RATE ?= 10
DURATION ?= 30s
export DATA_DIR

.PHONY: install train export runs report eda drift serve test lint loadtest bench clean

install: $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -c requirements.lock -e ".[train,catalog,dev]"

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

train:
	$(BIN)/python -m training train $(if $(CONFIG),--config $(CONFIG)) $(foreach s,$(SET),--set $(s))

runs:
	$(BIN)/python -m training runs

export:
	$(BIN)/python -m training export $(if $(RUN),--run $(RUN))

serve:
	PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn -c python:server.gunicorn_conf 'server.rest.app:create_server()'

test:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# Drift of a window of requests against the training distribution: exit 3 when drifted.
# make drift MODEL=category WINDOW=requests.json (a POST body, or JSON lines); report in reports/drift/.
MODEL ?= pattern
drift:
	$(BIN)/python -m training drift --model $(MODEL) --window $(WINDOW)

# Exploratory analysis of Fashion-MNIST into reports/eda/ (committed).
eda:
	$(BIN)/python -m training.category.eda

# Publish a run's report into the repository (reports/ is committed): TASK=pattern|category,
# or RUN=<run id> to publish a named run of that task.
TASK ?= pattern
report:
	mkdir -p reports/$(TASK)
	cp runs/$(or $(RUN),latest-$(TASK))/report.md runs/$(or $(RUN),latest-$(TASK))/*.png reports/$(TASK)/

# Locust, headless, against a running server (`make serve` in another shell).
loadtest:
	mkdir -p loadtest/reports
	$(BIN)/locust -f loadtest/locustfile.py --headless --host $(HOST) -u $(USERS) -r $(SPAWN_RATE) -t $(DURATION) \
		--csv loadtest/reports/run --html loadtest/reports/report.html --only-summary --loglevel WARNING
	$(BIN)/python -m loadtest.summary loadtest/reports/run_stats.csv

# Server vs template vs bare-Litestar ceiling; writes benchmarks/RESULTS.md. Needs Debian's wrk.
bench:
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; }
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

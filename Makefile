# Selfkind: `make run` starts the local stack, `make test` runs every test and check.
# Both install what they need on first use (uv, pinned by uv.lock, into .venv).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 3000
# Python 3.13 as on Lambda; on these machines it lives under pyenv.
PY313 ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3 2>/dev/null || command -v python3.13)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
PY := .venv/bin/python
SAM := tools/sam/.venv/bin/sam
LINT_PY := tools/lint/.venv/bin/python
# sam build looks for python3.13 on PATH.
SAM_ENV := PATH="$(dir $(PY313)):$$PATH" SAM_CLI_TELEMETRY=0

.PHONY: help install browser run test pytest unit integration e2e fuzz lint format typecheck template template-checks \
        layer-requirements openapi bench bench-capacity build deploy deploy-prod clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	@test -n "$(PY313)" || { echo "Python 3.13 not found: install it (pyenv install 3.13.0)"; exit 1; }
	UV_PYTHON=$(PY313) $(UV) sync --frozen --quiet
	@touch $@

tools/sam/.venv/.synced: tools/sam/pyproject.toml tools/sam/uv.lock | $(UV)
	cd tools/sam && UV_PYTHON=$(PY313) ../../$(UV) sync --frozen --quiet
	@touch $@

tools/lint/.venv/.synced: tools/lint/pyproject.toml tools/lint/uv.lock | $(UV)
	cd tools/lint && UV_PYTHON=$(PY313) ../../$(UV) sync --frozen --quiet
	@touch $@

install: .venv/.synced tools/sam/.venv/.synced tools/lint/.venv/.synced  ## install the project, the SAM CLI and the template checkers (pinned)

run: .venv/.synced  ## start the local stack on 127.0.0.1:$PORT (default 3000)
	$(PY) -m devstack --port $(PORT)

# pytest includes tests/e2e/test_fuzzing.py: a bounded (about 2 minutes) schemathesis run, every check.
test: install browser lint typecheck template pytest  ## every check and test; non-zero on any failure

browser:  ## headless Chromium for the share page's browser test: installed on Debian as root where missing
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ -f /etc/debian_version ] && [ "$$(id -u)" = 0 ]; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	    || echo "WARNING: apt-get could not install Chromium: the share page's browser test will be skipped"; \
	else echo "Chromium is not installed and cannot be here: the share page's browser test will be skipped"; fi

pytest: .venv/.synced
	$(PY) -m pytest

unit: .venv/.synced  ## unit tests only (network blocked)
	$(PY) -m pytest tests/unit

integration: .venv/.synced
	$(PY) -m pytest tests/integration

e2e: .venv/.synced
	$(PY) -m pytest tests/e2e

fuzz: .venv/.synced  ## schemathesis, every check, against the running local stack (make run); FUZZ_SECONDS=n bounds it
	$(PY) -m devstack.fuzz --url http://127.0.0.1:$(PORT) $(if $(FUZZ_SECONDS),--max-time $(FUZZ_SECONDS))

lint: .venv/.synced  ## ruff lint and format check; the layer requirements and openapi.json are current
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) layers/requirements.py --uv $(UV) --check

format: .venv/.synced
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: .venv/.synced
	$(PY) -m mypy

template: install template-checks build  ## sam validate --lint, cfn-lint's serverless rules, checkov, sam build

template-checks: install  ## sam validate --lint; cfn-lint with the serverless rules and checkov (skips: tools/lint/skipped-checks.yaml)
	$(SAM_ENV) $(SAM) validate --lint
	$(LINT_PY) tools/lint/check_template.py

build: install  ## sam build, then each function's unzipped size with its layers, and that every layer module has bytecode
	$(SAM_ENV) $(SAM) build
	$(PY) layers/sizes.py
	$(PY) layers/bytecode.py

layer-requirements: .venv/.synced  ## regenerate the layers' requirements from uv.lock
	$(PY) layers/requirements.py --uv $(UV)

openapi: .venv/.synced  ## regenerate openapi.json and the route table (shared/selfkind/api/route_table.py) from the code
	$(PY) -m devstack.openapi --write

bench: .venv/.synced  ## cold start, warm latency, request counts, the reminder pipeline and its capacity model
	$(PY) -m bench

bench-capacity: .venv/.synced  ## the reminder pipeline's measurements and capacity model alone (under a minute)
	$(PY) -m bench.capacity

deploy: build  ## sam deploy to dev (needs AWS credentials)
	$(SAM_ENV) $(SAM) deploy --config-env dev

deploy-prod: build
	$(SAM_ENV) $(SAM) deploy --config-env prod

clean:
	rm -rf .venv .tools tools/sam/.venv .aws-sam .pytest_cache .mypy_cache .ruff_cache .devstack

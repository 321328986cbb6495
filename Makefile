# The README's commands. Every target installs what it needs first, on a machine that has
# only Python 3.11, Node.js and npm.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
TOOLS := .tools
PIPENV := $(TOOLS)/bin/pipenv
ENV ?=
# Extra arguments for `make deploy`, e.g. DEPLOY_FLAGS=--auto-approve in CI.
DEPLOY_FLAGS ?=
# Arguments of `make cdktf`, e.g. ARGS=login or ARGS="output prod".
ARGS ?=
# The oldest Terraform that runs every stack (write-only arguments came with 1.11;
# f1_infra/rules/backend.py holds Terraform Cloud workspaces to the same). Synth and test need
# none; diff and deploy run it.
TERRAFORM_MIN_VERSION := 1.11.0
TERRAFORM_INSTALL := https://developer.hashicorp.com/terraform/install
ENV_FILES = $(filter-out %/schema.json,$(wildcard $(or $(ENVS_DIR),envs)/*.json))

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
# Node 22 from package.json comes first, then pipenv for cdktf.json's "pipenv run".
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(TOOLS)/bin:$(PATH)
export CHECKPOINT_DISABLE := 1
# mermaid-cli (the diagram render test) draws with the system Chromium, not a downloaded one.
export PUPPETEER_SKIP_DOWNLOAD := 1

.PHONY: help setup synth test lint format validate docs addresses preflight diff deploy cdktf terraform bench render migration-check clean

help:
	@echo "make synth            install what is missing, then synthesize every environment into cdktf.out/"
	@echo "make test             install what is missing, then run the test suite"
	@echo "make lint             ruff check and format check"
	@echo "make validate         check envs/*.json without synthesizing"
	@echo "make docs             regenerate docs/architecture.md, docs/environments.md and envs/schema.json"
	@echo "make addresses        accept the current Terraform addresses (tests/addresses/), after review"
	@echo "make preflight ENV=dev read-only checks of the AWS account before a first deploy; needs no terraform"
	@echo "make diff ENV=dev     cdktf diff for one stack (an environment, its <env>-services, or bootstrap); needs terraform"
	@echo "make deploy ENV=dev   cdktf deploy (an environment, bootstrap; ENV=\"dev dev-services\" with its services); needs terraform"
	@echo "make cdktf ARGS=...   the cdktf CLI with the project's Node.js, e.g. ARGS=login"
	@echo "make format           ruff fixes and formatting"
	@echo "make clean            remove cdktf.out and tool caches"
	@echo "make bench            synth and test-suite benchmarks (docs/performance.md)"
	@echo "make render           draw docs/architecture.md's pictures with mermaid-cli and Chromium (CI runs it)"
	@echo "make migration-check  synthesize with CDK Terrain on a migrated copy and compare (docs/decisions.md)"

setup: .venv/.synced node_modules/.synced

$(PIPENV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "pipenv==$(PIPENV_VERSION)"

.venv/.synced: Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --dev
	touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Invalid files are reported once, here, rather than again inside cdktf's own error.
synth: setup
	@$(PIPENV) run python -m f1_infra validate $(ENV_FILES) > /dev/null
	cdktf synth

# The environment pipenv synced, without pipenv's own start-up on every run. Compiled modules are
# kept in __pycache__ (Python's default, which PYTHONDONTWRITEBYTECODE turns off): pytest then
# rewrites the test modules' asserts once, not on every run (about 3 s of the suite's budget).
test: setup
	PYTHONDONTWRITEBYTECODE= .venv/bin/pytest

lint: setup
	$(PIPENV) run ruff check .
	$(PIPENV) run ruff format --check .

format: setup
	$(PIPENV) run ruff check --fix .
	$(PIPENV) run ruff format .

validate: setup
	$(PIPENV) run python -m f1_infra validate envs/*.json

docs: setup
	$(PIPENV) run python -m f1_infra docs

addresses: setup
	UPDATE_ADDRESSES=1 $(PIPENV) run pytest -q tests/test_addresses.py

# Asks the account with the operator's AWS credentials; needs no terraform.
preflight: setup
	@test -n "$(ENV)" || { echo "usage: make $@ ENV=<env> (one of: $$(ls envs | grep -v schema | sed 's/\.json//' | tr '\n' ' '))"; exit 2; }
	$(PIPENV) run python -m f1_infra preflight $(ENV)

diff: setup terraform
	@test -n "$(ENV)" || { echo "usage: make $@ ENV=<stack> (one of: $$(ls envs | grep -v schema | sed 's/\.json//' | tr '\n' ' ')bootstrap, or <env>-services)"; exit 2; }
	cdktf diff $(ENV)

deploy: setup terraform
	@test -n "$(ENV)" || { echo "usage: make $@ ENV=<stack> (one of: $$(ls envs | grep -v schema | sed 's/\.json//' | tr '\n' ' ')bootstrap, or \"<env> <env>-services\")"; exit 2; }
	cdktf deploy $(ENV) $(DEPLOY_FLAGS)

cdktf: setup
	cdktf $(ARGS)

# What diff and deploy need besides the set-up: a terraform on PATH, recent enough.
terraform:
	@version=$$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p'); \
	if [ -z "$$version" ]; then \
	  echo "make $(MAKECMDGOALS) needs terraform $(TERRAFORM_MIN_VERSION) or later on PATH, and there is none: install it ($(TERRAFORM_INSTALL))"; exit 2; \
	fi; \
	if [ "$$(printf '%s\n' $(TERRAFORM_MIN_VERSION) $$version | sort -V | head -n 1)" != "$(TERRAFORM_MIN_VERSION)" ]; then \
	  echo "make $(MAKECMDGOALS) needs terraform $(TERRAFORM_MIN_VERSION) or later; $$(command -v terraform) is $$version: install a newer one ($(TERRAFORM_INSTALL))"; exit 2; \
	fi

bench: setup
	$(PIPENV) run python bench/synth.py
	$(PIPENV) run python bench/suite.py

# The pictures of docs/architecture.md drawn by mermaid-cli with Chromium (CI fails on a render error).
render: setup
	$(PIPENV) run pytest -m render

migration-check: setup
	$(PIPENV) run python migration/check.py

clean:
	rm -rf cdktf.out .pytest_cache .ruff_cache

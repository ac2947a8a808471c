# Two entry points for a fresh machine (both install what they need):
#   make audit   offline preview + policy audit of both stacks (the main job)
#   make test    the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACKS := staging production

.PHONY: audit preview test bench clean postgres shellcheck

# The project itself goes in editable, offline (no index, no build isolation: the venv's setuptools
# and wheel build it), so `.venv/bin/maintainpro-ops` runs the operator CLI from any directory.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-index -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# PostgreSQL server binaries for the backup/restore integration tests.
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

# ShellCheck for actionlint's check of every workflow's `run:` scripts (tests/unit/test_actionlint.py).
shellcheck:
	@command -v shellcheck >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null)

preview: $(VENV)/.installed
	$(PY) -m ops preview $(addprefix --stack ,$(STACKS))

audit: preview
	$(PY) -m ops audit --stack staging
	$(PY) -m ops audit --stack production

test: $(VENV)/.installed node_modules/.installed postgres shellcheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -n 2

bench: $(VENV)/.installed node_modules/.installed postgres
	$(PY) bench/preview_bench.py
	$(PY) bench/supabase_bench.py
	$(PY) bench/netlify_provider_bench.py
	$(PY) bench/audit_bench.py
	$(PY) bench/backup_bench.py
	$(PY) bench/deploy_bench.py
	$(PY) bench/metrics_bench.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache

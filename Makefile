# Two commands do everything on a fresh Debian machine: `make demo` and `make test`; `make serve`
# after `make demo` opens the demo's world in the browser (its logins: demo-out/logins.txt).
# Python packages come from the lock files only (requirements/*.txt: exact versions, hashes checked
# by pip); `make upgrade` is the one deliberate way to move them forward.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK     := requirements/dev.txt
DEMO_OUT ?= demo-out
PYTEST_ARGS ?=
# One pytest worker per core (pytest-xdist), each with its own session set-up (PKI, LibreOffice pool,
# sample bureau). --dist loadscope keeps a module's tests on one worker, so a world a module builds
# once (scope="module") is built once; in collection order (the longest modules first, see
# tests/conftest.py). TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= auto

.PHONY: setup system venv venv-runtime demo serve test bench lint format lock upgrade clean

setup: system venv

system:
	@bash scripts/setup-system.sh

$(PY):
	@$(PYTHON) -m venv $(VENV)

# --require-hashes: every package, dependencies included, must be in the lock with a matching hash
# (an incomplete lock fails here instead of resolving something new). anjuan itself is installed
# without build isolation, with the locked setuptools, so nothing is resolved at install time.
$(VENV)/.installed-%: | $(PY)
	@$(PIP) install -q --require-hashes -r requirements/$*.txt > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@$(PIP) install -q --no-deps --no-build-isolation -e . >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(VENV)/.installed-runtime: $(RUNTIME_LOCK) pyproject.toml setup.py
$(VENV)/.installed-dev: $(DEV_LOCK) pyproject.toml setup.py

venv-runtime: $(VENV)/.installed-runtime
venv: $(VENV)/.installed-dev

# Byte-compile the project's own modules (site-packages are compiled by pip at install). An editable
# install leaves them as sources, and where PYTHONDONTWRITEBYTECODE is set every `anjuan` process
# (the CLI tests start ~100) would compile ~150 modules again. Cheap when nothing changed.
COMPILE := $(PY) -m compileall -q -j 0 anjuan api archive templates signing indexing

demo: system venv-runtime
	@$(COMPILE)
	$(VENV)/bin/anjuan demo --out $(DEMO_OUT)

# The demo's archive on http://127.0.0.1:8000/web/ (log in with an account of $(DEMO_OUT)/logins.txt).
serve: venv-runtime
	@$(COMPILE)
	@test -f $(DEMO_OUT)/data/anjuan.db || { echo "没有演示数据，请先运行 make demo / no demo data: run make demo first"; exit 1; }
	$(VENV)/bin/anjuan serve --data $(DEMO_OUT)/data

test: setup
	@$(COMPILE)
	@bash scripts/ensure-postgres.sh || echo "PostgreSQL unavailable: its tests will be skipped"
	@# pytest caches its assertion-rewritten test modules as .pyc (≈ 3 s of each worker's collection);
	@# PYTHONDONTWRITEBYTECODE, set on some machines, would make every worker rewrite them every run.
	@PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

bench: setup
	$(PY) -m bench

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-resolve the lock after a change to pyproject.toml, keeping every pin that still fits.
lock: venv
	@PY=$(PY) bash scripts/lock.sh

# The newest releases pyproject.toml allows, installed, then the whole suite on them.
upgrade: venv
	@PY=$(PY) bash scripts/lock.sh --upgrade
	@$(MAKE) --no-print-directory test

clean:
	rm -rf $(VENV) var $(DEMO_OUT) .pytest_cache

# The two commands: `make demo` runs the example shop, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_ADDR ?= 127.0.0.1:8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: demo test lint format sandbox messages api-schema benchmarks benchmarks-smoke screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'  # [test] holds every extra
	touch $(STAMP)

demo: $(STAMP)
	DEMO_ADDR=$(DEMO_ADDR) bash example_shop/demo.sh

# The tests marked postgres (concurrency, workers, statements per delivery) have their own run,
# against TEST_DATABASE_URL (skipped on a machine without PostgreSQL, never under CI=true).
# Then everything else, on SQLite, spread over up to four processes (pytest-xdist): each sets
# up its own in-memory database.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	@if [ "$$CI" = "true" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest -m postgres tests; \
	else echo "PostgreSQL is not running: the concurrency tests are skipped"; fi
	$(VENV)/bin/pytest -m "not postgres" -n auto --maxprocesses 4
	$(MAKE) benchmarks-smoke

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check django_diller tests

format: $(STAMP)
	$(VENV)/bin/ruff format django_diller tests example_shop benchmarks

sandbox: $(STAMP)
	$(PY) manage.py diller_sandbox

# Refresh the translation catalogues after changing strings (then translate and run it again
# to compile): a test keeps the .po and .mo files in step.
messages: $(STAMP)
	cd django_diller && ../$(VENV)/bin/django-admin makemessages -l en -l nb -l sv
	cd django_diller && ../$(VENV)/bin/django-admin compilemessages

# The Discount API's OpenAPI document, regenerated from its views after changing them:
# tests/discountapi/api/test_schema.py fails while the checked-in file is out of date.
api-schema: $(STAMP)
	DJANGO_SETTINGS_MODULE=example_shop.settings.test $(PY) manage.py spectacular \
		--urlconf django_diller.discountapi.api.urls \
		--custom-settings django_diller.discountapi.api.schema.SCHEMA_SETTINGS \
		--lang en --validate --fail-on-warn --file docs/discount-api.openapi.yaml

benchmarks: $(STAMP)
	$(PY) benchmarks/token_stampede.py
	$(PY) benchmarks/discount_engine.py
	$(PY) benchmarks/discount_rules.py
	$(PY) benchmarks/checkout_overhead.py
	$(PY) benchmarks/offer_pricing.py
	$(PY) benchmarks/checkout_parts.py
	$(PY) benchmarks/outbox_throughput.py
	$(PY) benchmarks/checkout_overhead.py \
		--database-url postgres://postgres@127.0.0.1:5432/diller_checkout_bench

# Every benchmark at a tiny size, so that none breaks unnoticed (it fails when a script breaks,
# never on a time). The outbox benchmark needs PostgreSQL, like the concurrency tests.
benchmarks-smoke: $(STAMP)
	$(PY) benchmarks/token_stampede.py --processes 2 --calls 20
	$(PY) benchmarks/discount_engine.py --lines 20 --coupons 3 --cards 2 --repeat 3
	$(PY) benchmarks/discount_rules.py --lines 20 --rules 10 --repeat 3
	$(PY) benchmarks/checkout_overhead.py --runs 1 --fastest
	$(PY) benchmarks/checkout_overhead.py --runs 1 --fastest --coupon-choice step
	$(PY) benchmarks/checkout_overhead.py --queries
	$(PY) benchmarks/checkout_parts.py --runs 1
	$(PY) benchmarks/offer_pricing.py --repeat 2
	$(PY) benchmarks/offer_pricing.py --repeat 2 --profile diller-loyalty
	@if [ "$$CI" = "true" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 1)" 2>/dev/null; then \
		$(PY) benchmarks/checkout_overhead.py --queries --redis redis://127.0.0.1:6379/0; \
	else echo "Redis is not running: the checkout benchmark with Redis is skipped"; fi
	@if [ "$$CI" = "true" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		$(PY) benchmarks/outbox_throughput.py --rows 20 --concurrency 1 && \
		$(PY) benchmarks/checkout_overhead.py --runs 1 --fastest \
			--database-url postgres://postgres@127.0.0.1:5432/diller_checkout_bench; \
	else echo "PostgreSQL is not running: the outbox and PostgreSQL checkout benchmarks are skipped"; fi

screenshots: $(STAMP)
	E2E_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e -q

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache

# The two commands of the README: `make serve` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test build validate install clean mutate axe

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# Every dependency from requirements.lock, each file checked against its hash; then the package itself
# without resolving anything more (its dependencies are all in the lock).
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

evidence.db: $(STAMP) $(shell find data -name '*.yaml' -o -name '*.bib' 2>/dev/null) evidence/scales.yaml
	$(BIN)/evidence build

build: evidence.db

validate: $(STAMP)
	$(BIN)/evidence validate --strict

serve: evidence.db
	$(BIN)/evidence serve

# The browser and accessibility tests need Chromium, its driver and axe-core (npm ci in tests/browser):
# `make test` installs axe-core where npm is there, and says in one line what was skipped and why.
BROWSER_CHECK = command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	echo "make test: SKIPPED the browser and accessibility tests: no Chromium (apt-get install chromium chromium-driver)"; \
	command -v chromedriver >/dev/null 2>&1 || \
	echo "make test: SKIPPED the browser and accessibility tests: no chromedriver (apt-get install chromium-driver)"; \
	test -f tests/browser/node_modules/axe-core/axe.min.js || \
	echo "make test: SKIPPED the accessibility test: no axe-core (install Node.js and npm, then make test)"

test: $(STAMP) axe
	@$(BIN)/python -m pytest; status=$$?; $(BROWSER_CHECK); exit $$status

axe:
	@test -f tests/browser/node_modules/axe-core/axe.min.js || ! command -v npm >/dev/null 2>&1 || \
		(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || echo "make test: npm ci in tests/browser failed"

clean:
	rm -rf $(VENV) evidence.db .pytest_cache

mutate: $(STAMP)
	$(BIN)/python bench/mutation.py

# The two commands of the README: `make serve` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test test-full build validate install clean mutate axe documents

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# Every dependency from requirements.lock, each file checked against its hash; then the package itself
# without resolving anything more (its dependencies are all in the lock), built with the locked setuptools
# (--no-build-isolation: pip would otherwise fetch the build backend unpinned and unhashed).
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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

# The suite with every property test at its full number of examples (the default tries an eighth): the
# scheduled job's command.
test-full: $(STAMP)
	EVIDENCE_HYPOTHESIS=full $(BIN)/python -m pytest

# The source documents every quote is checked against sit in ../shared (seeds/ and published-facts.md).
# `make documents DOCUMENTS=path` puts a checkout of them there (the GitHub workflow's step); it refuses a
# folder without seeds/ rather than let validation run without the documents.
DOCUMENTS ?= ../shared
documents:
	@test -d "$(DOCUMENTS)/seeds" && test -f "$(DOCUMENTS)/published-facts.md" || \
		{ echo "make documents: $(DOCUMENTS) has no seeds/ and published-facts.md: set DOCUMENTS (in GitHub, the repository variable SOURCE_DOCUMENTS_REPO) to the source documents"; exit 1; }
	@test "$$(cd "$(DOCUMENTS)" && pwd -P)" = "$$(cd ../shared 2>/dev/null && pwd -P)" || \
		{ test ! -e ../shared || test -L ../shared || { echo "make documents: ../shared exists and is not a link: move it first"; exit 1; }; \
		  ln -sfn "$$(cd "$(DOCUMENTS)" && pwd -P)" ../shared; }
	@echo "Source documents: ../shared -> $$(cd ../shared && pwd -P)"

clean:
	rm -rf $(VENV) evidence.db .pytest_cache

# `make mutate` runs every group; `make mutate GROUP="diff releases"` the groups named.
mutate: $(STAMP)
	$(BIN)/python bench/mutation.py $(foreach g,$(GROUP),--group $(g))

# Two commands for a newcomer: `make run` opens the app, `make test` runs every test.
# Both create .venv, install the project with its extras and the system packages it needs.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
SYSDEPS := packaging/system-deps.sh

.PHONY: run test lint system-deps install package clean train-default

run: install
	$(VENV)/bin/composer

test: install
	$(VENV)/bin/ruff check composer tests benchmarks
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check composer tests benchmarks
	$(VENV)/bin/lint-imports

install: system-deps $(STAMP)

system-deps:
	@sh $(SYSDEPS)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[train,dev]'
	@touch $(STAMP)

package: install
	sh packaging/build.sh

clean:
	rm -rf build dist *.egg-info

# Reproduce the shipped default model (about 90 minutes on 2 CPU cores; resumes after an interruption).
train-default: install
	$(VENV)/bin/composer train --preset default --out runs/default $$(test -f runs/default/checkpoint.pt && echo --resume) --quiet

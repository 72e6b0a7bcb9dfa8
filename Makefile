# Tongxin: the two commands that set everything up on a fresh machine.
#   make demo   build the Hunan demo (SQLite, var/demo.sqlite3) and serve it on http://127.0.0.1:$(PORT)
#   make test   run the whole suite on SQLite and, side by side, on PostgreSQL when TONGXIN_TEST_DATABASE_URL is set

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/tongxin demo --port $(PORT)

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check tongxin tests bench

# Regenerate the English catalogue after changing UI strings (needs gettext's msgfmt).
messages: install
	cd tongxin && ../$(BIN)/tongxin makemessages -l en --no-obsolete --add-location file && ../$(BIN)/tongxin compilemessages -l en

clean:
	rm -rf $(VENV) var/demo.sqlite3* .pytest_cache

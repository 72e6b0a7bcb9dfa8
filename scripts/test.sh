#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL when TONGXIN_TEST_DATABASE_URL is set.
# With CI=true a missing PostgreSQL or browser is a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TONGXIN_HOME="$PWD"

bash scripts/ensure-browser.sh || true

run() {  # run LABEL [env...]: pytest with the given environment; pytest's 5 (no tests) is reported, not fatal
    local label=$1; shift
    echo "=== tests on $label ==="
    env "$@" "$BIN/python" -m pytest -p no:cacheprovider
    local rc=$?
    if [ $rc -eq 5 ]; then echo "pytest collected no tests on $label"; return 0; fi
    return $rc
}

"$BIN/ruff" check tongxin tests bench || exit 1
echo "=== layering contracts ==="
"$BIN/lint-imports" || exit 1
echo "=== types ==="
"$BIN/mypy" || exit 1

run SQLite TONGXIN_DATABASE_URL= || exit 1

if [ -n "${TONGXIN_TEST_DATABASE_URL:-}" ]; then
    run PostgreSQL TONGXIN_DATABASE_URL="$TONGXIN_TEST_DATABASE_URL" TONGXIN_TEST_EXPECT_POSTGRES=1 || exit 1
elif [ "${CI:-}" = "true" ]; then
    echo "CI=true but TONGXIN_TEST_DATABASE_URL is not set: PostgreSQL is required in CI" >&2
    exit 1
else
    echo "PostgreSQL run skipped: set TONGXIN_TEST_DATABASE_URL=postgres://user@host:5432/tongxin to run it"
fi

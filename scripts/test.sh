#!/usr/bin/env bash
# The whole suite on SQLite and, when TONGXIN_TEST_DATABASE_URL is set, on PostgreSQL at the same time.
# With CI=true a missing PostgreSQL or browser is a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TONGXIN_HOME="$PWD"

bash scripts/ensure-browser.sh || true
bash scripts/ensure-bench.sh || true

run() {  # run LABEL [env...]: pytest with the given environment; pytest's 5 (no tests) is reported, not fatal
    local label=$1; shift
    echo "=== tests on $label ==="
    env "$@" "$BIN/python" -m pytest -p no:cacheprovider --durations=30
    local rc=$?
    if [ $rc -eq 5 ]; then echo "pytest collected no tests on $label"; return 0; fi
    return $rc
}

"$BIN/ruff" check tongxin tests bench || exit 1
echo "=== layering contracts ==="
"$BIN/lint-imports" || exit 1
echo "=== types ==="
"$BIN/mypy" || exit 1

# The two databases run side by side (the machine has two cores): the wall time is the slower run's,
# not the sum. SQLite's output streams; PostgreSQL's is kept in a log and shown whole once it is done.
logs=$(mktemp -d)
if [ -n "${TONGXIN_TEST_DATABASE_URL:-}" ]; then
    run PostgreSQL TONGXIN_DATABASE_URL="$TONGXIN_TEST_DATABASE_URL" TONGXIN_TEST_EXPECT_POSTGRES=1 \
        >"$logs/postgresql.log" 2>&1 &
    pg=$!
elif [ "${CI:-}" = "true" ]; then
    echo "CI=true but TONGXIN_TEST_DATABASE_URL is not set: PostgreSQL is required in CI" >&2
    exit 1
fi
run SQLite TONGXIN_DATABASE_URL= 2>&1 | tee "$logs/sqlite.log"
sqlite_rc=${PIPESTATUS[0]}
pg_rc=0
if [ -n "${pg:-}" ]; then
    wait "$pg"
    pg_rc=$?
    cat "$logs/postgresql.log"
else
    echo "PostgreSQL run skipped: set TONGXIN_TEST_DATABASE_URL=postgres://user@host:5432/tongxin to run it"
fi
rm -rf "$logs"
echo "=== SQLite: $([ $sqlite_rc -eq 0 ] && echo passed || echo "FAILED ($sqlite_rc)"); PostgreSQL: $([ -n "${pg:-}" ] && { [ $pg_rc -eq 0 ] && echo passed || echo "FAILED ($pg_rc)"; } || echo skipped) ==="
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]

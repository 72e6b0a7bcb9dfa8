#!/usr/bin/env bash
# Install wrk, the load generator `tongxin bench` drives gunicorn with, if we can (root with apt).
# Without it tests/perf/test_bench.py skips with a message (or fails, in CI).
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing wrk for the bench"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
else
    echo "wrk is missing and cannot be installed here: the bench test will be skipped"
fi

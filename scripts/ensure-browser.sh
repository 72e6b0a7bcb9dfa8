#!/usr/bin/env bash
# Install Debian's chromium and a CJK font for the browser tests, if we can (root with apt).
# Without them the browser tests skip with a message (or fail, in CI).
set -euo pipefail
have() { [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; }
have && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium and fonts-wqy-microhei for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
else
    echo "chromium or a CJK font is missing and cannot be installed here: browser tests will be skipped"
fi

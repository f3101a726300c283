#!/bin/sh
# Before `npm test`: the HTML report's browser test drives Debian's Chromium
# (playwright-core downloads no browser). Where it is missing and this is a
# root shell with apt-get, install it, as the machines this project targets
# allow; otherwise say what the browser test will need. Never fails the run:
# the browser test itself fails, naming the missing browser.
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ -n "$CHROMIUM_PATH" ] || ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "zswap-sim tests: no Chromium at $browser; the HTML report's browser test will fail (apt-get install chromium, or set CHROMIUM_PATH)" >&2
  exit 0
fi
echo "zswap-sim tests: installing Debian's chromium for the HTML report's browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
  || echo "zswap-sim tests: could not install chromium; the HTML report's browser test will fail" >&2
exit 0

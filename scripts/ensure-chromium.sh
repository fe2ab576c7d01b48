#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing: the editor checks of the end-to-end suite
# (test/e2e/editor.e2e.ts) drive it through playwright-core, which downloads no browser.
# An existing Chromium is left as it is. Needs root and Debian's package mirror (as CI has).
set -euo pipefail
CHROMIUM="${E2E_CHROMIUM:-/usr/bin/chromium}"
works() { "$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1; }
works && exit 0
if [[ "$CHROMIUM" != /usr/bin/chromium ]]; then
	echo "E2E_CHROMIUM=$CHROMIUM does not run ($CHROMIUM --version failed)." >&2
	exit 1
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
	echo "Chromium is missing at $CHROMIUM and cannot be installed here (needs root and apt-get):" >&2
	echo "  sudo apt-get update && sudo apt-get install -y chromium   (or set E2E_CHROMIUM to a Chromium binary)" >&2
	exit 1
fi
echo "Chromium is missing: apt-get install -y chromium" >&2
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2
if ! works; then
	echo "apt-get installed chromium, but $CHROMIUM --version still fails:" >&2
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >&2 || true
	exit 1
fi
echo "Chromium installed: $("$CHROMIUM" --version)" >&2

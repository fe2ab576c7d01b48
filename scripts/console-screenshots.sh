#!/usr/bin/env bash
# Refreshes the console screenshots docs/console.md shows (docs/images/console-*.png): runs the
# console's browser test (test/e2e/console.e2e.ts, no n8n needed) with E2E_SCREENSHOTS set, then
# reduces each PNG to a palette with pngquant (apt-get install pngquant), when installed, so each
# stays well under 100 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
npm run build -w relay --silent
E2E_SCREENSHOTS=docs/images npx jest -c test/e2e/jest.config.js --runInBand test/e2e/console.e2e.ts
if command -v pngquant >/dev/null; then
	for file in docs/images/console-*.png; do
		pngquant --quality=60-90 --speed 1 --strip --force --output "$file" "$file"
	done
fi
ls -l docs/images/console-*.png

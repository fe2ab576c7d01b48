#!/usr/bin/env bash
# Installs the workspace's dependencies when they are missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	# `npm install`, not `npm ci`: npm 11 writes lock files whose optional platform packages
	# (unrs-resolver's bindings, via @n8n/node-cli's lint plugins) `npm ci` then calls out of
	# sync. `npm install` still installs the locked versions.
	# --prefer-offline: what the npm cache holds is used without asking the registry again (the
	# lock pins every version); only what is missing is fetched. A registry answering slowly
	# made a warm-cache install as slow as a cold one (each of ~2,000 revalidations waited).
	npm install --no-audit --no-fund --prefer-offline
fi

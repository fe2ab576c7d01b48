#!/usr/bin/env bash
# The main job: install, build, and run the relay with its default configuration
# (Redis on 127.0.0.1:6379, listening on 127.0.0.1:8787). Configure it with RELAY_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/ensure-redis.sh
npm run build -w relay --silent
# Node flags: relay/src/node-flags.ts says why.
exec node --max-old-space-size=512 relay/dist/relay/src/cli.js

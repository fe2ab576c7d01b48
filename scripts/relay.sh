#!/usr/bin/env bash
# The main job: install, build, and run the relay with its default configuration
# (Redis on 127.0.0.1:6379, listening on 127.0.0.1:8080). Configure it with RELAY_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/ensure-redis.sh
npm run build -w relay --silent
exec node relay/dist/relay/src/cli.js

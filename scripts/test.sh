#!/usr/bin/env bash
# The whole test suite, as CI runs it: build and lint the community package, type-check
# everything, then the unit/integration tests (real Redis, simulators over real HTTP, node
# operations run by n8n-core's engine), the fault suite (its own Redis with AOF, kill -9 of
# relay and Redis) and the end-to-end tests in a real n8n. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
results=$(mktemp -d)

step "install"
bash scripts/install.sh
bash scripts/ensure-redis.sh

step "build the community package (n8n-node build) and the relay"
npm run build --silent
npm run build -w relay --silent

step "lint (n8n-node lint, strict) and type-check"
npm run lint --silent
npm run typecheck --silent

step "unit and integration tests"
npx jest --ci --json --outputFile="$results/unit.json"

step "fault suite"
npm run test:faults --silent -- --ci --json --outputFile="$results/faults.json"

step "end-to-end tests in a real n8n"
npm run test:e2e --silent -- --ci --json --outputFile="$results/e2e.json"

node -e '
	let passed = 0, failed = 0;
	for (const file of process.argv.slice(1)) {
		const run = require(file);
		passed += run.numPassedTests;
		failed += run.numFailedTests + run.numRuntimeErrorTestSuites;
	}
	console.log(`\ntests: ${passed} passed, ${failed} failed`);
	process.exit(failed === 0 && passed > 0 ? 0 : 1);
' "$results/unit.json" "$results/faults.json" "$results/e2e.json"

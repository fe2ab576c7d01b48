#!/usr/bin/env bash
# The whole test suite, as CI runs it: build and lint the community package, type-check
# everything, then the unit/integration tests (real Redis, simulators over real HTTP), the
# fault suite and the end-to-end tests in a real n8n. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "install"
bash scripts/install.sh
bash scripts/ensure-redis.sh

step "build the community package (n8n-node build) and the relay"
npm run build --silent
npm run build -w relay --silent

step "lint (n8n-node lint, strict) and type-check"
npm run lint --silent
npm run typecheck --silent

results=$(mktemp -d)
step "unit and integration tests"
npx jest --ci --json --outputFile="$results/jest.json"

if [ -f test/faults/run.ts ] || grep -q '"test:faults"' package.json; then
	step "fault suite"
	npm run test:faults --silent
fi

if grep -q '"test:e2e"' package.json; then
	step "end-to-end tests in a real n8n"
	npm run test:e2e --silent
fi

node -e '
	const r = require(process.argv[1]);
	console.log(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$results/jest.json"

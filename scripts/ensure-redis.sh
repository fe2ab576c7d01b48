#!/usr/bin/env bash
# Starts a local Redis on 127.0.0.1:6379 when nothing answers there (the relay and its
# tests need one). An existing Redis is left exactly as it is.
set -euo pipefail
host=127.0.0.1 port=6379
answers() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
answers && exit 0
if ! command -v redis-server >/dev/null; then
	echo "Nothing answers on $host:$port and redis-server is not installed: apt-get install -y redis-server" >&2
	exit 1
fi
redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no >/dev/null
for _ in $(seq 1 50); do answers && exit 0; sleep 0.1; done
echo "Started redis-server on $host:$port but it does not answer PING." >&2
exit 1

/**
 * The Node flags the relay runs with (scripts/relay.sh, `npm start -w relay`, and every test
 * and benchmark that starts the relay as a process; the two launchers spell them out too).
 *
 * V8 paces its garbage collection from the heap limit, which on a large machine defaults to
 * about 4 GB: under 100 KB callbacks the relay's RSS then climbs to ~260 MB although its heap
 * in use stays under ~70 MB. With a 512 MB limit the same load peaks at ~170 MB, at the same
 * throughput (bench/suite, docs/benchmarks.md). Raise it for installs with thousands of
 * subscriptions (each keeps a BullMQ worker in memory).
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];

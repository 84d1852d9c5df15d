/**
 * V8 flags every node process runs with (systemd unit, demo, benchmarks, tests).
 * A node is idle most of its life and allocates little: a 1 MB young generation
 * and a capped old space keep its resident memory under the 80 MB target on a Pi
 * (measured in BENCHMARKS.md) without measurable cost to /status throughput.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=256'];

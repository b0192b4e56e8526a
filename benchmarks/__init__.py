"""Speed and memory benchmarks against the peers (see docs/performance.md)."""

#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
// --max-semi-space-size=4 (MB): V8's default young generation grows to tens of
// MB for the replay's short-lived objects; 4 MB costs no measurable speed and
// keeps ~25–55 MB off a run's peak RSS (bench/pipeline). MALLOC_ARENA_MAX=2:
// glibc gives every thread (the compression workers) a malloc arena of its
// own that keeps what it freed; two arenas took 15–50 MB off runs with
// workers. Keep NODE_FLAGS and NODE_ENV_VARS in bench/common.ts in step.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
// --max-semi-space-size=4 (MB): V8's default young generation grows to tens of
// MB for the replay's short-lived objects; 4 MB costs no measurable speed and
// keeps ~25–55 MB off a run's peak RSS (bench/pipeline). Keep NODE_FLAGS in
// bench/common.ts in step.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

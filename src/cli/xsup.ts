#!/usr/bin/env node
/**
 * The `xsup` executable: see `xsup --help`, and docs/cli.md.
 */
import { main } from './main.js';

// A reader that goes away (`xsup start | head`) closes stdout, and the next write fails with
// EPIPE. Instead of dying of it (killing every process at once), xsup stops writing there and
// shuts down gracefully, as on SIGTERM; `xsup check` just ends.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (stdoutClosed) return;
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
  process.stderr.write('xsup: stdout was closed; shutting down\n');
  process.emit('SIGTERM', 'SIGTERM');
});

process.exitCode = await main(process.argv.slice(2));

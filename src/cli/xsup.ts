#!/usr/bin/env node
/**
 * The `xsup` executable: see `xsup --help`, and docs/cli.md.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));

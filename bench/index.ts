/**
 * `npm run bench`: every benchmark scenario (issues 6 and 9), each beside its baselines, in one run.
 *
 * Prints one table with ratios and writes the results into docs/benchmarks.md.
 *
 * ```sh
 * npm run bench                       # full sizes, writes docs/benchmarks.md (about 3-5 min)
 * npm run bench -- --quick            # smaller sizes, prints only
 * npm run bench -- --quick --write    # smaller sizes, writes too
 * npm run bench -- --only=throughput,memory
 * npm run bench -- --only=logs              # xsup against concurrently
 * npm run bench -- --only=bundle            # the library's share of a browser bundle
 * npm run bench -- --only=workers           # a pool of 2 worker threads against 1
 * ```
 */
import { cpus, loadavg, platform, arch as processorArch, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { runBundle } from './bundle.js';
import { runGroup } from './group.js';
import { type BenchOptions, collectGarbage, type Row } from './harness.js';
import { runLatency } from './latency.js';
import { runLogs } from './logs.js';
import { runMemory } from './memory.js';
import { runReload } from './reload.js';
import { type Environment, writeReport } from './report.js';
import { runScale } from './scale.js';
import { runSpawn } from './spawn.js';
import { formatTable } from './table.js';
import { runThroughput } from './throughput.js';
import { runTimers } from './timers.js';
import { runWatch } from './watch.js';
import { runWorkers } from './workers.js';

const SCENARIOS: Record<string, (options: BenchOptions) => Promise<Row[]>> = {
  throughput: runThroughput,
  scale: runScale,
  spawn: runSpawn,
  group: runGroup,
  reload: runReload,
  timers: runTimers,
  watch: runWatch,
  latency: runLatency,
  memory: runMemory,
  logs: runLogs,
  bundle: runBundle,
  workers: runWorkers,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((name) => !(name in SCENARIOS)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`,
    );
  }
  const write = args.includes('--write') || (!quick && only === undefined);
  if (!(globalThis as { gc?: unknown }).gc) {
    throw new Error('run with node --expose-gc (npm run bench does)');
  }

  const options: BenchOptions = { quick, log: (line) => console.error(line) };
  const rows: Row[] = [];
  const loads: number[] = [];
  const startedAt = performance.now();
  for (const [name, run] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    loads.push(loadavg()[0]!);
    // Each scenario starts on a collected heap, not paying for the previous one's garbage.
    await collectGarbage();
    const scenarioStart = performance.now();
    rows.push(...(await run(options)));
    options.log(`(${name}: ${((performance.now() - scenarioStart) / 1000).toFixed(1)} s)`);
  }
  loads.push(loadavg()[0]!);
  const seconds = (performance.now() - startedAt) / 1000;

  console.log(formatTable(rows));
  const env: Environment = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    platform: `${platform()} ${processorArch()}`,
    memoryGiB: totalmem() / 2 ** 30,
    quick,
    loads,
    seconds,
  };
  console.log(
    `\nNode ${env.node}, ${env.cpu} × ${env.cores}, load ${loads.map((l) => l.toFixed(2)).join(' → ')}, ${seconds.toFixed(0)} s`,
  );
  if (write) {
    const path = resolve(import.meta.dirname, '../docs/benchmarks.md');
    writeReport(path, rows, env);
    console.log(`written to ${path}`);
  }
}

await main();

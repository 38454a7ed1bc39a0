/**
 * Scenario 8: log throughput of `xsup` against `concurrently`.
 *
 * Processes print lines of about 80 bytes as fast as they can: one process 1,000,000 lines,
 * then 4 processes 250,000 lines each at once. Each runner's stdout goes to a file; the time is
 * the wall time of the whole run, runner start to exit. The file is then checked line by line:
 * a line that is not one whole line of one process is torn, a line that never arrived is lost.
 * Baselines: `concurrently` (the usual `npm` way to run several processes, its default
 * prefixes on) and the processes writing straight to the file (the floor). `xsup` runs from
 * `dist/` (built first), as installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchOptions, median, now, type Row, ratio } from './harness.js';

const SCENARIO = '8. log throughput (lines of 80 bytes to a file)';
const ROOT = resolve(import.meta.dirname, '..');
const GENERATOR = join(ROOT, 'bench/fixtures/lines.mjs');
const XSUP = join(ROOT, 'dist/cli/xsup.js');
/** concurrently's executable, as its package.json names it (9.x supports Node 20). */
const CONCURRENTLY = join(
  ROOT,
  'node_modules/concurrently',
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/concurrently/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    }
  ).bin.concurrently!,
);

interface Run {
  ms: number;
  torn: number;
  lost: number;
}

/** Runs `command` with stdout to a file; returns the wall time and the file's text. */
function timedToFile(
  command: string,
  args: string[],
  dir: string,
): Promise<{ ms: number; text: string }> {
  const file = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(file, 'w');
  const start = now();
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', fd, 'inherit'] });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      const ms = now() - start;
      closeSync(fd);
      if (code !== 0) return fail(new Error(`${command} ${args.join(' ')} exited with ${code}`));
      const text = readFileSync(file, 'latin1');
      rmSync(file);
      done({ ms, text });
    });
  });
}

/** Counts torn and lost lines: every process's lines must arrive whole, each once. */
function check(
  text: string,
  names: readonly string[],
  perProcess: number,
): { torn: number; lost: number } {
  const line = /^(?:\[(\w+)\] |(\w+) *\| )?(\w+) (\d{8}) x{64}$/;
  const seen = new Map(names.map((name) => [name, new Set<number>()]));
  let torn = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const match = line.exec(raw);
    if (!match) {
      // Lines of the runner itself (lifecycle, exit notices) are not the processes' output.
      if (!/^(?:\[\w+\] |\w+ *\| )?\S*\s/.test(raw) || /x{10}/.test(raw)) torn += 1;
      continue;
    }
    const lines = seen.get(match[3]!);
    if (!lines) {
      torn += 1;
      continue;
    }
    lines.add(Number(match[4]));
  }
  let lost = 0;
  for (const lines of seen.values()) lost += perProcess - lines.size;
  return { torn, lost };
}

async function measure(
  label: string,
  runs: number,
  run: () => Promise<{ ms: number; text: string }>,
  names: readonly string[],
  perProcess: number,
  log: (line: string) => void,
): Promise<Run> {
  const times: number[] = [];
  let torn = 0;
  let lost = 0;
  for (let i = 0; i < runs; i += 1) {
    const { ms, text } = await run();
    const result = check(text, names, perProcess);
    times.push(ms);
    torn = Math.max(torn, result.torn);
    lost = Math.max(lost, result.lost);
  }
  const ms = median(times);
  log(`  ${label}: ${ms.toFixed(0)} ms (torn ${torn}, lost ${lost})`);
  return { ms, torn, lost };
}

export async function runLogs({ quick, log }: BenchOptions): Promise<Row[]> {
  log(`${SCENARIO}: building dist/ first`);
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('the build failed');
  const dir = mkdtempSync(join(tmpdir(), 'xsup-bench-logs-'));
  const runs = quick ? 1 : 3;
  const total = quick ? 200_000 : 1_000_000;
  const rows: Row[] = [];
  try {
    for (const processes of [1, 4]) {
      const per = total / processes;
      const names = ['a', 'b', 'c', 'd'].slice(0, processes);
      const commands = names.map((name) => `'${process.execPath}' '${GENERATOR}' ${per} ${name}`);
      const procfile = join(dir, `Procfile.${processes}`);
      writeFileSync(procfile, names.map((name, i) => `${name}: ${commands[i]}`).join('\n'));
      const label = `${processes} × ${per.toLocaleString('en')} lines`;
      log(`${SCENARIO}: ${label}`);
      const xsup = await measure(
        'xsup',
        runs,
        () => timedToFile(process.execPath, [XSUP, 'start', procfile, '--restart=temporary'], dir),
        names,
        per,
        log,
      );
      const concurrently = await measure(
        'concurrently',
        runs,
        () =>
          timedToFile(process.execPath, [CONCURRENTLY, '-n', names.join(','), ...commands], dir),
        names,
        per,
        log,
      );
      const direct = await measure(
        'straight to a file',
        runs,
        () =>
          timedToFile('/bin/sh', ['-c', `${commands.map((c) => `${c} &`).join(' ')} wait`], dir),
        names,
        per,
        log,
      );
      const metric = `${label}: time (ms)`;
      rows.push(
        {
          key: `logs.${processes}.xsup`,
          scenario: SCENARIO,
          subject: 'xsup',
          metric,
          value: xsup.ms,
          ratio: ratio(xsup.ms, concurrently.ms, 'concurrently'),
          target: {
            text: '≤ 1.0× concurrently, 0 torn, 0 lost',
            met: xsup.ms <= concurrently.ms && xsup.torn === 0 && xsup.lost === 0,
          },
          note: `torn ${xsup.torn}, lost ${xsup.lost}`,
        },
        {
          scenario: SCENARIO,
          subject: 'baseline: concurrently',
          metric,
          value: concurrently.ms,
          note: `torn ${concurrently.torn}, lost ${concurrently.lost}`,
        },
        {
          scenario: SCENARIO,
          subject: 'baseline: straight to a file',
          metric,
          value: direct.ms,
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

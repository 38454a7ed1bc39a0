/**
 * What `xsup start` writes and how it ends, run in-process with real child processes: empty
 * lines kept in `--json`, the stderr of a failed process shown once (with its prefix), and
 * exit code 1 for a run in which a process failed and was not restarted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { failureTracker, jsonLines } from '../../src/cli/output.js';
import { timestamped } from '../../src/cli/timestamps.js';
import type { LifecycleEvent } from '../../src/lifecycle.js';
import { collector, waitFor } from '../fixtures/processes.js';
import { descendants } from '../support/osProcesses.js';

let dir: string;
let files = 0;

async function procfile(text: string): Promise<string> {
  files += 1;
  const file = join(dir, `Procfile.${files}`);
  await writeFile(file, text);
  return file;
}

async function start(text: string, ...flags: string[]) {
  const stdout = collector();
  const stderr = collector();
  const before = new Set(descendants(process.pid));
  const code = await main(['start', await procfile(text), ...flags], { stdout, stderr, env: {} });
  // Every process xsup started (and its watchdog) is gone once it returns.
  await waitFor('no process of the run to be left', () =>
    descendants(process.pid).every((pid) => before.has(pid)),
  );
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-output-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('xsup start output', () => {
  it('keeps empty lines with --json: 3 lines in, 3 records out', async () => {
    const { code, stdout } = await start(
      `three: printf 'a\\n\\nb\\r\\n'\n`,
      '--json',
      '--restart=temporary',
    );
    expect(code).toBe(0);
    const lines = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { name?: string; line?: string })
      .filter((record) => record.name === 'three')
      .map((record) => record.line);
    expect(lines).toEqual(['a', '', 'b']);
  });

  it("shows a failed process's stderr once, behind its prefix, not again under the failure", async () => {
    const { stdout } = await start(
      `bad: printf 'boom%s\\nsecond%s\\n' -line -line >&2; exit 3\n`,
      '--restart=temporary',
    );
    expect(stdout.match(/boom-line/g)).toHaveLength(1);
    expect(stdout.match(/second-line/g)).toHaveLength(1);
    expect(stdout).toMatch(/^bad {2}\| boom-line$/m);
    expect(stdout).toMatch(/^xsup \| bad: failed \(failure 1\): .*exited with code 3/m);
    // Every line is prefixed: nothing unprefixed under the lifecycle line.
    for (const line of stdout.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(/^(xsup|bad ) \| /);
    }
  });

  it('exits 1 with --restart=temporary when a process failed and was not restarted', async () => {
    const { code, stdout } = await start(
      `ok: echo fine\nbad: echo crashing >&2; exit 3\n`,
      '--restart=temporary',
    );
    expect(stdout).toMatch(/bad: failed/);
    expect(code).toBe(1);
  });

  it('exits 0 with --restart=temporary when every process ended with exit code 0', async () => {
    const { code } = await start(`a: echo one\nb: echo two\n`, '--restart=temporary');
    expect(code).toBe(0);
  });

  it('exits 0 after a failure that was restarted and then ended well', async () => {
    const marker = join(dir, 'crashed-once');
    const { code, stdout } = await start(
      `once: if [ -e ${marker} ]; then echo fine; else touch ${marker}; exit 1; fi\n`,
      '--restart=transient',
      '--backoff-initial=0',
    );
    expect(stdout).toMatch(/once: restarted/);
    expect(code).toBe(0);
  });
});

describe('jsonLines', () => {
  it('writes one record per line and one write per chunk, keeping empty lines and bytes as text', () => {
    const out = collector();
    let writes = 0;
    const counting = {
      write(chunk: string | Uint8Array) {
        writes += 1;
        out.write(String(chunk));
      },
    };
    const writer = jsonLines(counting, 'web', 'stdout', () => new Date(0));
    writer.write(Buffer.from('a\n\n\r\nb\r\n'));
    expect(writes).toBe(1);
    expect(out.lines().map((line) => JSON.parse(line).line)).toEqual(['a', '', '', 'b']);
    expect(JSON.parse(out.lines()[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      name: 'web',
      stream: 'stdout',
      line: 'a',
    });
  });
});

describe('failureTracker', () => {
  const base = { supervisorId: 'xsup', childId: 'web' };
  const failed = {
    ...base,
    type: 'child.failed',
    error: { name: 'Error', message: 'boom' },
    failures: 1,
  } as LifecycleEvent;
  const scheduled = {
    ...base,
    type: 'restart.scheduled',
    delayMs: 200,
    failures: 1,
  } as LifecycleEvent;

  it('counts a failure with no restart scheduled, not one waiting for its restart', () => {
    const alone = failureTracker();
    alone.observe(failed);
    expect(alone.failedForGood()).toBe(true);
    const waiting = failureTracker();
    waiting.observe(failed);
    waiting.observe(scheduled);
    // A shutdown during the backoff cancels the restart: not a failure of the run.
    expect(waiting.failedForGood()).toBe(false);
    waiting.observe(failed);
    expect(waiting.failedForGood()).toBe(true);
  });
});

describe('timestamped, with process output as bytes', () => {
  it('puts the time before each line of a chunk and keeps every byte', () => {
    const chunks: Buffer[] = [];
    let drains = 0;
    const writer = timestamped(
      {
        write: (chunk: string | Uint8Array) => chunks.push(Buffer.from(chunk)),
        once: () => {
          drains += 1;
        },
      },
      () => new Date(2026, 0, 5, 9, 4, 7),
    );
    writer.write(Buffer.from([0x61, 0xff, 0x0a, 0x62, 0x0d, 0x0a]));
    expect(
      Buffer.concat(chunks).equals(
        Buffer.concat([
          Buffer.from('09:04:07 a'),
          Buffer.from([0xff, 0x0a]),
          Buffer.from('09:04:07 b\r\n'),
        ]),
      ),
    ).toBe(true);
    // Backpressure passes through the wrapper.
    writer.once?.('drain', () => {});
    expect(drains).toBe(1);
  });
});

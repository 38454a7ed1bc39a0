/**
 * `xsup` broken the way operators break it, with real processes: its stdout reader stops
 * reading (memory must stay bounded, and nothing is lost once it reads again), and `xsup`
 * itself is killed with SIGKILL (no process of its tree may survive it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killAll, waitFor } from '../fixtures/processes.js';
import { descendants, rss, XsupProcess } from '../support/osProcesses.js';

let dir: string;
const leftovers = new Set<number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-hostile-'));
});
afterAll(async () => {
  killAll(leftovers);
  await rm(dir, { recursive: true, force: true });
});

describe('xsup under hostile conditions', () => {
  it('keeps its memory bounded while stdout is not read, and delivers every line after', async () => {
    const lines = 1_000_000;
    const file = join(dir, 'Procfile.flood');
    // 81 bytes a line, about 81 MB in all, as fast as the pipe takes it.
    await writeFile(file, `flood: seq -f '%080.0f' 1 ${lines}\n`);
    const run = new XsupProcess(['start', file, '--restart=temporary'], { paused: true });
    await waitFor('xsup to start its process', () => descendants(run.pid).length > 0, 15_000);
    const base = rss(run.pid);
    let peak = base;
    for (let i = 0; i < 30; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const pid of descendants(run.pid)) leftovers.add(pid);
      peak = Math.max(peak, rss(run.pid));
    }
    // Without backpressure xsup holds what is written meanwhile: all of the 81 MB, and 277 MB
    // of growth in this test before. With it the pipes hold the rest; what grows is xsup
    // finishing its own start (10 to 20 MB), and then RSS stays flat.
    expect(peak - base).toBeLessThan(48 * 1024 * 1024);
    run.child.stdout!.resume();
    expect(await run.closed).toEqual({ code: 0, signal: null });
    const flood = run
      .text()
      .split('\n')
      .filter((line) => line.startsWith('flood | '));
    expect(flood).toHaveLength(lines);
    for (let i = 0; i < lines; i += 99_991) {
      expect(flood[i]).toBe(`flood | ${String(i + 1).padStart(80, '0')}`);
    }
    expect([...leftovers].filter(isAlive)).toEqual([]);
  }, 60_000);

  it('leaves no process of its tree running after it is killed with SIGKILL', async () => {
    const worker = fileURLToPath(new URL('../fixtures/cli/worker.mjs', import.meta.url));
    const node = `'${process.execPath}'`;
    const file = join(dir, 'Procfile.kill');
    await writeFile(
      file,
      [
        `web: ${node} '${worker}' --grandchild`,
        `stubborn: ${node} '${worker}' --grandchild --ignore-term`,
        `shell: cd ${dir} && ${node} '${worker}' --grandchild`,
        'sleeper: sleep 300 & sleep 300 & wait',
      ].join('\n'),
    );
    const run = new XsupProcess(['start', file]);
    // Each worker and its grandchild say "ready"; the sleepers start at once.
    await waitFor(
      'every process and grandchild to be ready',
      () => run.text().match(/ ready pid=\d+/g)?.length === 6 && descendants(run.pid).length >= 11,
      15_000,
    );
    const tree = descendants(run.pid);
    for (const pid of tree) leftovers.add(pid);
    process.kill(run.pid, 'SIGKILL');
    expect(await run.closed).toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = performance.now();
    await waitFor(
      `no pid of ${tree.join(', ')} to be left`,
      () => tree.every((pid) => !isAlive(pid)),
      4_000,
    );
    // The bound: all of the tree gone within 2 s of the runner's death.
    expect(performance.now() - killedAt).toBeLessThan(2_000);
  }, 30_000);
});

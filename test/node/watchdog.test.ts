/**
 * A `runMain` service killed with SIGKILL (as the OOM killer does) leaves none of its child
 * process groups running: the watchdog kills them when its pipe reports end-of-file.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { trackGroup, untrackGroup, watchdogPid } from '../../src/node/processGroups.js';
import { isAlive, killAll, waitFor } from '../fixtures/processes.js';
import { descendants, ROOT } from '../support/osProcesses.js';

const leftovers = new Set<number>();
afterAll(() => killAll(leftovers));

describe('the process-group watchdog', () => {
  it('kills the groups of a runMain process killed with SIGKILL, within 2 s', async () => {
    const script = fileURLToPath(new URL('../fixtures/main.ts', import.meta.url));
    const service = spawn(process.execPath, ['--import', 'tsx', script, 'graceful'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    service.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    leftovers.add(service.pid!);
    const closed = new Promise((resolve) => service.once('close', (_, signal) => resolve(signal)));
    await waitFor(
      'the worker to run',
      () => /ready/.test(out) && descendants(service.pid!).length >= 1,
      15_000,
    );
    const tree = descendants(service.pid!);
    for (const pid of tree) leftovers.add(pid);
    service.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    const killedAt = performance.now();
    await waitFor('the tree to be gone', () => tree.every((pid) => !isAlive(pid)), 4_000);
    expect(performance.now() - killedAt).toBeLessThan(2_000);
  }, 30_000);

  it('runs only while there are live groups, and exits when the last one ends', async () => {
    const sleeper = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    leftovers.add(sleeper.pid!);
    trackGroup(sleeper.pid!);
    const pid = watchdogPid();
    expect(pid).toBeDefined();
    leftovers.add(pid!);
    expect(isAlive(pid!)).toBe(true);
    untrackGroup(sleeper.pid!);
    expect(watchdogPid()).toBeUndefined();
    await waitFor('the watchdog to exit', () => !isAlive(pid!), 4_000);
    // It was released, not fired: the group it no longer lists is still running.
    expect(isAlive(sleeper.pid!)).toBe(true);
    process.kill(-sleeper.pid!, 'SIGKILL');
  });

  it('is replaced at once when killed, and the replacement knows every live group', async () => {
    const script = fileURLToPath(new URL('../fixtures/watchdogReplaced.ts', import.meta.url));
    const runner = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    leftovers.add(runner.pid!);
    let out = '';
    runner.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const closed = new Promise((resolve) => runner.once('close', (_, signal) => resolve(signal)));
    const line = await waitFor(
      'the replacement',
      () => /^(\d+) (\d+) (\d+)\n/.exec(out) ?? undefined,
      15_000,
    );
    const [group, first, second] = line.slice(1).map(Number) as [number, number, number];
    for (const pid of [group, second]) leftovers.add(pid);
    expect(isAlive(first)).toBe(false);
    expect(isAlive(group)).toBe(true);
    runner.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    await waitFor(
      'the group and the watchdog to be gone',
      () => !isAlive(group) && !isAlive(second),
      4_000,
    );
  }, 30_000);
});

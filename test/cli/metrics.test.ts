/**
 * End-to-end test of `xsup start --health=PORT`'s `/metrics`: a real `xsup`, real processes, one
 * of which crashes and waits for its restart, scraped over HTTP; every pid gone at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { waitGone } from '../fixtures/processes.js';
import { hasPromtool, parseExposition, promtoolCheck, seriesValue } from '../support/prometheus.js';
import { worker, Xsup } from '../support/xsup.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-metrics-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('xsup start --health: /metrics', () => {
  test('a series per process labelled xsup/NAME: up and ready while it runs, its failures and backoff while it waits', async (context) => {
    const { expect } = context;
    const procfile = join(dir, 'Procfile');
    await writeFile(procfile, `web: ${worker()}\nflaky: ${worker('--crash-after=0')}\n`);
    await writeFile(join(dir, '.env'), 'SECRET=hunter2\n');
    const run = new Xsup([
      'start',
      '--health=0',
      '--backoff-initial=8000',
      '-m',
      'web=2,flaky=1',
      procfile,
    ]);
    context.onTestFinished(() => run.cleanup());
    const [, url] = await run.waitLine(
      /^xsup: health endpoints on (http:\/\/127\.0\.0\.1:\d+)\/livez, \S+ and \S+\/metrics$/,
      'stderr',
    );
    await run.waitLines(/^web\.\d +\| ready pid=\d+$/, 2);
    await run.waitLine(/^xsup +\| flaky: restarting in 8000 ms \(failure 1\)$/);

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    const families = parseExposition(text);
    const value = (name: string, path: string) =>
      seriesValue(families, `xstate_supervisor_${name}`, path);
    for (const path of ['xsup/web.1', 'xsup/web.2']) {
      expect([
        value('child_up', path),
        value('child_ready', path),
        value('child_restarts_total', path),
        value('child_consecutive_failures', path),
        value('child_backoff_seconds', path),
      ]).toEqual([1, 1, 0, 0, 0]);
    }
    expect([
      value('child_up', 'xsup/flaky'),
      value('child_ready', 'xsup/flaky'),
      value('child_restarts_total', 'xsup/flaky'),
      value('child_consecutive_failures', 'xsup/flaky'),
      value('child_backoff_seconds', 'xsup/flaky'),
    ]).toEqual([0, 0, 0, 1, 8]);
    expect(value('dropped_messages_total', 'xsup')).toBe(0);
    expect(families.get('xstate_supervisor_child_up')!.samples).toHaveLength(3);
    if (hasPromtool) expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });

    run.signal('SIGTERM');
    expect(await run.finished()).toEqual({ code: 0, signal: null });
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    await waitGone(run.pids());
  });
});

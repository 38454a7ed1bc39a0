/**
 * A Procfile that is too large (or endless) is refused with a message that says so, and a bad
 * line is quoted in messages only in part.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import {
  MAX_PROCFILE_BYTES,
  ProcfileError,
  parseProcfile,
  readProcfile,
} from '../../src/cli/procfile.js';
import { collector } from '../fixtures/processes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-procfile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Procfile limits', () => {
  it('refuses an endless file such as /dev/zero at once', async () => {
    const started = performance.now();
    await expect(readProcfile('/dev/zero')).rejects.toThrow(
      new ProcfileError(
        '/dev/zero',
        0,
        'is larger than 1 MiB, too large for a Procfile; pass the path of a Procfile',
      ),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses a file over 1 MiB, and reads one of exactly 1 MiB', async () => {
    const big = join(dir, 'big');
    await writeFile(big, `web: ${'x'.repeat(20 * 1024 * 1024)}\n`);
    await expect(readProcfile(big)).rejects.toThrow('is larger than 1 MiB');
    const edge = join(dir, 'edge');
    const line = 'web: echo ';
    await writeFile(edge, `${line}${'y'.repeat(MAX_PROCFILE_BYTES - line.length - 1)}\n`);
    expect((await readProcfile(edge))[0]!.name).toBe('web');
  });

  it('quotes at most 120 characters of a bad line in its message', () => {
    const line = `not an entry ${'z'.repeat(100_000)}`;
    let message = '';
    try {
      parseProcfile(`web: ok\n${line}\n`, 'Procfile');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Procfile:2: expected "name: command"/);
    expect(message).toContain(`got ${JSON.stringify(line.slice(0, 120))}… (100013 characters)`);
    expect(message.length).toBeLessThan(400);
  });

  it('xsup check /dev/zero is one line and exit code 2', async () => {
    const stderr = collector();
    expect(await main(['check', '/dev/zero'], { stdout: collector(), stderr, env: {} })).toBe(2);
    expect(stderr.text()).toBe(
      'xsup: /dev/zero: is larger than 1 MiB, too large for a Procfile; pass the path of a Procfile\n',
    );
  });
});

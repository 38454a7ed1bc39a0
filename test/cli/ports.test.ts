/**
 * A port conflict of `xsup start` (the inspector relay, the health endpoints) is one clear line
 * on stderr and exit code 2, with no process started.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { collector } from '../fixtures/processes.js';

let dir: string;
let blocker: Server;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xsup-ports-'));
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  port = (blocker.address() as { port: number }).port;
});
afterAll(async () => {
  blocker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('xsup start on a port in use', () => {
  it.for([
    ['--inspect', 'the inspector relay'],
    ['--health', 'the health endpoints'],
  ])('%s: one line, exit 2, nothing started', async ([flag, what]) => {
    const marker = join(dir, `started-${flag!.slice(2)}`);
    const file = join(dir, `Procfile${flag}`);
    await writeFile(file, `w: touch ${marker}; sleep 5\n`);
    const stdout = collector();
    const stderr = collector();
    const code = await main(['start', file, `${flag}=${port}`], { stdout, stderr, env: {} });
    expect(code).toBe(2);
    expect(stderr.text()).toBe(
      `xsup: ${what} cannot listen on 127.0.0.1:${port}: the port is in use; choose another port, or stop what listens there\n`,
    );
    expect(stdout.text()).toBe('');
    expect(existsSync(marker)).toBe(false);
  });
});

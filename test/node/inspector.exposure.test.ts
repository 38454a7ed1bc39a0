/**
 * What the inspector relay exposes, and to whom: loopback only unless asked (with a warning),
 * WebSocket connections refused from other web pages, env values never relayed, a port in use
 * one clear error.
 */
import { createRequire } from 'node:module';
import { createServer, type Server, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisor } from '../../src/machines/supervisor.js';
import { fromChildProcess } from '../../src/node/fromChildProcess.js';
import { startInspector } from '../../src/node/inspector.js';
import { ListenError } from '../../src/node/ports.js';
import { waitFor } from '../fixtures/processes.js';

interface WsClient {
  on(event: string, listener: (...args: unknown[]) => void): void;
  close(): void;
}
const require = createRequire(import.meta.url);
const WebSocket = createRequire(require.resolve('@statelyai/inspect/server'))('ws') as new (
  url: string,
  options?: { headers?: Record<string, string> },
) => WsClient;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An address of this machine that is not loopback, if it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, host);
  });
}

/** Opens a WebSocket to the relay with these headers: 'open' or the HTTP status refused with. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const client = new WebSocket(url, { headers });
    client.on('open', () => {
      client.close();
      resolve('open');
    });
    client.on('unexpected-response', (_request, response) =>
      resolve(String((response as { statusCode: number }).statusCode)),
    );
    client.on('error', (error) => resolve(`error ${(error as Error).message}`));
  });
}

describe.skipIf(external === undefined)('startInspector exposure', () => {
  it('listens on 127.0.0.1 by default: not reachable from another interface', async () => {
    const port = await freePort();
    const inspector = await startInspector({ port });
    try {
      expect(inspector.url).toBe(`http://127.0.0.1:${port}`);
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await connects(external!, port)).toBe(false);
    } finally {
      await inspector.stop();
    }
  });

  it('listens wider only when asked with host, and warns that it does', async () => {
    const port = await freePort();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const inspector = await startInspector({ port, host: '0.0.0.0' });
    try {
      expect(await connects(external!, port)).toBe(true);
      await waitFor('the warning', () => warnings.length > 0, 2_000);
      expect(warnings[0]!.name).toBe('InspectorExposedWarning');
      expect(warnings[0]!.message).toContain(`0.0.0.0:${port}, beyond this machine`);
    } finally {
      process.off('warning', onWarning);
      await inspector.stop();
    }
  });

  it("refuses WebSocket upgrades from other pages' origins, and DNS-rebound names", async () => {
    const port = await freePort();
    const inspector = await startInspector({ port });
    try {
      expect(await upgrade(inspector.relayUrl)).toBe('open');
      expect(await upgrade(inspector.relayUrl, { origin: `http://127.0.0.1:${port}` })).toBe(
        'open',
      );
      expect(await upgrade(`ws://localhost:${port}`, { origin: `http://localhost:${port}` })).toBe(
        'open',
      );
      expect(await upgrade(inspector.relayUrl, { origin: 'https://evil.example' })).toBe('403');
      expect(await upgrade(inspector.relayUrl, { origin: 'null' })).toBe('403');
      // A site whose name was rebound to 127.0.0.1: Origin and Host agree, but the name is not ours.
      expect(
        await upgrade(inspector.relayUrl, {
          host: `evil.example:${port}`,
          origin: `http://evil.example:${port}`,
        }),
      ).toBe('403');
    } finally {
      await inspector.stop();
    }
  });

  it('never relays env values: variable names show, values do not', async () => {
    const port = await freePort();
    const inspector = await startInspector({ port });
    const received: string[] = [];
    const listener = new WebSocket(inspector.relayUrl);
    listener.on('message', (data) => received.push(String(data)));
    await new Promise<void>((resolve) => listener.on('open', () => resolve()));
    const worker = fromChildProcess({
      name: 'db-client',
      command: process.execPath,
      args: ['-e', 'process.exit(0)'],
      env: { DB_PASSWORD: 'hunter2-very-secret' },
      stdout: false,
      stderr: false,
    });
    const actor = createActor(createSupervisor(worker, { id: 'db', restart: 'transient' }), {
      inspect: inspector.inspect,
    });
    const done = new Promise((resolve) =>
      actor.subscribe({ complete: () => resolve(undefined), error: () => resolve(undefined) }),
    );
    actor.start();
    await done;
    await waitFor('the child to be relayed', () => received.some((m) => m.includes('DB_PASSWORD')));
    listener.close();
    await inspector.stop();
    expect(received.join('\n')).not.toContain('hunter2-very-secret');
  });
});

describe('startInspector input', () => {
  it('rejects a port in use with one clear line, leaving nothing listening', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const attempt = startInspector({ port });
      await expect(attempt).rejects.toBeInstanceOf(ListenError);
      await expect(attempt).rejects.toThrow(
        `the inspector relay cannot listen on 127.0.0.1:${port}: the port is in use; choose another port, or stop what listens there`,
      );
    } finally {
      blocker.close();
    }
  });

  it('rejects unknown keys and bad values, naming the option', async () => {
    await expect(startInspector({ prot: 8080 } as never)).rejects.toThrow(
      'startInspector: unknown option "prot"; did you mean "port"?',
    );
    await expect(startInspector({ host: '' })).rejects.toThrow(
      'startInspector: option "host" must be a host name or IP address',
    );
    await expect(startInspector({ open: 'yes' } as never)).rejects.toThrow(
      'startInspector: option "open" must be true or false; got "yes"',
    );
    await expect(startInspector({ url: 'javascript:alert(1)' })).rejects.toThrow(
      'startInspector: option "url" must be an http(s) URL',
    );
    await expect(startInspector([] as never)).rejects.toThrow(
      'startInspector: option "options" must be an object; got []',
    );
  });
});

describe('startInspector options (fuzzed)', () => {
  it('either starts or rejects with a TypeError naming a field, or a ListenError', async () => {
    const port = await freePort();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('port', 'host', 'open', 'url', 'prot'),
          fc.oneof(
            fc.anything(),
            fc.constantFrom(port, 0, 70_000, '127.0.0.1', '', 'http://x.test', false),
          ),
        ),
        async (options) => {
          // Never open a browser from a test.
          if (options.open === true) options.open = false;
          try {
            const inspector = await startInspector(options as never);
            await inspector.stop();
          } catch (error) {
            if (error instanceof ListenError) return;
            expect(error).toBeInstanceOf(TypeError);
            expect((error as Error).message).toMatch(
              /^startInspector: (option|unknown option) "[^"]+"/,
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

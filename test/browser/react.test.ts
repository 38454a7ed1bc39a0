/**
 * The React sample of the docs (docs/react/) in a real browser: bundled with esbuild as a user
 * would bundle it, served from loopback, opened in headless Chromium (Debian's `chromium`
 * package, driven by playwright-core), against a real `ws` server that the test kills and
 * starts again. In real time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = resolve(ROOT, 'docs/react');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Bounds in real time, generous for a loaded machine. */
const SETUP_MS = 60_000;
const STEP_MS = 15_000;

/** Bundles docs/react/app.tsx for the browser, as the sample's page loads it. */
async function bundleSample(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(SAMPLE, 'app.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Serves the sample's page and its bundle on 127.0.0.1. */
async function servePage(bundle: string): Promise<Server> {
  const page = readFileSync(resolve(SAMPLE, 'index.html'), 'utf8');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return server;
}

/** What the `ws` servers received, across restarts: the message and which server got it. */
interface Received {
  server: number;
  message: unknown;
}

/** A `ws` server on 127.0.0.1 (port 0 picks one) that records what it receives. */
async function startSocketServer(port: number, index: number, received: Received[]) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((ready, fail) => {
    wss.once('listening', ready);
    wss.once('error', fail);
  });
  let connections = 0;
  wss.on('connection', (socket) => {
    connections++;
    socket.on('message', (data) =>
      received.push({ server: index, message: JSON.parse(String(data)) }),
    );
  });
  return {
    port: (wss.address() as AddressInfo).port,
    connections: () => connections,
    /** Kills it: every connection cut without a close handshake, then the listener closed. */
    kill: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
    },
  };
}

/** Waits until the element `#id` of the page shows text that passes `test`; returns the text. */
async function shows(page: Page, id: string, test: RegExp): Promise<string> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const text = (await page.textContent(`#${id}`)) ?? '';
    if (test.test(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`#${id} never matched ${test} in ${STEP_MS} ms; it shows "${text}"`);
    }
    await new Promise((wait) => setTimeout(wait, 20));
  }
}

describe('docs/react: the React sample in headless Chromium', () => {
  let browser: Browser | undefined;
  let http: Server | undefined;
  const kills: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return; // the test fails, saying how to install it
    http = await servePage(await bundleSample());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, SETUP_MS);

  afterAll(async () => {
    await browser?.close();
    for (const kill of kills.splice(0)) await kill();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((done) => http!.close(() => done()));
    }
  });

  it(
    'shows the connection, reconnects after its server is killed, and sends what was typed while down once',
    async () => {
      expect(
        existsSync(CHROMIUM),
        `this test needs Chromium at ${CHROMIUM}, which is missing; install it with ` +
          '`apt-get update && apt-get install -y chromium` (as root), then run the tests again',
      ).toBe(true);
      const received: Received[] = [];
      const first = await startSocketServer(0, 1, received);
      kills.push(first.kill);
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      const { port } = http!.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/?ws=ws://127.0.0.1:${first.port}`);

      expect(await shows(page, 'connection', /^connected$/)).toBe('connected');
      expect(await page.textContent('#supervisor')).toBe('running');
      expect(await page.textContent('#restarts')).toBe('0');
      expect(first.connections()).toBe(1);

      // The server goes away: the page waits to reconnect, with no client running.
      await first.kill();
      expect(await shows(page, 'supervisor', /^backingOff \(reconnecting in \d+ ms\)$/)).toMatch(
        /^backingOff/,
      );
      await shows(page, 'connection', /^(disconnected|connecting)$/);

      // Typed while the connection is down: kept by the supervisor for the next connection.
      await page.fill('input', 'typed while down');
      await page.press('input', 'Enter');
      expect(await page.inputValue('input')).toBe('');
      // A reconnection fails while the server is still away, and the wait starts again.
      await shows(page, 'restarts', /^[1-9]\d*$/);
      await shows(page, 'supervisor', /^backingOff/);
      expect(received).toEqual([]);

      const second = await startSocketServer(first.port, 2, received);
      kills.push(second.kill);
      await shows(page, 'connection', /^connected$/);
      expect(await page.textContent('#supervisor')).toBe('running');
      expect(Number(await page.textContent('#restarts'))).toBeGreaterThanOrEqual(2);

      await expect.poll(() => received.length, { timeout: STEP_MS }).toBe(1);
      // Once: nothing else arrives.
      await new Promise((wait) => setTimeout(wait, 500));
      expect(received).toEqual([{ server: 2, message: { type: 'say', text: 'typed while down' } }]);
      expect(second.connections()).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    },
    SETUP_MS,
  );
});

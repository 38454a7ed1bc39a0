import { type AddressInfo, connect, createServer } from 'node:net';
import { expect, it } from 'vitest';
import { createActor } from 'xstate';
import { childSnapshotOf, createSupervisor, fromChildProcess } from '../../../src/node.js';
import { untilTrue } from '../../support/readiness.js'; // docs-hide

it('counts the server as ready once its port accepts connections', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo; // a free port, for the example
      probe.close(() => resolve(port));
    });
  });
  // A server that loads for 500 ms before it listens, as a real one warms its cache.
  const server = fromChildProcess({
    name: 'api',
    command: process.execPath,
    args: ['-e', 'setTimeout(() => require("http").createServer().listen(process.env.PORT), 500)'],
    env: { PORT: String(port) },
    ready: { kind: 'port', port },
  });
  const actor = createActor(createSupervisor(server, { id: 'api' })).start();
  const ready = () => childSnapshotOf(actor.getSnapshot())?.ready === true;

  expect(ready()).toBe(false); // started, not ready: the port does not accept yet
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 50));
  // Ready: the port accepts connections.
  await new Promise<void>((resolve, reject) =>
    connect({ port, host: '127.0.0.1' }, resolve).on('error', reject),
  );
  actor.send({ type: 'shutdown' }); // SIGTERM; the check has stopped with the run
  await untilTrue(() => actor.getSnapshot().status === 'done'); // docs-hide
});

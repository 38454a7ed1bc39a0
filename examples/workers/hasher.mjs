// The worker of examples/hasher.ts: it hashes the bytes it is sent and posts the digest.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** @typedef {import('xstate-supervisor/node').MessageToWorker<import('../hasher.js').HashRequest>} In */
/** @typedef {import('xstate-supervisor/node').MessageFromWorker<import('../hasher.js').Hashed>} Out */

/** @param {Out} event */
const post = (event) => parentPort.postMessage(event);

parentPort.on('message', (/** @type {In} */ message) => {
  // Closing the port lets the thread end (exit code 0) once nothing else keeps it busy.
  if (message.type === 'shutdown') return parentPort.close();
  const digest = createHash('sha256').update(new Uint8Array(message.data)).digest('hex');
  post({ type: 'hashed', id: message.id, digest });
});

// With readyOn: 'message', the supervisor counts it ready from here.
post({ type: 'ready' });

/**
 * The control socket of `xsup start`: how `xsup status`, `xsup stop`, `xsup start` and
 * `xsup restart` in another terminal talk to a running instance.
 *
 * It is a Unix socket (default `.xsup.sock` in the Procfile's directory), created with mode
 * 0600 so that only its owner can connect, and removed when `xsup start` ends. A request is one
 * line of JSON, the reply is one line of JSON, then the connection is closed. Nothing listens on
 * the network.
 *
 * Claiming a path checks what is there first: nothing, or a socket nobody answers on (left by
 * a run that was killed) is fine, the stale socket is replaced; a socket an instance answers
 * on, or any other file, is a {@link ControlSocketError}.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { StatusReport } from './status.js';

/** Longest request or reply line accepted, in bytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** The longest socket path the kernel takes (sun_path, with its terminating NUL, on Linux). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The actions on processes of a running instance. */
export type ControlAction = 'stop' | 'start' | 'restart';

/**
 * A request to a running `xsup start`. `rolling` (a `restart` only): one instance at a time,
 * each ready again before the next is stopped.
 */
export type ControlRequest =
  | { command: 'status' }
  | { command: ControlAction; names: string[]; rolling?: boolean };

/** How one process fared. */
export interface ActionResult {
  name: string;
  ok: boolean;
  /** What happened (`stopped`, `started (pid 4242)`), or why it did not. */
  message: string;
}

/** The reply of a running `xsup start`. */
export type ControlReply =
  | { ok: true; status: StatusReport }
  | { ok: boolean; results: ActionResult[] }
  | { ok: false; error: string; usage?: boolean };

/**
 * The control socket cannot be used: another instance answers on it, the path is taken by
 * something else, or it is too long.
 *
 * @example
 *
 * ```ts
 * try {
 *   await listenControl('.xsup.sock', handler);
 * } catch (error) {
 *   if (error instanceof ControlSocketError) console.error(error.message);
 * }
 * ```
 */
export class ControlSocketError extends Error {
  override readonly name = 'ControlSocketError';
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/**
 * No `xsup start` answers on the socket: nothing is there, or a stale socket is.
 *
 * @example
 *
 * ```ts
 * try {
 *   await sendControl('.xsup.sock', { command: 'status' });
 * } catch (error) {
 *   if (error instanceof NoInstanceError) console.error('not running');
 * }
 * ```
 */
export class NoInstanceError extends Error {
  override readonly name = 'NoInstanceError';
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super(
      `no xsup is running here (nothing answers on ${path}); start one with "xsup start", or pass the --socket or --procfile of the one you mean`,
      options,
    );
    this.path = path;
  }
}

/** A listening control socket. */
export interface ControlServer {
  path: string;
  /** Stops listening, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

/** What a control socket path holds now. */
export type SocketProbe =
  | { kind: 'none' }
  | { kind: 'stale' }
  | { kind: 'live' }
  | { kind: 'other'; what: string };

/**
 * Looks at a socket path: nothing there, a stale socket, a live one, or another kind of file.
 *
 * @example
 *
 * ```ts
 * if ((await probeControl('.xsup.sock')).kind === 'live') console.log('xsup is running');
 * ```
 */
export async function probeControl(path: string): Promise<SocketProbe> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return { kind: 'none' };
  }
  if (!isSocket) return { kind: 'other', what: 'a file that is not a socket' };
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve({ kind: 'live' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(
        error.code === 'ECONNREFUSED' || error.code === 'ENOENT'
          ? { kind: 'stale' }
          : { kind: 'other', what: `a socket that cannot be reached (${error.code})` },
      );
    });
  });
}

/**
 * Listens on a Unix socket with mode 0600 and answers each request with `handler`. A stale
 * socket at `path` (left by an instance that was killed) is replaced; a live one, or anything
 * else there, is a {@link ControlSocketError}.
 *
 * @example
 *
 * ```ts
 * const server = await listenControl('.xsup.sock', async (request) => ({ ok: false, error: 'not yet' }));
 * await server.close();
 * ```
 */
export async function listenControl(
  path: string,
  handler: (request: ControlRequest) => Promise<ControlReply>,
): Promise<ControlServer> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ControlSocketError(
      path,
      `the control socket path ${path} is ${Buffer.byteLength(path)} bytes long; Unix sockets allow ${MAX_SOCKET_PATH_BYTES}; pass a shorter --socket`,
    );
  }
  const probe = await probeControl(path);
  if (probe.kind === 'live') {
    throw new ControlSocketError(
      path,
      `another xsup is already running here (it answers on ${path}); use "xsup status", "xsup restart NAME" or "xsup stop NAME" to act on it, stop it first, or pass --socket to run another`,
    );
  }
  if (probe.kind === 'other') {
    throw new ControlSocketError(
      path,
      `cannot use ${path} as the control socket: it is ${probe.what}; remove it, or pass --socket`,
    );
  }
  if (probe.kind === 'stale') unlinkSync(path);

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket, handler);
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(
        new ControlSocketError(
          path,
          error.code === 'EADDRINUSE'
            ? `another xsup took ${path} at the same moment; use "xsup status" to see it, or pass --socket`
            : `cannot listen on ${path}: ${error.message}; pass another --socket`,
          { cause: error },
        ),
      );
    server.once('error', fail);
    // Bound with no permission for group and others from the start, then set to 0600.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', fail);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
  chmodSync(path, 0o600);

  let closing: Promise<void> | undefined;
  return {
    path,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Answers already given get a moment to be written; then every connection ends.
        setImmediate(() => {
          for (const socket of sockets) socket.destroy();
        });
      });
      return closing;
    },
  };
}

function serve(socket: Socket, handler: (request: ControlRequest) => Promise<ControlReply>): void {
  socket.setEncoding('utf8');
  let buffer = '';
  let answered = false;
  const reply = (message: ControlReply) => {
    if (answered) return;
    answered = true;
    if (!socket.destroyed) socket.end(`${JSON.stringify(message)}\n`);
  };
  socket.on('data', (chunk: string) => {
    if (answered) return;
    buffer += chunk;
    const end = buffer.indexOf('\n');
    if (end === -1) {
      if (buffer.length > MAX_MESSAGE_BYTES) {
        reply({ ok: false, error: `request longer than ${MAX_MESSAGE_BYTES} bytes` });
      }
      return;
    }
    const request = parseRequest(buffer.slice(0, end));
    if (typeof request === 'string') return reply({ ok: false, error: request });
    handler(request).then(reply, (error: Error) =>
      reply({ ok: false, error: `xsup could not do it: ${error.message}` }),
    );
  });
  socket.on('error', () => {
    // The client went away; there is nobody to answer.
  });
}

/**
 * Checks a request line; returns the request, or what is wrong with it.
 *
 * @example
 *
 * ```ts
 * parseRequest('{"command":"stop","names":["web"]}'); // { command: 'stop', names: ['web'] }
 * parseRequest('{"command":"stop"}'); // '"stop" needs "names": a non-empty array of process names'
 * parseRequest('{"command":"restart","names":["web"],"rolling":true}'); // { command: 'restart', names: ['web'], rolling: true }
 * ```
 */
export function parseRequest(line: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'a request is one line of JSON';
  }
  const request = value as { command?: unknown; names?: unknown; rolling?: unknown };
  if (typeof value !== 'object' || value === null) return 'a request is a JSON object';
  if (request.command === 'status') return { command: 'status' };
  if (request.command === 'stop' || request.command === 'start' || request.command === 'restart') {
    const { names } = request;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      !names.every((name) => typeof name === 'string' && name !== '')
    ) {
      return `"${request.command}" needs "names": a non-empty array of process names`;
    }
    const { rolling } = request;
    if (rolling !== undefined) {
      if (request.command !== 'restart') return '"rolling" is for "restart" only';
      if (typeof rolling !== 'boolean') return '"rolling" must be true or false';
      if (rolling) return { command: 'restart', names: names as string[], rolling: true };
    }
    return { command: request.command, names: names as string[] };
  }
  return `unknown command ${JSON.stringify(request.command)}; expected status, stop, start or restart`;
}

/**
 * Sends one request to the `xsup start` listening on `path` and resolves to its reply. Nothing
 * listening there is a {@link NoInstanceError}.
 *
 * @example
 *
 * ```ts
 * const reply = await sendControl('.xsup.sock', { command: 'restart', names: ['web'] });
 * ```
 */
export function sendControl(path: string, request: ControlRequest): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    let connected = false;
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_MESSAGE_BYTES) socket.destroy(new Error('reply too long'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (
        !connected &&
        (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ENOTSOCK')
      ) {
        reject(new NoInstanceError(path, { cause: error }));
      } else reject(error);
    });
    socket.once('close', () => {
      const line = buffer.split('\n')[0] ?? '';
      if (!connected) return; // the error handler has answered
      try {
        resolve(JSON.parse(line) as ControlReply);
      } catch {
        reject(new Error(`xsup (on ${path}) ended before it answered`));
      }
    });
  });
}

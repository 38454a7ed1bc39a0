/**
 * Listening on a TCP port, for the health endpoints and the inspector relay: a port that is
 * taken (or not allowed) is one clear error, {@link ListenError}, not an unhandled
 * `EADDRINUSE`; and whether an address is this machine only.
 */
import type { Server } from 'node:net';

/**
 * A server could not listen: the port is in use, or not allowed (`EACCES`), or the address
 * is not this machine's (`EADDRNOTAVAIL`). The message is one line that says what to change;
 * `code` is the system error code and `cause` the system error.
 *
 * @example
 *
 * ```ts
 * try {
 *   await startHealthServer(actor, { port: 8081 });
 * } catch (error) {
 *   if (error instanceof ListenError) console.error(error.message);
 *   // "the health endpoints cannot listen on 127.0.0.1:8081: the port is in use; choose another port"
 * }
 * ```
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly port: number;
  readonly host: string;
  /** `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, … */
  readonly code: string;

  constructor(what: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? 'unknown';
    const reason =
      code === 'EADDRINUSE'
        ? 'the port is in use; choose another port, or stop what listens there'
        : code === 'EACCES'
          ? 'not allowed (ports below 1024 need privileges); choose a port from 1024'
          : code === 'EADDRNOTAVAIL'
            ? 'the address is not one of this machine'
            : cause.message;
    super(
      `${what} cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}`,
      {
        cause,
      },
    );
    this.port = port;
    this.host = host;
    this.code = code;
  }
}

/** Listens, or rejects with a {@link ListenError}; no error is left unhandled. */
export function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      server.close();
      reject(new ListenError(what, host, port, error));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Whether an address reaches this machine only: `localhost`, `127.x.y.z` or `::1`. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    name === 'localhost' ||
    name === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(name)
  );
}

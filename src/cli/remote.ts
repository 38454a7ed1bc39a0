/**
 * The commands that act on a running `xsup start` from another terminal: `xsup status`,
 * `xsup stop NAME...`, `xsup restart [--rolling] NAME...` and `xsup start NAME...`. Each sends one request
 * over the control socket, prints the answer, and resolves to the exit code: 0 when everything
 * asked for is done, 1 when something is not (with the reason) or no instance runs, 2 for a
 * name the instance does not have.
 */
import { dirname, join } from 'node:path';
import type { LineWriter } from '../node/fromChildProcess.js';
import {
  type ControlAction,
  type ControlReply,
  type ControlRequest,
  sendControl,
} from './control.js';
import { formatStatusTable } from './status.js';

/** The name of the control socket in the Procfile's directory. */
export const DEFAULT_SOCKET_NAME = '.xsup.sock';

/**
 * The control socket of the `xsup start` that runs `procfile`: `.xsup.sock` in its directory,
 * unless `--socket` says otherwise.
 *
 * @example
 *
 * ```ts
 * socketPath(undefined, 'app/Procfile'); // 'app/.xsup.sock'
 * ```
 */
export function socketPath(socket: string | undefined, procfile: string): string {
  return socket ?? join(dirname(procfile), DEFAULT_SOCKET_NAME);
}

interface Output {
  stdout: LineWriter;
  stderr: LineWriter;
}

async function ask(
  io: Output,
  socket: string,
  request: ControlRequest,
): Promise<ControlReply | number> {
  try {
    return await sendControl(socket, request);
  } catch (error) {
    // No instance (NoInstanceError) or one that went away: exit 1 with the reason.
    io.stderr.write(`xsup: ${(error as Error).message}\n`);
    return 1;
  }
}

/**
 * `xsup status`: prints the processes of the running instance as a table, or as JSON.
 *
 * @example
 *
 * ```ts
 * process.exitCode = await remoteStatus({ stdout: process.stdout, stderr: process.stderr }, '.xsup.sock', false);
 * ```
 */
export async function remoteStatus(io: Output, socket: string, json: boolean): Promise<number> {
  const reply = await ask(io, socket, { command: 'status' });
  if (typeof reply === 'number') return reply;
  if (!('status' in reply)) {
    io.stderr.write(`xsup: ${'error' in reply ? reply.error : 'unexpected answer'}\n`);
    return 1;
  }
  const { status } = reply;
  if (json) {
    io.stdout.write(`${JSON.stringify(status)}\n`);
    return 0;
  }
  io.stdout.write(
    `xsup (pid ${status.pid}) runs ${status.procfile}${status.shuttingDown ? ', shutting down' : ''}\n`,
  );
  io.stdout.write(formatStatusTable(status.processes));
  return 0;
}

/**
 * `xsup stop|start|restart NAME...` on the running instance: prints one line per process and
 * resolves to 0 when every one is done, 1 when one is not, 2 for an unknown name. With
 * `rolling` (a restart), the instances go one at a time, each ready again before the next.
 *
 * @example
 *
 * ```ts
 * process.exitCode = await remoteAction(io, '.xsup.sock', 'restart', ['web']); // "web: restarted (pid 4242)"
 * ```
 */
export async function remoteAction(
  io: Output,
  socket: string,
  action: ControlAction,
  names: string[],
  options: { rolling?: boolean } = {},
): Promise<number> {
  const reply = await ask(
    io,
    socket,
    options.rolling ? { command: action, names, rolling: true } : { command: action, names },
  );
  if (typeof reply === 'number') return reply;
  if ('error' in reply) {
    io.stderr.write(`xsup: ${reply.error}\n`);
    return reply.usage ? 2 : 1;
  }
  if (!('results' in reply)) {
    io.stderr.write('xsup: unexpected answer\n');
    return 1;
  }
  for (const result of reply.results) {
    if (result.ok) io.stdout.write(`${result.name}: ${result.message}\n`);
    else io.stderr.write(`xsup: ${result.name}: ${result.message}\n`);
  }
  return reply.ok ? 0 : 1;
}

/**
 * The receiving end of systemd's readiness protocol (`sd_notify`): a unix datagram socket in a
 * private temporary directory, whose path the process gets as `NOTIFY_SOCKET`. The process
 * sends datagrams of `KEY=VALUE` lines; the line `READY=1` says it is ready. The other lines
 * (`STATUS=…`, `STOPPING=1`, `WATCHDOG=1`, …) are received and ignored, so a program that sends
 * them works as under systemd.
 *
 * Node has no unix datagram sockets of its own. The socket comes from the prebuilt N-API binary
 * of `node-unix-socket` (`node-unix-socket-linux-x64-gnu`, or `-musl`), an optional dependency
 * loaded only when a `notify` check is asked for: no compiler and no install script are
 * needed to install it. The binary is driven here directly, as that package's own `DgramSocket`
 * drives it, which is why its version is pinned exactly.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The packages that hold the binary, tried in order. */
export const NOTIFY_BINARIES = [
  'node-unix-socket-linux-x64-gnu',
  'node-unix-socket-linux-x64-musl',
] as const;

interface DgramSocketWrap {
  init(self: DgramSocketWrap): void;
  startRecv(): void;
  bind(path: string): void;
  close(): void;
}

interface Addon {
  DgramSocketWrap: new (emitter: EventEmitter) => DgramSocketWrap;
}

let loaded: Addon | Error | undefined;

/** The binary, or the error that says why it cannot be loaded here. Loaded once. */
export function loadNotifyBinary(): Addon | Error {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  for (const name of NOTIFY_BINARIES) {
    try {
      const addon = require(name) as Partial<Addon> | undefined;
      if (typeof addon?.DgramSocketWrap === 'function') {
        loaded = addon as Addon;
        return loaded;
      }
      reasons.push(`${name} has no DgramSocketWrap`);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reasons.push(
        code === 'MODULE_NOT_FOUND'
          ? `${name} is not installed`
          : `${name}: ${(error as Error).message}`,
      );
    }
  }
  loaded = new Error(reasons.join('; '));
  return loaded;
}

/**
 * Whether one datagram of the protocol (newline-separated `KEY=VALUE` lines) says `READY=1`.
 *
 * @example
 *
 * ```ts
 * saysReady('STATUS=warming up\nREADY=1'); // true
 * ```
 */
export function saysReady(text: string): boolean {
  return text.split('\n').includes('READY=1');
}

/** An open notify socket. */
export interface NotifySocket {
  /** Its path: the value of `NOTIFY_SOCKET`. */
  path: string;
  /** Closes it and removes its directory. Safe to call again. */
  close(): void;
}

/** The directories of the sockets open now, removed if Node exits before they are closed. */
const open = new Set<string>();
let exitHook = false;

function removeAll(): void {
  for (const dir of open) rmSync(dir, { recursive: true, force: true });
  open.clear();
}

/**
 * Opens a notify socket in a new private directory (mode 0700: only this user can reach it)
 * and calls `onReady` each time a datagram says `READY=1`. Throws when the binary cannot be
 * loaded or the socket cannot be bound; nothing is left behind then.
 *
 * @example
 *
 * ```ts
 * const socket = openNotifySocket(() => console.log('ready'));
 * spawn('my-daemon', { env: { ...process.env, NOTIFY_SOCKET: socket.path } });
 * // once the run ends:
 * socket.close();
 * ```
 */
export function openNotifySocket(onReady: () => void): NotifySocket {
  const addon = loadNotifyBinary();
  if (addon instanceof Error) throw addon;
  const dir = mkdtempSync(join(tmpdir(), 'xstate-supervisor-notify-'));
  const path = join(dir, 'notify.sock');
  const emitter = new EventEmitter();
  // The binary calls `emit` detached from its object.
  emitter.emit = emitter.emit.bind(emitter);
  let wrap: DgramSocketWrap | undefined;
  /** Receiving was started: only then may the binary's socket be closed (it crashes before). */
  let receiving = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      if (receiving) wrap?.close();
    } catch {
      // Closed already (after a receive error).
    }
    open.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  open.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', removeAll);
  }
  try {
    wrap = new addon.DgramSocketWrap(emitter);
    wrap.init(wrap);
    wrap.startRecv();
    receiving = true;
    wrap.bind(path);
  } catch (error) {
    close();
    throw error;
  }
  emitter.on('_data', (data: Buffer) => {
    if (!closed && saysReady(data.toString('utf8'))) onReady();
  });
  emitter.on('_error', () => {
    // The socket can receive no more: the process may still become ready by its timeout.
    close();
  });
  return { path, close };
}

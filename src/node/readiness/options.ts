/**
 * The `ready` option of `fromChildProcess`: how an OS process says it is ready. Its types, its
 * defaults and its checks; every mistake is a `TypeError` naming the field, the value and what
 * is allowed.
 */
import { checkDuration, checkOptions, invalidOption } from '../../policy/options.js';

/** How often a `port` check tries to connect, by default (ms). */
export const DEFAULT_PORT_INTERVAL_MS = 100;
/** The host a `port` check connects to, by default. */
export const DEFAULT_PORT_HOST = '127.0.0.1';

/**
 * systemd's readiness protocol: the process gets `NOTIFY_SOCKET` in its environment, the path of
 * a unix datagram socket, and is ready once it sends a datagram with the line `READY=1` there
 * (`sd_notify(0, "READY=1")`, `systemd-notify --ready`). Programs written for systemd's
 * `Type=notify` work unchanged. Needs the optional dependency on the prebuilt unix-socket
 * binary (Linux x64).
 */
export interface NotifyReadyCheck {
  kind: 'notify';
}

/** Ready once a TCP connection to `host:port` is accepted. */
export interface PortReadyCheck {
  kind: 'port';
  /** The TCP port, 1 to 65535. */
  port: number;
  /** The host to connect to. Default `'127.0.0.1'`. */
  host?: string;
  /** How long to wait between two tries, in ms. Default 100. */
  intervalMs?: number;
}

/** Ready once a line of the process's stdout or stderr matches `pattern`. */
export interface LineReadyCheck {
  kind: 'line';
  /** Tested against each line (as text, without its line break). */
  pattern: RegExp;
}

/** How an OS process says it is ready: the `ready` option of `fromChildProcess`. */
export type ReadyCheck = NotifyReadyCheck | PortReadyCheck | LineReadyCheck;

/** The kinds of {@link ReadyCheck}. */
export const READY_CHECK_KINDS = ['notify', 'port', 'line'] as const;

/** A readiness check, checked and filled in. */
export type ReadySettings =
  | { kind: 'notify' }
  | { kind: 'port'; port: number; host: string; intervalMs: number }
  | { kind: 'line'; pattern: RegExp };

const KEYS: Record<ReadyCheck['kind'], readonly string[]> = {
  notify: ['kind'],
  port: ['kind', 'port', 'host', 'intervalMs'],
  line: ['kind', 'pattern'],
};

/**
 * Checks the `ready` option and fills in its defaults. A `line` pattern is copied without the
 * `g` and `y` flags, whose `lastIndex` would make one line match or not after the one before.
 *
 * @example
 *
 * ```ts
 * resolveReadyCheck('fromChildProcess', 'ready', { kind: 'port', port: 8080 });
 * // { kind: 'port', port: 8080, host: '127.0.0.1', intervalMs: 100 }
 * ```
 */
export function resolveReadyCheck(owner: string, field: string, value: unknown): ReadySettings {
  const kind = (value as { kind?: unknown } | null | undefined)?.kind;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof kind !== 'string' ||
    !(READY_CHECK_KINDS as readonly string[]).includes(kind)
  ) {
    invalidOption(
      owner,
      field,
      value,
      `an object with a "kind" of ${READY_CHECK_KINDS.map((k) => `"${k}"`).join(', ')} ({ kind: 'notify' }, { kind: 'port', port: 8080 } or { kind: 'line', pattern: /listening/ })`,
    );
  }
  const given = checkOptions(owner, field, value, KEYS[kind as ReadyCheck['kind']]);
  switch (kind as ReadyCheck['kind']) {
    case 'notify':
      return { kind: 'notify' };
    case 'port': {
      const { port } = given;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
        invalidOption(owner, `${field}.port`, port, 'a whole number from 1 to 65535');
      }
      const host = given.host ?? DEFAULT_PORT_HOST;
      if (typeof host !== 'string' || host === '' || host.includes('\0')) {
        invalidOption(owner, `${field}.host`, host, 'a non-empty host name or address');
      }
      const intervalMs = checkDuration(
        owner,
        `${field}.intervalMs`,
        given.intervalMs ?? DEFAULT_PORT_INTERVAL_MS,
        1,
      );
      return { kind: 'port', port, host, intervalMs };
    }
    case 'line': {
      const { pattern } = given;
      if (!(pattern instanceof RegExp)) {
        invalidOption(owner, `${field}.pattern`, pattern, 'a RegExp, e.g. /listening on/');
      }
      return {
        kind: 'line',
        pattern: new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')),
      };
    }
  }
}

/** The check as the inspector shows it (a pattern as its source text). */
export function describeReadyCheck(settings: ReadySettings): Record<string, unknown> {
  return settings.kind === 'line' ? { kind: 'line', pattern: String(settings.pattern) } : settings;
}

/** The check in a message: `{ kind: 'notify' }`, `port 8080`, `line /listening/`. */
export function readyCheckText(settings: ReadySettings): string {
  switch (settings.kind) {
    case 'notify':
      return 'notify (READY=1 on NOTIFY_SOCKET)';
    case 'port':
      return `port ${settings.host}:${settings.port}`;
    case 'line':
      return `line ${String(settings.pattern)}`;
  }
}

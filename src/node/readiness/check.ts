/**
 * One run's readiness check: what the process gets in its environment, what is watched once
 * it is spawned, and the one call that says it is ready. Every check is stopped when the run
 * ends, for any reason: the notify socket is closed and its directory removed, the port
 * polling stops, lines are no longer read for it.
 */
import { type NotifySocket, openNotifySocket } from './notify.js';
import type { ReadySettings } from './options.js';
import { pollPort } from './port.js';

/** A readiness check for one run of a process. */
export interface ReadyCheckRun {
  /** Variables to add to the process's environment: `NOTIFY_SOCKET` for `notify`. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Starts watching, once the process is spawned; `onReady` is called at most once, and never
   * after {@link ReadyCheckRun.stop}.
   */
  begin(onReady: () => void): void;
  /** Whether it reads output lines now: a `line` check that has not passed. */
  wantsLines(): boolean;
  /** A line the process wrote (stdout or stderr). */
  line(text: string): void;
  /** Stops the check. Safe to call again. */
  stop(): void;
}

/**
 * Prepares the check of one run. For `notify`, opens the socket now, so that its path can be
 * given to the process: that throws when the socket cannot be had.
 *
 * @example
 *
 * ```ts
 * const check = openReadyCheck({ kind: 'line', pattern: /listening/ });
 * const child = spawn(cmd, { env: { ...process.env, ...check.env } });
 * check.begin(() => sendToParent(self, { type: 'supervisor.ready' }));
 * ```
 */
export function openReadyCheck(settings: ReadySettings): ReadyCheckRun {
  let onReady: (() => void) | undefined;
  let passed = false;
  let stopped = false;
  /** READY=1 came before `begin` (it cannot in practice: the process is spawned first). */
  let early = false;
  let stopPolling: (() => void) | undefined;
  const pass = () => {
    if (passed || stopped) return;
    passed = true;
    stopPolling?.();
    onReady?.();
  };
  let socket: NotifySocket | undefined;
  if (settings.kind === 'notify') {
    socket = openNotifySocket(() => {
      if (onReady) pass();
      else early = true;
    });
  }
  return {
    env: socket ? { NOTIFY_SOCKET: socket.path } : {},
    begin(callback) {
      if (stopped || onReady) return;
      onReady = callback;
      if (settings.kind === 'port') stopPolling = pollPort(settings, pass);
      if (early) pass();
    },
    wantsLines: () => settings.kind === 'line' && !passed && !stopped,
    line(text) {
      if (settings.kind === 'line' && onReady && !passed && settings.pattern.test(text)) pass();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stopPolling?.();
      // The socket stays open after READY=1, as systemd's does, so that later messages
      // (STATUS=, STOPPING=1) do not fail in the process: it closes with the run.
      socket?.close();
    },
  };
}

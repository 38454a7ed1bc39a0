/**
 * xsup's restart policy as systemd's, for `xsup export systemd`: the kinds of end a service is
 * restarted after (`Restart=`), the delay growing from the first to the longest one
 * (`RestartSec`, `RestartSteps`, `RestartMaxDelaySec`, on systemd 254 or later), and the
 * restart limit as a start limit, which on systemd before 254, where the delay does not grow,
 * ends a crash loop instead.
 */
import type { RestartType } from '../policy/options.js';
import { systemdDuration } from './systemdSyntax.js';

/** The restart policy flags of `xsup export systemd`, as the units' restart settings take them. */
export interface RestartFlags {
  restart: RestartType;
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  shutdownTimeout: number;
}

/** The longest start-limit window the export writes without `--max-restarts`: one day. */
const MAX_WINDOW_MS = 86_400_000;

export const RESTART: Record<RestartType, string> = {
  permanent: 'always',
  transient: 'on-failure',
  temporary: 'no',
};

/**
 * The number of steps over which systemd 254 or later grows the restart delay from the first
 * to the longest, as `--backoff-factor` makes xsup's grow; 0 when it does not grow.
 */
export function restartSteps(o: RestartFlags): number {
  const max = Math.max(o.backoffMax, o.backoffInitial);
  if (o.restart === 'temporary' || o.backoffInitial <= 0 || max <= o.backoffInitial) return 0;
  if (o.backoffFactor <= 1) return 0;
  return Math.ceil(Math.log(max / o.backoffInitial) / Math.log(o.backoffFactor));
}

/** The restart delays as systemd's: the first delay, and (254 or later) how it grows. */
export function restartDelays(o: RestartFlags, steps: number): string[] {
  const lines = [`RestartSec=${systemdDuration(o.backoffInitial)}`];
  if (steps > 0) {
    lines.push(
      `# The delay grows over ${steps} restarts to the longest one (systemd 254 or later).`,
      `RestartSteps=${steps}`,
      `RestartMaxDelaySec=${systemdDuration(Math.max(o.backoffMax, o.backoffInitial))}`,
    );
  }
  return lines;
}

/**
 * How many times systemd 254 or later starts a service within `windowMs` of its first start
 * when it fails at once every time: restart `i` waits
 * `RestartSec × (RestartMaxDelaySec / RestartSec)^((i − 1) / RestartSteps)`, and
 * `RestartMaxDelaySec` after `RestartSteps` restarts (systemd's `service_restart_usec_next`, in
 * whole microseconds). systemd before 254 waits `RestartSec` every time, and so starts it more
 * often: a start limit of this many starts within `windowMs` never stops a crash loop on 254
 * or later, and ends one on older versions when they start it more often in that window.
 *
 * @example
 *
 * ```ts
 * systemdStartsWithin(30_000, { initialMs: 200, maxMs: 30_000, steps: 8 }); // 8
 * ```
 */
export function systemdStartsWithin(
  windowMs: number,
  delays: { initialMs: number; maxMs: number; steps: number },
): number {
  const initial = delays.initialMs * 1000;
  const max = delays.maxMs * 1000;
  const window = windowMs * 1000;
  let starts = 1;
  let at = 0;
  for (let restart = 1; ; restart += 1) {
    at +=
      restart > delays.steps
        ? max
        : Math.floor(initial * (max / initial) ** ((restart - 1) / delays.steps));
    // 1 ms of slack for rounding: a start on the edge is counted, so the limit is never lower.
    if (at > window + 1000) return starts;
    starts += 1;
  }
}

/** The `[Unit]` lines of the start limit: `--max-restarts`, and the bound for systemd < 254. */
export function startLimit(o: RestartFlags, steps: number): string[] {
  const initialMs = o.backoffInitial;
  const maxMs = Math.max(o.backoffMax, o.backoffInitial);
  if (steps === 0) {
    // The delays are the same on every version of systemd.
    return o.maxRestarts === undefined
      ? ['# No restart limit, as xsup without --max-restarts.', 'StartLimitIntervalSec=0']
      : [
          `# More than ${o.maxRestarts} restarts within ${o.maxRestartsWindow} ms: give up (--max-restarts).`,
          `StartLimitIntervalSec=${systemdDuration(o.maxRestartsWindow)}`,
          `StartLimitBurst=${o.maxRestarts + 1}`,
        ];
  }
  let windowMs = o.maxRestartsWindow;
  if (o.maxRestarts === undefined) {
    // A window in which systemd before 254 (a start every initialMs) starts the service more
    // often than 254 or later can: then the limit ends a crash loop there and never here.
    windowMs = Math.min(MAX_WINDOW_MS, Math.max(maxMs, 10 * initialMs));
    const delays = { initialMs, maxMs, steps };
    while (
      windowMs < MAX_WINDOW_MS &&
      Math.floor(windowMs / initialMs) + 1 <= systemdStartsWithin(windowMs, delays)
    ) {
      windowMs = Math.min(MAX_WINDOW_MS, windowMs * 2);
    }
  }
  const growing = systemdStartsWithin(windowMs, { initialMs, maxMs, steps });
  const burst = o.maxRestarts === undefined ? growing : Math.min(o.maxRestarts + 1, growing);
  const window = systemdDuration(windowMs);
  return [
    o.maxRestarts === undefined
      ? `# No restart limit, as xsup without --max-restarts: on systemd 254 or later the growing delay never starts the service more than ${burst} times within ${window}.`
      : `# More than ${o.maxRestarts} restarts within ${o.maxRestartsWindow} ms: give up (--max-restarts)${burst < o.maxRestarts + 1 ? `; on systemd 254 or later the growing delay never starts the service more than ${burst} times within ${window}` : ''}.`,
    `# systemd before 254 does not grow the delay and restarts every ${systemdDuration(initialMs)}: there, this limit ends a crash loop (the service is left failed).`,
    `StartLimitIntervalSec=${systemdDuration(windowMs)}`,
    `StartLimitBurst=${burst}`,
  ];
}

/**
 * OS signal names and signal maps, shared by `fromSignals`, `fromChildProcess` and `runMain`.
 *
 * A signal map says which event each signal becomes: `'shutdown'`, `'reload'`, or any event
 * object. The event always carries the name of the signal that caused it, as `signal`. The
 * checks throw a `TypeError` naming the option, the value and what is allowed, so a typo in a
 * signal name is found where the logic is created.
 */
import { constants } from 'node:os';
import type { AnyEventObject } from 'xstate';
import { checkObject, checkOneOf, invalidOption } from '../policy/options.js';

/** What a signal turns into: a `shutdown` event, a `reload` event, or any event object. */
export type SignalAction = 'shutdown' | 'reload' | AnyEventObject;

/** Which signals are listened for, and what each becomes. */
export type SignalMap = Partial<Record<NodeJS.Signals, SignalAction>>;

/**
 * The default signal map: SIGINT, SIGTERM and SIGQUIT ask for a shutdown, SIGHUP for a reload.
 *
 * @example
 *
 * ```ts
 * // Extend the defaults instead of replacing them:
 * fromSignals({ signals: { ...DEFAULT_SIGNALS, SIGUSR2: 'reload' } });
 * ```
 */
export const DEFAULT_SIGNALS: Readonly<SignalMap> = Object.freeze({
  SIGINT: 'shutdown',
  SIGTERM: 'shutdown',
  SIGQUIT: 'shutdown',
  SIGHUP: 'reload',
});

/** Every signal name this platform knows, in the platform's order. */
export const SIGNAL_NAMES: readonly NodeJS.Signals[] = Object.keys(
  constants.signals,
) as NodeJS.Signals[];

/**
 * Signals a Node process cannot (SIGKILL, SIGSTOP) or should not (the faults SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL) install a listener for.
 */
const NOT_LISTENABLE = new Set<string>([
  'SIGKILL',
  'SIGSTOP',
  'SIGSEGV',
  'SIGBUS',
  'SIGFPE',
  'SIGILL',
]);

/** Signal names a listener can be installed for. */
export const LISTENABLE_SIGNALS: readonly NodeJS.Signals[] = SIGNAL_NAMES.filter(
  (name) => !NOT_LISTENABLE.has(name),
);

/** Checks a signal name (`'SIGTERM'`, …) against the ones this platform knows. */
export function checkSignal(
  owner: string,
  field: string,
  value: unknown,
  allowed: readonly NodeJS.Signals[] = SIGNAL_NAMES,
): NodeJS.Signals {
  return checkOneOf(owner, field, value, allowed);
}

/** The number of a signal (15 for SIGTERM), as used in the shell's `128 + n` exit codes. */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal];
}

/**
 * Checks a signal map and turns each entry into the event it sends (without `signal`, which is
 * added when the signal arrives). An empty map is allowed: nothing is listened for.
 */
export function resolveSignalMap(
  owner: string,
  field: string,
  value: unknown,
): Map<NodeJS.Signals, AnyEventObject> {
  const given = checkObject(owner, field, value);
  const resolved = new Map<NodeJS.Signals, AnyEventObject>();
  for (const [name, action] of Object.entries(given)) {
    const signal = checkOneOf(owner, `${field} key`, name, LISTENABLE_SIGNALS);
    if (action === 'shutdown' || action === 'reload') {
      resolved.set(signal, { type: action });
    } else if (
      typeof action === 'object' &&
      action !== null &&
      typeof (action as { type?: unknown }).type === 'string' &&
      (action as { type: string }).type !== ''
    ) {
      resolved.set(signal, { ...(action as AnyEventObject) });
    } else {
      invalidOption(
        owner,
        `${field}.${signal}`,
        action,
        '"shutdown", "reload" or an event object with a non-empty string "type"',
      );
    }
  }
  return resolved;
}

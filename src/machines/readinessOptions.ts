/**
 * The readiness options of a supervised child, checked: whether it signals readiness, and how
 * long it may take. Shared by a supervisor's options and a group's children.
 */
import type { AnyActorLogic } from 'xstate';
import { marksSignalsReady } from '../actors/readiness.js';
import { checkDuration, invalidOption } from '../policy/options.js';

/** How long a child that signals readiness may take by default, in ms (as `xsup`). */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** The readiness settings of a child. */
export interface Readiness {
  signalsReady: boolean;
  readyTimeoutMs: number;
}

/**
 * Checks `signalsReady` and `readyTimeoutMs` of `given` (field names prefixed with `field`,
 * when not empty). Without `signalsReady`, logic marked with `markSignalsReady` signals.
 */
export function resolveReadiness(
  owner: string,
  field: string,
  given: { signalsReady?: unknown; readyTimeoutMs?: unknown },
  logic: unknown,
): Readiness {
  const at = (name: string) => (field ? `${field}.${name}` : name);
  const declared = given.signalsReady;
  if (declared !== undefined && typeof declared !== 'boolean') {
    invalidOption(owner, at('signalsReady'), declared, 'true or false');
  }
  const signalsReady = declared ?? marksSignalsReady(logic as AnyActorLogic);
  if (given.readyTimeoutMs !== undefined && !signalsReady) {
    invalidOption(
      owner,
      at('readyTimeoutMs'),
      given.readyTimeoutMs,
      'left out: it applies only to a child that signals readiness (signalsReady: true)',
    );
  }
  const readyTimeoutMs = checkDuration(
    owner,
    at('readyTimeoutMs'),
    given.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    1,
  );
  return { signalsReady, readyTimeoutMs };
}

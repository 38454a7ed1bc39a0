/**
 * A group's children as given: each checked and filled in (id, input, restart type, grace
 * period, whether it is stopped gracefully), for the options and for `add`.
 */
import { acceptsShutdown, isActorLogic } from '../actors/shutdownAware.js';
import {
  checkDuration,
  checkKnownKeys,
  checkOneOf,
  invalidOption,
  RESTART_TYPES,
} from '../policy/options.js';
import type { ChildSpec } from '../runtime/types.js';

const CHILD_KEYS = ['id', 'logic', 'input', 'restart', 'shutdownTimeoutMs'] as const;

/** Checks and fills in one child; throws a TypeError (or returns the reason) when it is bad. */
export function resolveChild(
  owner: string,
  field: string,
  value: unknown,
  index: number,
  defaultTimeoutMs: number,
): ChildSpec & { id: string } {
  if (isActorLogic(value)) {
    return {
      id: `child-${index}`,
      logic: value,
      input: () => undefined,
      restart: 'transient',
      shutdownTimeoutMs: defaultTimeoutMs,
      graceful: acceptsShutdown(value),
    };
  }
  if (typeof value !== 'object' || value === null) {
    invalidOption(
      owner,
      field,
      value,
      'actor logic or { id, logic, input?, restart?, shutdownTimeoutMs? }',
    );
  }
  if (Array.isArray(value)) {
    invalidOption(
      owner,
      field,
      value,
      'actor logic or { id, logic, input?, restart?, shutdownTimeoutMs? }',
    );
  }
  const child = value as Record<string, unknown>;
  checkKnownKeys(owner, field, child, CHILD_KEYS);
  if (typeof child.id !== 'string' || child.id === '') {
    invalidOption(owner, `${field}.id`, child.id, 'a non-empty string');
  }
  if (!isActorLogic(child.logic)) {
    invalidOption(
      owner,
      `${field}.logic`,
      child.logic,
      'XState actor logic (a machine or a from* creator result)',
    );
  }
  const input = child.input;
  return {
    id: child.id,
    logic: child.logic,
    input: () => input,
    restart: checkOneOf(owner, `${field}.restart`, child.restart ?? 'transient', RESTART_TYPES),
    shutdownTimeoutMs: checkDuration(
      owner,
      `${field}.shutdownTimeoutMs`,
      child.shutdownTimeoutMs ?? defaultTimeoutMs,
    ),
    graceful: acceptsShutdown(child.logic),
  };
}

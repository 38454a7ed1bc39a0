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
import { resolveReadiness } from './readinessOptions.js';

const CHILD_KEYS = [
  'id',
  'logic',
  'input',
  'restart',
  'shutdownTimeoutMs',
  'signalsReady',
  'readyTimeoutMs',
  'dependsOn',
] as const;

const CHILD_SHAPE =
  'actor logic or { id, logic, input?, restart?, shutdownTimeoutMs?, signalsReady?, readyTimeoutMs?, dependsOn? }';

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
      ...resolveReadiness(owner, field, {}, value),
      dependsOn: [],
    };
  }
  if (typeof value !== 'object' || value === null) {
    invalidOption(owner, field, value, CHILD_SHAPE);
  }
  if (Array.isArray(value)) invalidOption(owner, field, value, CHILD_SHAPE);
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
    ...resolveReadiness(owner, field, child, child.logic),
    dependsOn: checkDependsOn(owner, `${field}.dependsOn`, child.dependsOn, child.id),
  };
}

/** Checks the shape of a child's `dependsOn` (the ids themselves are checked by the group). */
function checkDependsOn(owner: string, field: string, value: unknown, self: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalidOption(owner, field, value, 'an array of child ids');
  const ids: string[] = [];
  value.forEach((id, i) => {
    if (typeof id !== 'string' || id === '') {
      invalidOption(owner, `${field}[${i}]`, id, 'a child id (a non-empty string)');
    }
    if (id === self) invalidOption(owner, `${field}[${i}]`, id, "another child's id, not its own");
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

/**
 * Checks the start order of a group's declared children: every `dependsOn` names one of them,
 * and no child waits, even through others, for itself. With `sequential`, each child also
 * depends on the one before it. Returns the specs with their dependencies filled in.
 */
export function orderChildren(
  owner: string,
  specs: (ChildSpec & { id: string })[],
  sequential: boolean,
): (ChildSpec & { id: string })[] {
  const ids = specs.map((spec) => spec.id);
  const ordered = specs.map((spec, index) => {
    spec.dependsOn.forEach((dep, i) => {
      if (!ids.includes(dep)) {
        invalidOption(
          owner,
          `children[${index}].dependsOn[${i}]`,
          dep,
          `the id of another child of the group: ${ids.filter((id) => id !== spec.id).join(', ') || 'none'}`,
        );
      }
    });
    const before = sequential && index > 0 ? specs[index - 1]!.id : undefined;
    return before && !spec.dependsOn.includes(before)
      ? { ...spec, dependsOn: [...spec.dependsOn, before] }
      : spec;
  });
  // A cycle would keep its children waiting for ever: refused with the cycle named.
  const byId = new Map(ordered.map((spec) => [spec.id, spec]));
  const done = new Set<string>();
  for (const spec of ordered) {
    const path: string[] = [];
    const visit = (id: string): void => {
      if (done.has(id)) return;
      const at = path.indexOf(id);
      if (at >= 0) {
        const cycle = [...path.slice(at), id];
        const index = ids.indexOf(cycle[0]!);
        invalidOption(
          owner,
          `children[${index}].dependsOn`,
          byId.get(cycle[0]!)!.dependsOn,
          `no cycle of dependencies (${cycle.join(' → ')})`,
        );
      }
      path.push(id);
      for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep);
      path.pop();
      done.add(id);
    };
    visit(spec.id);
  }
  return ordered;
}

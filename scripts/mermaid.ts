/**
 * Renders an XState machine's real definition as a mermaid `stateDiagram-v2`.
 *
 * It walks `machine.root` and its state nodes (states, initial states, final states, parallel
 * regions, transitions with their guards, delayed and eventless transitions, invocations with
 * their `onDone`/`onError`), so the diagram is whatever the machine is, not what someone drew.
 * `scripts/diagrams.ts` uses it to keep the diagrams in `docs/` up to date.
 *
 * Layout of the output:
 * - The machine is one box titled with its id; states are nested boxes inside it.
 * - Arrows carry `event [guard]`: `after backoff` for a delayed transition, `done: child` and
 *   `error: child` for an invoked actor's completion and failure, `always` for an eventless one.
 *   Guards are shown by name; `and`/`or`/`not` combinations are written out.
 * - What happens inside a state without leaving it is listed in the state's box: `invoke child`,
 *   `entry / action`, `exit / action` and transitions without a target (`reload / forwardReload`).
 * - Every arrow is written at the top level of the diagram, after all states are declared,
 *   because mermaid moves a state into whichever box an arrow to it is written in.
 */
import { type AnyStateMachine, type AnyStateNode, and, not, or, stateIn } from 'xstate';

/** Options of {@link toMermaid}. */
export interface MermaidOptions {
  /** Show the actions of transitions that have a target on their arrows too. Default `false`. */
  actions?: boolean;
  /**
   * Ask for mermaid's ELK layout, which draws nested states far more clearly than the default
   * (dagre). A renderer without ELK falls back to dagre, so the diagram shows either way.
   * Default `'dagre'` (no front matter).
   */
  layout?: 'dagre' | 'elk';
}

interface TransitionLike {
  eventType: string;
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
  actions?: readonly unknown[];
}

/** Words mermaid reads as syntax, which cannot be used as a state id. */
const RESERVED = new Set([
  'as',
  'class',
  'classDef',
  'click',
  'default',
  'direction',
  'end',
  'hide',
  'left',
  'note',
  'of',
  'right',
  'root',
  'state',
  'style',
]);

// Each guard combinator shares one `check` function across all its uses.
const CHECK = {
  and: (and([]) as unknown as { check: unknown }).check,
  or: (or([]) as unknown as { check: unknown }).check,
  not: (not('x') as unknown as { check: unknown }).check,
  stateIn: (stateIn('x') as unknown as { check: unknown }).check,
};

/**
 * Renders `machine` as a mermaid `stateDiagram-v2` (the diagram text, without a fence).
 *
 * @example
 *
 * ```ts
 * import { createMachine } from 'xstate';
 * import { toMermaid } from './mermaid.js';
 *
 * const light = createMachine({
 *   id: 'light',
 *   initial: 'green',
 *   states: { green: { after: { 1000: 'red' } }, red: { on: { reset: 'green' } } },
 * });
 * console.log(toMermaid(light));
 * // stateDiagram-v2
 * //   state "light" as light {
 * //     [*] --> green
 * //     state "green" as green
 * //     state "red" as red
 * //   }
 * //   green --> red : after 1000 ms
 * //   red --> green : reset
 * ```
 */
export function toMermaid(machine: AnyStateMachine, options: MermaidOptions = {}): string {
  const nodes = collect(machine.root);
  const ids = assignIds(nodes);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const invocations = new Map<string, { name: string; detail: string }>();
  for (const node of nodes) {
    for (const [index, invoke] of node.invoke.entries()) {
      invocations.set(invoke.id, describeInvoke(node, index, invoke));
    }
  }
  const context: RenderContext = { ids, byId, invocations, showActions: options.actions === true };
  const lines = options.layout === 'elk' ? ['---', 'config:', '  layout: elk', '---'] : [];
  lines.push('stateDiagram-v2');
  declare(machine.root, context, lines, '  ');
  // Arrows with the same ends are drawn on top of each other, so they become one arrow with
  // a line per transition, in the order XState tries them.
  const arrows = new Map<string, string[]>();
  for (const node of nodes) {
    for (const transition of transitionsOf(node)) {
      for (const target of transition.target ?? []) {
        const ends = `${ids.get(node)} --> ${ids.get(target)}`;
        const labels = arrows.get(ends) ?? [];
        labels.push(escapeText(transitionLabel(node, transition, context, context.showActions)));
        arrows.set(ends, labels);
      }
    }
  }
  for (const [ends, labels] of arrows) lines.push(`  ${ends} : ${labels.join('<br/>')}`);
  return `${lines.join('\n')}\n`;
}

interface RenderContext {
  ids: Map<AnyStateNode, string>;
  byId: Map<string, AnyStateNode>;
  /** Per invoke id: the name its done/error events go by, and its line in the state's box. */
  invocations: Map<string, { name: string; detail: string }>;
  showActions: boolean;
}

/** Every state node, depth first, in definition order. */
function collect(node: AnyStateNode, into: AnyStateNode[] = []): AnyStateNode[] {
  into.push(node);
  for (const child of Object.values(node.states) as AnyStateNode[]) collect(child, into);
  return into;
}

/** A mermaid id per state node: its path joined with `_`, made safe and unique. */
function assignIds(nodes: AnyStateNode[]): Map<AnyStateNode, string> {
  const ids = new Map<AnyStateNode, string>();
  const used = new Set<string>();
  for (const node of nodes) {
    const raw = node.path.length === 0 ? node.id : node.path.join('_');
    let id = raw.replace(/[^A-Za-z0-9_]/g, '_') || 'state';
    if (/^[0-9]/.test(id)) id = `s_${id}`;
    if (RESERVED.has(id)) id = `${id}_`;
    let unique = id;
    for (let n = 2; used.has(unique); n++) unique = `${id}_${n}`;
    used.add(unique);
    ids.set(node, unique);
  }
  return ids;
}

/** Declares `node` (and, inside its box, its children) in its parent's box. */
function declare(node: AnyStateNode, context: RenderContext, lines: string[], indent: string) {
  const id = context.ids.get(node)!;
  const name = node.path.length === 0 ? node.id : node.key;
  const details = detailsOf(node, context);
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) {
    const title = node.type === 'history' ? `${name} (${node.history || 'shallow'} history)` : name;
    lines.push(`${indent}state "${escapeText(title)}" as ${id}`);
    for (const detail of details) lines.push(`${indent}${id} : ${escapeText(detail)}`);
    if (node.type === 'final') lines.push(`${indent}${id} --> [*]`);
    return;
  }
  // A box cannot have description lines in mermaid, so they go into its title.
  const title = [name, ...details].map(escapeText).join('<br/>');
  lines.push(`${indent}state "${title}" as ${id} {`);
  const inner = `${indent}  `;
  if (node.type === 'parallel') {
    children.forEach((child, index) => {
      if (index > 0) lines.push(`${inner}--`);
      declare(child, context, lines, inner);
    });
  } else {
    for (const target of node.initial?.target ?? []) {
      lines.push(`${inner}[*] --> ${context.ids.get(target)}`);
    }
    for (const child of children) declare(child, context, lines, inner);
  }
  lines.push(`${indent}}`);
}

/** What happens in a state without leaving it: invocations, entry/exit, targetless transitions. */
function detailsOf(node: AnyStateNode, context: RenderContext): string[] {
  const details: string[] = [];
  for (const invoke of node.invoke) details.push(context.invocations.get(invoke.id)!.detail);
  const delayed = new Set(node.after.map((transition) => transition.eventType));
  const entry = actionNames(node.entry, delayed);
  if (entry.length > 0) details.push(`entry / ${entry.join(', ')}`);
  const exit = actionNames(node.exit, delayed);
  if (exit.length > 0) details.push(`exit / ${exit.join(', ')}`);
  for (const transition of transitionsOf(node)) {
    if (transition.target && transition.target.length > 0) continue;
    details.push(transitionLabel(node, transition, context, true));
  }
  return details;
}

/** A state's transitions in definition order, eventless ones last. */
function transitionsOf(node: AnyStateNode): TransitionLike[] {
  const all: TransitionLike[] = [];
  for (const candidates of node.transitions.values()) all.push(...(candidates as TransitionLike[]));
  all.push(...((node.always ?? []) as TransitionLike[]));
  return all;
}

/** `event [guard]`, with ` / actions` when asked for. */
function transitionLabel(
  node: AnyStateNode,
  transition: TransitionLike,
  context: RenderContext,
  withActions: boolean,
): string {
  let label = eventLabel(node, transition.eventType, context);
  if (transition.guard !== undefined) label += ` [${guardLabel(transition.guard, true)}]`;
  if (withActions) {
    const actions = actionNames(transition.actions ?? [], new Set());
    if (actions.length > 0) label += ` / ${actions.join(', ')}`;
  }
  return label;
}

/** A readable name for the event a transition listens to. */
function eventLabel(node: AnyStateNode, eventType: string, context: RenderContext): string {
  if (eventType === '') return 'always';
  const delayed = node.after.find((transition) => transition.eventType === eventType);
  if (delayed) {
    const delay = delayed.delay;
    return typeof delay === 'number' ? `after ${delay} ms` : `after ${delay}`;
  }
  const actor = /^xstate\.(done|error|snapshot)\.actor\.(.*)$/.exec(eventType);
  if (actor) return `${actor[1]}: ${context.invocations.get(actor[2]!)?.name ?? actor[2]}`;
  const state = /^xstate\.done\.state\.(.*)$/.exec(eventType);
  if (state) {
    const done = context.byId.get(state[1]!);
    return done === node || !done ? 'done' : `done: ${done.key}`;
  }
  return eventType;
}

/**
 * An invocation's name (its id, unless XState generated it; then its source's name) and its
 * line in the state's box: `invoke fetcher as fetch`, or `invoke child` when both agree.
 */
function describeInvoke(
  node: AnyStateNode,
  index: number,
  invoke: { id: string; src: unknown },
): { name: string; detail: string } {
  const generatedId = invoke.id === `${index}.${node.id}`;
  const src =
    typeof invoke.src === 'string' && !invoke.src.startsWith('xstate.invoke.') ? invoke.src : null;
  if (generatedId) return { name: src ?? 'actor', detail: `invoke ${src ?? 'inline actor'}` };
  const detail =
    src === null || src === invoke.id ? `invoke ${invoke.id}` : `invoke ${src} as ${invoke.id}`;
  return { name: invoke.id, detail };
}

/** A guard by name; `and`, `or`, `not` and `stateIn` written out. */
function guardLabel(guard: unknown, top = false): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const g = guard as { check?: unknown; guards?: unknown[]; stateValue?: unknown; name: string };
    const parts = (g.guards ?? []).map((inner) => guardLabel(inner));
    let label: string | null = null;
    if (g.check === CHECK.and) label = parts.join(' and ');
    else if (g.check === CHECK.or) label = parts.join(' or ');
    else if (g.check === CHECK.not) return `not ${parts[0]}`;
    else if (g.check === CHECK.stateIn) {
      return `in ${typeof g.stateValue === 'string' ? g.stateValue : JSON.stringify(g.stateValue)}`;
    }
    if (label === null) return 'inline guard';
    return top || parts.length < 2 ? label : `(${label})`;
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    return String((guard as { type: unknown }).type);
  }
  return 'guard';
}

/** Action names, leaving out the raise/cancel pairs XState adds for delayed transitions. */
function actionNames(actions: readonly unknown[], delayed: Set<string>): string[] {
  const names: string[] = [];
  for (const action of actions) {
    if (typeof action === 'string') {
      names.push(action);
      continue;
    }
    if (action === null || (typeof action !== 'object' && typeof action !== 'function')) continue;
    const a = action as { type?: unknown; id?: unknown; sendId?: unknown; name?: string };
    if (a.type === 'xstate.raise' && typeof a.id === 'string' && delayed.has(a.id)) continue;
    if (a.type === 'xstate.cancel' && typeof a.sendId === 'string' && delayed.has(a.sendId)) {
      continue;
    }
    if (typeof a.type === 'string') names.push(a.type.replace(/^xstate\./, ''));
    else names.push(typeof action === 'function' && a.name ? a.name : 'inline action');
  }
  return names;
}

/** Makes text safe inside a mermaid label: no line breaks, quotes, `#`, `;` or angle brackets. */
function escapeText(text: string): string {
  const codes: Record<string, string> = {
    '#': '#35;',
    ';': '#59;',
    '"': '#quot;',
    '<': '#lt;',
    '>': '#gt;',
  };
  return text.replace(/\s*\n\s*/g, ' ').replace(/[#;"<>]/g, (c) => codes[c]!);
}

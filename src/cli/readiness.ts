/**
 * `--ready=NAME:KIND`: how each process of a Procfile says it is ready, for `xsup start` and
 * `xsup export systemd`.
 *
 * - `notify`: systemd's protocol; the process gets `NOTIFY_SOCKET` and sends `READY=1` there.
 * - `port`: its `PORT` (the one xsup gives it) accepts a TCP connection on 127.0.0.1.
 * - `line:REGEX`: a line of its output matches the regular expression.
 *
 * NAME is a process of the Procfile; with a formation (`-m web=3`) the check applies to every
 * instance of it, each with its own `PORT`.
 */
import type { ReadyCheck } from '../node/fromChildProcess.js';
import { INSTANCE_NAME, type Instance } from './formation.js';
import type { ProcfileEntry } from './procfile.js';
import { UsageError } from './usage.js';

/** The default of `--ready-timeout`: how long a process with a check has to be ready (ms). */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** The kinds `--ready` takes. */
export const READY_KINDS = ['notify', 'port', 'line:REGEX'] as const;

/** One `--ready` flag, as parsed. */
export type ReadySpec =
  | { name: string; kind: 'notify' | 'port' }
  | { name: string; kind: 'line'; pattern: RegExp };

const ALLOWED = `NAME:KIND, KIND one of ${READY_KINDS.join(', ')} (e.g. --ready=web:port, --ready=db:notify, --ready='worker:line:^listening')`;

/**
 * Parses the value of one `--ready` flag. A value without `:`, an unknown kind or a regular
 * expression that does not compile is a {@link UsageError} naming the flag, the value and what
 * is allowed. The name is checked against the Procfile by {@link readyChecks}.
 *
 * @example
 *
 * ```ts
 * parseReady('web:port'); // { name: 'web', kind: 'port' }
 * parseReady('worker:line:^ready in \\d+ms'); // { name: 'worker', kind: 'line', pattern: /^ready in \d+ms/ }
 * ```
 */
export function parseReady(value: string): ReadySpec {
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  const kind = colon === -1 ? '' : value.slice(colon + 1);
  if (colon === -1 || !INSTANCE_NAME.test(name)) {
    throw new UsageError(`--ready: expected ${ALLOWED}; got ${JSON.stringify(value)}`);
  }
  if (kind === 'notify' || kind === 'port') return { name, kind };
  if (kind.startsWith('line:')) {
    const source = kind.slice('line:'.length);
    if (source === '') {
      throw new UsageError(
        `--ready: the kind line needs a regular expression after "line:"; got ${JSON.stringify(value)}`,
      );
    }
    try {
      return { name, kind: 'line', pattern: new RegExp(source) };
    } catch (error) {
      throw new UsageError(
        `--ready: ${JSON.stringify(source)} in ${JSON.stringify(value)} is not a valid regular expression (${(error as Error).message})`,
      );
    }
  }
  throw new UsageError(
    `--ready: unknown kind ${JSON.stringify(kind)} in ${JSON.stringify(value)}; the kinds: ${READY_KINDS.join(', ')}`,
  );
}

/**
 * The checks of the `--ready` flags, by Procfile process name. A name that is not a process of
 * the Procfile, or one given twice, is a {@link UsageError}.
 *
 * @example
 *
 * ```ts
 * readyChecks(['web:port'], parseProcfile('web: node web.js\n'), 'Procfile'); // Map { 'web' => { name: 'web', kind: 'port' } }
 * ```
 */
export function readyChecks(
  values: readonly string[] | undefined,
  entries: readonly ProcfileEntry[],
  procfile: string,
): Map<string, ReadySpec> {
  const checks = new Map<string, ReadySpec>();
  const known = new Set(entries.map((entry) => entry.name));
  for (const value of values ?? []) {
    const spec = parseReady(value);
    if (!known.has(spec.name)) {
      const instance = /^(.+)\.\d+$/.exec(spec.name)?.[1];
      throw new UsageError(
        instance !== undefined && known.has(instance)
          ? `--ready: ${JSON.stringify(value)} names the instance "${spec.name}"; name the process ("${instance}"): the check applies to each of its instances`
          : `--ready: no process named "${spec.name}" in ${procfile} (in ${JSON.stringify(value)}); its processes: ${entries.map((entry) => entry.name).join(', ')}`,
      );
    }
    if (checks.has(spec.name)) {
      throw new UsageError(`--ready: "${spec.name}" is given twice; give one check per process`);
    }
    checks.set(spec.name, spec);
  }
  return checks;
}

/**
 * The `ready` option of `fromChildProcess` for one instance: a `port` check is on its own
 * `PORT`.
 *
 * @example
 *
 * ```ts
 * readyCheckOf({ name: 'web', kind: 'port' }, instance); // { kind: 'port', port: 5001 } for web.2
 * ```
 */
export function readyCheckOf(spec: ReadySpec, instance: Instance): ReadyCheck {
  switch (spec.kind) {
    case 'notify':
      return { kind: 'notify' };
    case 'port':
      if (instance.port < 1) {
        throw new UsageError(
          `--ready: "${spec.name}:port" checks the PORT of "${instance.name}", which is ${instance.port}; give a base port of 1 or more with -p, --port`,
        );
      }
      return { kind: 'port', port: instance.port };
    case 'line':
      return { kind: 'line', pattern: spec.pattern };
  }
}

/**
 * `xsup export systemd DIR [PROCFILE]`: systemd units that run a Procfile's processes the way
 * `xsup start` does, for a machine where systemd is the supervisor.
 *
 * One target (`app.target`) and one service per process, or per instance with a formation
 * (`app-web.1.service`), and `app.env`, the variables of the env files in the syntax of
 * systemd's `EnvironmentFile=`. Each service runs its command as `xsup start` does
 * (`/bin/sh -c` with `exec` or the `trap`), in the same working directory, with the same
 * variables, `PORT` and `PS`; and it is stopped and restarted as xsup would: SIGTERM to every
 * process of the service, SIGKILL after the grace period (`KillMode=control-group`,
 * `TimeoutStopSec`), restarted after the same kinds of end (`Restart=`), with the same first
 * delay growing to the same longest one (`RestartSec`, `RestartSteps`, `RestartMaxDelaySec`),
 * and the same restart limit; on systemd before 254, where the delay does not grow, a start
 * limit ends a crash loop instead. A process with `--ready=NAME:notify` gets `Type=notify`, so
 * that systemd waits for its `READY=1` (within `--ready-timeout`, as `TimeoutStartSec`), and
 * with `--sequential` each service is ordered after, and requires, the one before it.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LineWriter } from '../node/fromChildProcess.js';
import { shellCommand } from '../node/shellCommand.js';
import type { RestartType } from '../policy/options.js';
import { envFiles, loadEnvFiles } from './env.js';
import { basePort, type Formation, type Instance, planInstances } from './formation.js';
import { readProcfile } from './procfile.js';
import { type ReadySpec, readyChecks } from './readiness.js';
import { SYSTEMD_HEADER, systemdEnvFile, systemdVars } from './systemdEnv.js';
import { serviceType } from './systemdReadiness.js';
import { UsageError } from './usage.js';

export { SYSTEMD_HEADER };

/** The longest start-limit window the export writes without `--max-restarts`: one day. */
const MAX_WINDOW_MS = 86_400_000;

/** What the units are made from. */
export interface SystemdExport {
  /** The app's name: the target's name and the prefix of each service's. */
  app: string;
  /** The Procfile's absolute path (named in the units). */
  procfile: string;
  /** The working directory of every process (absolute). */
  root: string;
  /** The user the processes run as. Default: systemd's (root for system units). */
  user?: string;
  /** Absolute paths of the env files that were read, in order (later ones win). */
  envFiles: readonly string[];
  /** The variables of the env files, merged as `xsup start` merges them. */
  vars: Readonly<Record<string, string>>;
  /** The absolute path the units read the variables from: the `APP.env` written beside them. */
  envFile: string;
  instances: readonly Instance[];
  restart: RestartType;
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  shutdownTimeout: number;
  /** The `--ready` checks, by Procfile process name. */
  ready?: ReadonlyMap<string, ReadySpec>;
  /** `--ready-timeout`, in ms: `TimeoutStartSec` of a `notify` service. */
  readyTimeout?: number;
  /** `--sequential`: each service after, and requiring, the one before it. */
  sequential?: boolean;
}

/** One file to write. */
export interface UnitFile {
  file: string;
  text: string;
  /** Its mode, when it is not the default one: 0600 for the env file, which holds values. */
  mode?: number;
}

const RESTART: Record<RestartType, string> = {
  permanent: 'always',
  transient: 'on-failure',
  temporary: 'no',
};

/**
 * A duration in systemd's syntax: `10s`, or `1500ms` when it is not whole seconds.
 *
 * @example
 *
 * ```ts
 * systemdDuration(10_000); // '10s'
 * systemdDuration(1_500); // '1500ms'
 * ```
 */
export function systemdDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Escapes text for a unit file's value: `%` starts a specifier in systemd. */
function specifiers(text: string): string {
  return text.replaceAll('%', '%%');
}

/**
 * Quotes an argument for `ExecStart=`: double quotes, with `\` and `"` escaped, `$` doubled
 * (so that the shell, not systemd, expands variables, as under `xsup start`) and `%` doubled.
 *
 * @example
 *
 * ```ts
 * execArgument('exec node server.js --port $PORT'); // '"exec node server.js --port $$PORT"'
 * ```
 */
export function execArgument(text: string): string {
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '$$$$');
  return `"${specifiers(escaped)}"`;
}

/**
 * The number of steps over which systemd 254 or later grows the restart delay from the first
 * to the longest, as `--backoff-factor` makes xsup's grow; 0 when it does not grow.
 */
function restartSteps(o: SystemdExport): number {
  const max = Math.max(o.backoffMax, o.backoffInitial);
  if (o.restart === 'temporary' || o.backoffInitial <= 0 || max <= o.backoffInitial) return 0;
  if (o.backoffFactor <= 1) return 0;
  return Math.ceil(Math.log(max / o.backoffInitial) / Math.log(o.backoffFactor));
}

/** The restart delays as systemd's: the first delay, and (254 or later) how it grows. */
function restartDelays(o: SystemdExport, steps: number): string[] {
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
function startLimit(o: SystemdExport, steps: number): string[] {
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

/**
 * The files of the export: the target first, then a service per instance, then the env file
 * (mode 0600) when the env files set any variable but `PORT` and `PS`.
 *
 * @example
 *
 * ```ts
 * const units = systemdUnits({
 *   app: 'shop', procfile: '/srv/shop/Procfile', root: '/srv/shop', instances, ...flags,
 *   envFiles: ['/srv/shop/.env'], vars: { DATABASE_URL: '…' }, envFile: '/srv/shop/deploy/shop.env',
 * });
 * units.map((unit) => unit.file);
 * // ['shop.target', 'shop-web.1.service', 'shop-web.2.service', 'shop-worker.service', 'shop.env']
 * ```
 */
export function systemdUnits(o: SystemdExport): UnitFile[] {
  const services = o.instances.map((instance) => `${o.app}-${instance.name}.service`);
  const header = [
    SYSTEMD_HEADER,
    `# From ${specifiers(o.procfile)}; export again after changing it.`,
  ];
  const target: UnitFile = {
    file: `${o.app}.target`,
    text: [
      ...header,
      '[Unit]',
      `Description=${specifiers(o.app)}: the processes of ${specifiers(o.procfile)}`,
      `Wants=${services.join(' ')}`,
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  };
  const steps = restartSteps(o);
  const limit = startLimit(o, steps);
  const env = systemdEnvFile(o.vars, { envFiles: o.envFiles, app: o.app });
  const units = o.instances.map((instance, i): UnitFile => {
    const check = o.ready?.get(instance.entry.name);
    const previous = o.sequential && i > 0 ? services[i - 1] : undefined;
    const exec = shellCommand(instance.entry.command);
    const lines = [
      ...header,
      '[Unit]',
      `Description=${specifiers(o.app)}: ${specifiers(instance.name)} (${specifiers(o.procfile)} line ${instance.entry.line})`,
      `PartOf=${o.app}.target`,
      'After=network.target',
      ...(previous === undefined
        ? []
        : [
            `# --sequential: started once ${previous} has started${o.ready?.get(o.instances[i - 1]!.entry.name)?.kind === 'notify' ? ' and said READY=1' : ''}; stopped with it.`,
            `After=${previous}`,
            `Requires=${previous}`,
          ]),
      ...limit,
      '',
      '[Service]',
      ...serviceType(check, exec, o.readyTimeout),
      ...(o.user === undefined ? [] : [`User=${specifiers(o.user)}`]),
      `WorkingDirectory=${specifiers(o.root)}`,
      // As under xsup, PORT and PS win over the env files': the env file has neither.
      `Environment=PORT=${instance.port}`,
      `Environment=PS=${instance.ps}`,
      ...(env === null ? [] : [`EnvironmentFile=${specifiers(o.envFile)}`]),
      `ExecStart=/bin/sh -c ${execArgument(exec)}`,
      '# SIGHUP to every process of the service, as xsup reloads.',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd expands ${MAINPID} itself
      'ExecReload=/bin/kill -s HUP -- -${MAINPID}',
      '# SIGTERM to every process of the service, SIGKILL to what is left after the grace period.',
      'KillMode=control-group',
      'KillSignal=SIGTERM',
      `TimeoutStopSec=${systemdDuration(Math.max(1, o.shutdownTimeout))}`,
      '# A shell ended by SIGTERM exits with 143: a clean stop.',
      'SuccessExitStatus=143',
      `Restart=${RESTART[o.restart]}`,
      ...(o.restart === 'temporary' ? [] : restartDelays(o, steps)),
      `SyslogIdentifier=${specifiers(`${o.app}-${instance.name}`)}`,
      '',
    ];
    return { file: services[i]!, text: lines.join('\n') };
  });
  return [
    target,
    ...units,
    ...(env === null ? [] : [{ file: `${o.app}.env`, text: env, mode: 0o600 }]),
  ];
}

/**
 * Writes the unit files into `dir` (made when missing), and removes the files an earlier
 * export of the same app wrote there that are not written again (an instance that is gone).
 * Files it did not write are left alone.
 *
 * @example
 *
 * ```ts
 * const { written, removed } = await writeUnits('deploy/systemd', 'shop', systemdUnits(options));
 * ```
 */
export async function writeUnits(
  dir: string,
  app: string,
  units: readonly UnitFile[],
): Promise<{ written: string[]; removed: string[] }> {
  await mkdir(dir, { recursive: true });
  const keep = new Set(units.map((unit) => unit.file));
  const removed: string[] = [];
  for (const file of await readdir(dir)) {
    if (
      keep.has(file) ||
      !(
        file === `${app}.target` ||
        file === `${app}.env` ||
        (file.startsWith(`${app}-`) && file.endsWith('.service'))
      )
    ) {
      continue;
    }
    const path = join(dir, file);
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.startsWith(SYSTEMD_HEADER)) {
      await rm(path);
      removed.push(path);
    }
  }
  const written: string[] = [];
  for (const unit of units) {
    const path = join(dir, unit.file);
    if (unit.mode === undefined) {
      await writeFile(path, unit.text);
    } else {
      // Written with its mode from the start, and put in place whole.
      const partial = `${path}.${process.pid}.partial`;
      await rm(partial, { force: true });
      await writeFile(partial, unit.text, { mode: unit.mode, flag: 'wx' });
      await rename(partial, path);
    }
    written.push(path);
  }
  return { written, removed };
}

/** The flags of `xsup export systemd`. */
export interface ExportOptions {
  env?: string | false;
  port?: number;
  formation?: Formation;
  restart: RestartType;
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  shutdownTimeout: number;
  ready?: string[];
  readyTimeout?: number;
  sequential?: boolean;
  app?: string;
  user?: string;
  root?: string;
}

/**
 * `xsup export systemd DIR PROCFILE`: reads the Procfile and its env files as `xsup start`
 * would, writes the units and their env file into `dir`, and says on `stdout` what it wrote
 * and removed. Bad input is a `ProcfileError`, an `EnvFileError` or a {@link UsageError}.
 *
 * @example
 *
 * ```ts
 * await exportSystemd({ stdout: process.stdout, stderr: process.stderr, env: process.env }, 'units', 'Procfile', flags);
 * ```
 */
export async function exportSystemd(
  io: { stdout: LineWriter; stderr: LineWriter; env: Record<string, string | undefined> },
  dir: string,
  file: string,
  options: ExportOptions,
): Promise<void> {
  const entries = await readProcfile(file);
  const loaded = await loadEnvFiles(envFiles({ env: options.env, procfile: file }));
  const instances = planInstances(entries, {
    procfile: file,
    ...(options.formation ? { formation: options.formation } : {}),
    basePort: basePort(options.port, loaded.vars, io.env),
  });
  const ready = readyChecks(options.ready, entries, file);
  const procfile = resolve(file);
  const app = options.app ?? basename(dirname(procfile)).replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(app)) {
    throw new UsageError(
      `-a, --app must be letters, digits, "_", "-" and "."; got ${JSON.stringify(app)}`,
    );
  }
  const units = systemdUnits({
    app,
    procfile,
    root: resolve(options.root ?? '.'),
    ...(options.user === undefined ? {} : { user: options.user }),
    envFiles: loaded.files.map((envFile) => resolve(envFile)),
    vars: systemdVars(loaded),
    envFile: resolve(dir, `${app}.env`),
    instances,
    restart: options.restart,
    backoffInitial: options.backoffInitial,
    backoffMax: options.backoffMax,
    backoffFactor: options.backoffFactor,
    ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }),
    maxRestartsWindow: options.maxRestartsWindow,
    shutdownTimeout: options.shutdownTimeout,
    ready,
    ...(options.readyTimeout === undefined ? {} : { readyTimeout: options.readyTimeout }),
    ...(options.sequential ? { sequential: true } : {}),
  });
  const { written, removed } = await writeUnits(dir, app, units);
  for (const path of removed) io.stdout.write(`removed ${path}\n`);
  for (const path of written) {
    const note = path.endsWith('.env') ? ' (mode 0600: it holds the values of the env files)' : '';
    io.stdout.write(`wrote ${path}${note}\n`);
  }
}

/**
 * `xsup export systemd DIR [PROCFILE]`: systemd units that run a Procfile's processes the way
 * `xsup start` does, for a machine where systemd is the supervisor.
 *
 * One target (`app.target`) and one service per process, or per instance with a formation
 * (`app-web.1.service`). Each service runs its command as `xsup start` does (`/bin/sh -c` with
 * `exec` or the `trap`), in the same working directory, with the same env files and `PORT`; and
 * it is stopped and restarted as xsup would: SIGTERM to every process of the service, SIGKILL
 * after the grace period (`KillMode=control-group`, `TimeoutStopSec`), restarted after the same
 * kinds of end (`Restart=`), with the same first delay growing to the same longest one
 * (`RestartSec`, `RestartSteps`, `RestartMaxDelaySec`), and the same restart limit.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LineWriter } from '../node/fromChildProcess.js';
import { shellCommand } from '../node/shellCommand.js';
import type { RestartType } from '../policy/options.js';
import { envFiles, loadEnvFiles } from './env.js';
import { basePort, type Formation, type Instance, planInstances } from './formation.js';
import { readProcfile } from './procfile.js';
import { UsageError } from './usage.js';

/** The first line of every file the export writes; only such files are ever removed. */
export const SYSTEMD_HEADER = '# Written by xsup export systemd.';

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
  /** Absolute paths of the env files, in order (later ones win). */
  envFiles: readonly string[];
  instances: readonly Instance[];
  restart: RestartType;
  backoffInitial: number;
  backoffMax: number;
  backoffFactor: number;
  maxRestarts?: number;
  maxRestartsWindow: number;
  shutdownTimeout: number;
}

/** One file to write. */
export interface UnitFile {
  file: string;
  text: string;
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
 * The restart delays as systemd's: the first delay, and (systemd 254 or later) the number of
 * steps and the longest delay over which it grows, as `--backoff-factor` makes xsup's grow.
 */
function restartDelays(o: SystemdExport): string[] {
  const max = Math.max(o.backoffMax, o.backoffInitial);
  const lines = [`RestartSec=${systemdDuration(o.backoffInitial)}`];
  if (o.backoffInitial > 0 && max > o.backoffInitial && o.backoffFactor > 1) {
    const steps = Math.ceil(Math.log(max / o.backoffInitial) / Math.log(o.backoffFactor));
    lines.push(
      `# The delay grows over ${steps} restarts to the longest one (systemd 254 or later).`,
      `RestartSteps=${steps}`,
      `RestartMaxDelaySec=${systemdDuration(max)}`,
    );
  }
  return lines;
}

/**
 * The unit files for a Procfile: the target first, then a service per instance.
 *
 * @example
 *
 * ```ts
 * const units = systemdUnits({ app: 'shop', procfile: '/srv/shop/Procfile', root: '/srv/shop', envFiles: [], instances, ...flags });
 * units.map((unit) => unit.file); // ['shop.target', 'shop-web.1.service', 'shop-web.2.service', 'shop-worker.service']
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
  const limit =
    o.maxRestarts === undefined
      ? ['# No restart limit, as xsup without --max-restarts.', 'StartLimitIntervalSec=0']
      : [
          `# More than ${o.maxRestarts} restarts within ${o.maxRestartsWindow} ms: give up (--max-restarts).`,
          `StartLimitIntervalSec=${systemdDuration(o.maxRestartsWindow)}`,
          `StartLimitBurst=${o.maxRestarts + 1}`,
        ];
  const units = o.instances.map((instance, i): UnitFile => {
    const lines = [
      ...header,
      '[Unit]',
      `Description=${specifiers(o.app)}: ${specifiers(instance.name)} (${specifiers(o.procfile)} line ${instance.entry.line})`,
      `PartOf=${o.app}.target`,
      'After=network.target',
      ...limit,
      '',
      '[Service]',
      'Type=simple',
      ...(o.user === undefined ? [] : [`User=${specifiers(o.user)}`]),
      `WorkingDirectory=${specifiers(o.root)}`,
      ...o.envFiles.map((file) => `EnvironmentFile=${specifiers(file)}`),
      // Set last, so that it wins over a PORT of the env files, as under xsup.
      `ExecStart=/usr/bin/env PORT=${instance.port} /bin/sh -c ${execArgument(shellCommand(instance.entry.command))}`,
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
      ...(o.restart === 'temporary' ? [] : restartDelays(o)),
      `SyslogIdentifier=${specifiers(`${o.app}-${instance.name}`)}`,
      '',
    ];
    return { file: services[i]!, text: lines.join('\n') };
  });
  return [target, ...units];
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
      !(file === `${app}.target` || (file.startsWith(`${app}-`) && file.endsWith('.service')))
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
    await writeFile(path, unit.text);
    written.push(path);
  }
  return { written, removed };
}

/**
 * Lines of an env file that systemd's `EnvironmentFile=` reads differently from xsup:
 * `export KEY=value`, which xsup accepts as foreman does and systemd does not.
 *
 * @example
 *
 * ```ts
 * systemdEnvWarnings('.env', 'export A=1\nB=2\n'); // ['.env:1: …']
 * ```
 */
export function systemdEnvWarnings(file: string, text: string): string[] {
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*export\s/.test(line)) {
      warnings.push(
        `${file}:${index + 1}: systemd's EnvironmentFile= does not take the "export " prefix; write KEY=value there for the units`,
      );
    }
  });
  return warnings;
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
  app?: string;
  user?: string;
  root?: string;
}

/**
 * `xsup export systemd DIR PROCFILE`: reads the Procfile and its env files as `xsup start`
 * would, writes the units into `dir`, and says on `stdout` what it wrote and removed, on
 * `stderr` what systemd will read differently. Bad input is a `ProcfileError` or a
 * {@link UsageError}.
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
  const procfile = resolve(file);
  const app = options.app ?? basename(dirname(procfile)).replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(app)) {
    throw new UsageError(
      `-a, --app must be letters, digits, "_", "-" and "."; got ${JSON.stringify(app)}`,
    );
  }
  for (const envFile of loaded.files) {
    for (const warning of systemdEnvWarnings(envFile, await readFile(envFile, 'utf8'))) {
      io.stderr.write(`xsup: ${warning}\n`);
    }
  }
  const units = systemdUnits({
    app,
    procfile,
    root: resolve(options.root ?? '.'),
    ...(options.user === undefined ? {} : { user: options.user }),
    envFiles: loaded.files.map((envFile) => resolve(envFile)),
    instances,
    restart: options.restart,
    backoffInitial: options.backoffInitial,
    backoffMax: options.backoffMax,
    backoffFactor: options.backoffFactor,
    ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }),
    maxRestartsWindow: options.maxRestartsWindow,
    shutdownTimeout: options.shutdownTimeout,
  });
  const { written, removed } = await writeUnits(dir, app, units);
  for (const path of removed) io.stdout.write(`removed ${path}\n`);
  for (const path of written) io.stdout.write(`wrote ${path}\n`);
}

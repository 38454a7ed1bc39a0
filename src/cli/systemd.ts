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
 *
 * This module reads the Procfile and its env files and writes the files; their text is made in
 * `systemdUnits.ts`, with the restart policy of `systemdRestart.ts`.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LineWriter } from '../node/fromChildProcess.js';
import { envFiles, loadEnvFiles } from './env.js';
import { basePort, type Formation, planInstances } from './formation.js';
import { readProcfile } from './procfile.js';
import { readyChecks } from './readiness.js';
import { SYSTEMD_HEADER, systemdVars } from './systemdEnv.js';
import type { RestartFlags } from './systemdRestart.js';
import { systemdUnits, type UnitFile } from './systemdUnits.js';
import { UsageError } from './usage.js';

export { SYSTEMD_HEADER };

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
export interface ExportOptions extends RestartFlags {
  env?: string | false;
  port?: number;
  formation?: Formation;
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

/**
 * The unit files of `xsup export systemd`: what they are made from, and the text of the target,
 * of each instance's service and of the env file.
 */
import { shellCommand } from '../node/shellCommand.js';
import type { Instance } from './formation.js';
import type { ReadySpec } from './readiness.js';
import { SYSTEMD_HEADER, systemdEnvFile } from './systemdEnv.js';
import { serviceType } from './systemdReadiness.js';
import {
  RESTART,
  type RestartFlags,
  restartDelays,
  restartSteps,
  startLimit,
} from './systemdRestart.js';
import { execArgument, specifiers, systemdDuration } from './systemdSyntax.js';

/** What the units are made from. */
export interface SystemdExport extends RestartFlags {
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

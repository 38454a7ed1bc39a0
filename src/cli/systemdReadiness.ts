/**
 * What `--ready` makes of a unit of `xsup export systemd`: its `Type=` and the lines that go
 * with it.
 */
import type { ReadySpec } from './readiness.js';
import { systemdDuration } from './systemdSyntax.js';

/**
 * The service's type: `notify` for `--ready=NAME:notify`, the notifications taken from the
 * program itself when the shell runs it with `exec` (it is then the main process), from any
 * process of the service when the shell stays its parent; `simple` otherwise, which systemd
 * counts as started at once (it has no check of ports or lines).
 *
 * @example
 *
 * ```ts
 * serviceType({ name: 'db', kind: 'notify' }, 'exec postgres', 60_000);
 * // ['# --ready=db:notify: …', 'Type=notify', 'NotifyAccess=main', '# Not ready …', 'TimeoutStartSec=60s']
 * ```
 */
export function serviceType(
  check: ReadySpec | undefined,
  exec: string,
  readyTimeout: number | undefined,
): string[] {
  if (check?.kind !== 'notify') {
    return [
      ...(check === undefined
        ? []
        : [
            `# --ready=${check.name}:${check.kind}: systemd has no such check; the service counts as started at once.`,
          ]),
      'Type=simple',
    ];
  }
  const main = exec.startsWith('exec ');
  return [
    `# --ready=${check.name}:notify: started once the program sends READY=1 on NOTIFY_SOCKET${main ? '' : ' (from the shell that runs the command, or any process it starts)'}.`,
    'Type=notify',
    `NotifyAccess=${main ? 'main' : 'all'}`,
    ...(readyTimeout === undefined
      ? []
      : [
          '# Not ready within --ready-timeout: the start failed.',
          `TimeoutStartSec=${systemdDuration(Math.max(1, readyTimeout))}`,
        ]),
  ];
}

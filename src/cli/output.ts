/**
 * Where `xsup` writes the output of its processes: as they wrote it behind their prefix, or
 * with `--json` as one JSON record per line. Either way each chunk of a process's output is
 * one write to stdout, and a stdout that cannot keep up holds the processes back
 * (`fromChildProcess` pauses reading while `write` returns `false`, until `drain`).
 */
import type { LifecycleEvent } from '../lifecycle.js';
import type { LineWriter } from '../node/childProcessOptions.js';

/**
 * A writer that turns the lines `fromChildProcess` writes (no prefix, each ending with `\n`)
 * into JSON records `{ time, name, stream, line }`, one write per chunk. Empty lines are kept;
 * a `\r` before the line break is not part of the line. Text that is not valid UTF-8 shows as
 * U+FFFD, as JSON holds text only.
 *
 * @example
 *
 * ```ts
 * fromChildProcess({ command: 'node', args: ['web.js'], prefix: false, stdout: jsonLines(process.stdout, 'web', 'stdout') });
 * ```
 */
export function jsonLines(
  out: LineWriter,
  name: string,
  stream: 'stdout' | 'stderr',
  now: () => Date = () => new Date(),
): LineWriter {
  return {
    write(chunk: string | Uint8Array) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const lines = text.split('\n');
      // Each line ends with a line break, so the last piece is empty.
      if (lines[lines.length - 1] === '') lines.pop();
      const time = now().toISOString();
      let records = '';
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        records += `${JSON.stringify({ time, name, stream, line })}\n`;
      }
      return out.write(records);
    },
    ...(typeof out.once === 'function'
      ? { once: (event: 'drain', listener: () => void) => out.once!(event, listener) }
      : {}),
  };
}

/**
 * The text of a lifecycle line: one line. The stderr tail a failed process's error carries is
 * left out, as its stderr lines were already shown behind its prefix.
 *
 * @example
 *
 * ```ts
 * oneLine('web: failed (failure 1): ChildProcessError: … exited with code 1; its last line of stderr:\n  boom');
 * // 'web: failed (failure 1): ChildProcessError: … exited with code 1 (its stderr is above)'
 * ```
 */
export function oneLine(line: string): string {
  const [first = ''] = line.split('\n', 1);
  return first.replace(/; its last (?:line|\d+ lines) of stderr:$/, ' (its stderr is above)');
}

/**
 * Follows the lifecycle of the processes and tells whether one failed and no restart was
 * scheduled for it (`--restart=temporary`): such a run ends with exit code 1, whatever the
 * group's own end. A process waiting for its restart when a shutdown comes is not counted.
 *
 * @example
 *
 * ```ts
 * const failures = failureTracker();
 * observeLifecycle(actor, failures.observe);
 * // … after the run:
 * if (failures.failedForGood()) exitCode = 1;
 * ```
 */
export function failureTracker(): {
  observe: (event: LifecycleEvent) => void;
  failedForGood: () => boolean;
} {
  const failed = new Set<string>();
  return {
    observe(event) {
      const key = `${event.supervisorId}/${event.childId}`;
      if (event.type === 'child.failed') failed.add(key);
      // A restart is due (a shutdown may still cancel it: that is no failure of the run).
      else if (event.type === 'restart.scheduled' || event.type === 'child.started') {
        failed.delete(key);
      }
    },
    failedForGood: () => failed.size > 0,
  };
}

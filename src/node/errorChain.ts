/**
 * The failure report of `runMain`: an error and its chain of causes as text, with the stack
 * frames of the innermost error when they help.
 */
import { describe } from '../policy/options.js';
import { ChildProcessError } from './fromChildProcess.js';

/**
 * Writes an error and its chain of `cause`s as text, one `caused by` line per level, messages
 * of several lines indented under their line. With `stack`, the stack frames of the innermost
 * error follow.
 *
 * @example
 *
 * ```ts
 * formatErrorChain(new Error('request failed', { cause: new Error('ECONNRESET') }));
 * // 'Error: request failed\n  caused by Error: ECONNRESET'
 * ```
 */
export function formatErrorChain(error: unknown, options: { stack?: boolean } = {}): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  let innermost: unknown = error;
  for (let depth = 0; depth < 10; depth += 1) {
    if (seen.has(current)) {
      lines.push('  caused by (a cause seen above)');
      break;
    }
    seen.add(current);
    innermost = current;
    const [first = '', ...rest] = describeError(current).split('\n');
    const indent = depth === 0 ? '' : '  ';
    lines.push(`${indent}${depth === 0 ? '' : 'caused by '}${first}`);
    for (const line of rest) lines.push(`${indent}  ${line}`);
    const cause = current instanceof Error ? current.cause : undefined;
    if (cause === undefined) break;
    current = cause;
  }
  if (options.stack && innermost instanceof Error && innermost.stack) {
    const frames = innermost.stack.split('\n').filter((line) => /^\s+at /.test(line));
    for (const frame of frames) lines.push(`    ${frame.trim()}`);
  }
  return lines.join('\n');
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `${error === null ? 'null' : typeof error}: ${describe(error)}`;
}

/** Stack frames help with a program's own errors, not with a child process's exit. */
export function wantsStack(error: unknown): boolean {
  let innermost = error;
  for (let depth = 0; depth < 10 && innermost instanceof Error && innermost.cause; depth += 1) {
    innermost = innermost.cause;
  }
  return innermost instanceof Error && !(innermost instanceof ChildProcessError);
}

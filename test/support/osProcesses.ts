/**
 * Helpers for tests that break real processes the way operators do: every descendant of a
 * pid (read from /proc, so processes that left their group or were re-parented to PID 1 are
 * found by the pids seen earlier), the resident memory of a process, and a runner of `xsup`
 * from source that keeps its raw stdout bytes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../fixtures/processes.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every live process whose parent chain leads to `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid && !found.includes(child)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found.filter(isAlive);
}

/** The resident set size of a process, in bytes (Linux). */
export function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Which of these pids are still alive. */
export function alive(pids: readonly number[]): number[] {
  return pids.filter(isAlive);
}

/** A real `xsup` process run from source, its stdout kept as bytes. */
export class XsupProcess {
  readonly child: ChildProcess;
  readonly chunks: Buffer[] = [];
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], options: { paused?: boolean } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NO_COLOR;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/xsup.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    if (options.paused) this.child.stdout!.pause();
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.closed = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  stdout(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.stdout().toString('utf8');
  }
}

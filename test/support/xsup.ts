/**
 * Running the real `xsup` in end-to-end tests (the built `dist/cli/xsup.js`, which the global
 * setup, test/support/build.ts, builds from `src/` before the tests run): a started `xsup`, its
 * output so far, waits for lines and for its end with generous bounds, and cleanup of every
 * process it reported (`pid=N` in the fixtures' lines).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { killAll } from '../fixtures/processes.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WORKER = fileURLToPath(new URL('../fixtures/cli/worker.mjs', import.meta.url));
const XSUP = fileURLToPath(new URL('../../dist/cli/xsup.js', import.meta.url));
/** How long a line or an exit may take to come, on a loaded machine. */
export const BOUND_MS = 12_000;

/** Quotes a word for `/bin/sh`, when it needs quotes. */
export const quote = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** The Procfile command that runs the worker fixture with these flags. */
export const worker = (...flags: string[]) =>
  [quote(process.execPath), quote(WORKER), ...flags.map(quote)].join(' ');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `xsup`. */
export class Xsup {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  private readonly closed: Promise<Exit>;
  private readonly wakers = new Set<() => void>();

  constructor(
    args: readonly string[],
    options: { cwd?: string; env?: Record<string, string | undefined> } = {},
  ) {
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: undefined,
      PORT: undefined,
      ...options.env,
    };
    for (const [key, value] of Object.entries(environment)) {
      if (value === undefined) delete environment[key];
    }
    this.child = spawn(process.execPath, [XSUP, ...args], {
      cwd: options.cwd ?? ROOT,
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  /** Complete lines written so far to a stream. */
  lines(stream: 'stdout' | 'stderr' = 'stdout'): string[] {
    const text = this[stream];
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .slice(0, -1);
  }

  /** Every pid the fixtures reported (`pid=N`). */
  pids(): number[] {
    const pids = new Set<number>();
    for (const line of this.lines()) {
      for (const match of line.matchAll(/pid=(\d+)/g)) pids.add(Number(match[1]));
    }
    return [...pids];
  }

  /** Waits until `count` complete lines of a stream match, and returns their matches. */
  async waitLines(
    pattern: RegExp,
    count = 1,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): Promise<RegExpExecArray[]> {
    const deadline = performance.now() + BOUND_MS;
    for (;;) {
      const matches = this.lines(stream)
        .map((line) => pattern.exec(line))
        .filter((match) => match !== null);
      if (matches.length >= count) return matches;
      const what = `${count} line(s) of ${stream} matching ${pattern}`;
      if (this.exit) throw new Error(`xsup ended before writing ${what}\n${this.transcript()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${what} within ${BOUND_MS} ms\n${this.transcript()}`);
      await this.nextOutput(left);
    }
  }

  /** Waits for one line and returns its match. */
  async waitLine(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout') {
    return (await this.waitLines(pattern, 1, stream))[0]!;
  }

  /** Waits for `xsup` to end. */
  async finished(): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`xsup did not end within ${BOUND_MS} ms\n${this.transcript()}`)),
        BOUND_MS,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends `xsup` and every process it reported, whatever state the test left them in. */
  cleanup(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
    killAll(this.pids());
  }

  transcript(): string {
    return `--- exit: ${JSON.stringify(this.exit)}\n--- stdout:\n${this.stdout}--- stderr:\n${this.stderr}`;
  }

  private nextOutput(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}

/** Runs `xsup` to its end (a command such as `xsup status`) and returns its exit and output. */
export async function xsupOnce(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ exit: Exit; stdout: string; stderr: string; run: Xsup }> {
  const run = new Xsup(args, options);
  try {
    const exit = await run.finished();
    return { exit, stdout: run.stdout, stderr: run.stderr, run };
  } finally {
    run.cleanup();
  }
}

/**
 * A maker of project directories for one test file: each call writes `files` into a new
 * directory under one temporary root, made before the file's tests and removed after them.
 */
export function tempProjects(prefix: string): (files: Record<string, string>) => Promise<string> {
  let root: string;
  let dirs = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  return async (files) => {
    dirs += 1;
    const dir = join(root, `p${dirs}`);
    await mkdir(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  };
}

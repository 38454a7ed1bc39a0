/**
 * The stderr tail of a child process: its last few stderr lines, kept for the error of a
 * process that fails (`ChildProcessError.stderrTail`).
 */

/** Keeps the last `limit` lines given to it. */
export class StderrTail {
  private readonly kept: string[] = [];

  constructor(private readonly limit: number) {}

  /** Adds a line, dropping the oldest once more than `limit` are kept. */
  push(line: string): void {
    if (this.limit === 0) return;
    this.kept.push(line);
    if (this.kept.length > this.limit) this.kept.shift();
  }

  /** The lines kept, oldest first. */
  lines(): string[] {
    return [...this.kept];
  }
}

/**
 * The output path of a child process: its stdout and stderr are cut into lines as bytes
 * arrive, each line gets the process's prefix, and each chunk read from the pipe becomes one
 * write, with backpressure.
 *
 * Bytes pass as the process wrote them (invalid UTF-8 and `\r\n` included); only the prefix is
 * added in front of each line, and a line break after a last line that had none. A line longer
 * than {@link MAX_LINE_LENGTH} bytes is passed on in pieces, each cut between two characters.
 * When the writer cannot keep up (its `write` returns `false`), reading from the pipe pauses
 * until it emits `drain`: the pipe fills and the process waits, so nothing piles up in memory.
 */
import type { Readable } from 'node:stream';

/** A line longer than this (in bytes) is passed on in pieces, cut between characters. */
export const MAX_LINE_LENGTH = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** Where output goes: anything with `write`, and for backpressure, `once('drain')`. */
export interface ChunkWriter {
  write(chunk: Uint8Array): unknown;
  once?: (event: 'drain', listener: () => void) => unknown;
}

/** How {@link forwardLines} passes a stream on. */
export interface ForwardOptions {
  /** Written in front of each line. */
  prefix: Uint8Array;
  /** Where prefixed lines are written; `false` writes nothing. */
  writer: ChunkWriter | false;
  /** Called with each line as text (UTF-8, line break removed); omit to skip decoding. */
  onLine?: ((line: string) => void) | undefined;
  /** Asked before each chunk: whether `onLine` wants its lines. Default always. */
  wantsLines?: (() => boolean) | undefined;
}

/**
 * Where a line that is too long is cut: at `MAX_LINE_LENGTH`, or a little before it when a
 * UTF-8 character starts before that point and continues after it.
 */
export function cutPoint(bytes: Uint8Array, start: number, max = MAX_LINE_LENGTH): number {
  const limit = start + max;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of their character.
  let lead = limit;
  while (lead > limit - 3 && lead > start && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  if (lead === limit) return limit;
  const byte = bytes[lead]!;
  const length = byte >= 0xf0 && byte <= 0xf7 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 0;
  // Not a character that covers the limit (stray bytes, not UTF-8): any cut keeps every byte.
  return length > 0 && lead + length > limit && lead > start ? lead : limit;
}

/**
 * Splits `chunk` (after `pending`, the unfinished line of earlier chunks) into prefixed lines.
 * Returns the bytes to write (or `undefined` when no line is complete), the text of each
 * complete line when `decode` is set, and the unfinished rest.
 */
export function splitChunk(
  pending: Buffer | undefined,
  chunk: Buffer,
  prefix: Uint8Array,
  decode: boolean,
  max = MAX_LINE_LENGTH,
): { out: Buffer | undefined; lines: string[]; rest: Buffer | undefined } {
  const data = pending && pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
  // [start, end) of each line to write, end including its line break; a cut piece gets one.
  const starts: number[] = [];
  const ends: number[] = [];
  const breaks: boolean[] = [];
  let start = 0;
  let size = 0;
  for (;;) {
    const newline = data.indexOf(LF, start);
    const lineEnd = newline === -1 ? data.length : newline;
    if (lineEnd - start > max) {
      const cut = cutPoint(data, start, max);
      starts.push(start);
      ends.push(cut);
      breaks.push(true);
      size += prefix.length + (cut - start) + 1;
      start = cut;
      continue;
    }
    if (newline === -1) break;
    starts.push(start);
    ends.push(newline + 1);
    breaks.push(false);
    size += prefix.length + (newline + 1 - start);
    start = newline + 1;
  }
  const rest = start < data.length ? data.subarray(start) : undefined;
  const lines: string[] = [];
  if (starts.length === 0) return { out: undefined, lines, rest };
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < starts.length; i += 1) {
    const s = starts[i]!;
    const e = ends[i]!;
    out.set(prefix, at);
    at += prefix.length;
    data.copy(out, at, s, e);
    at += e - s;
    if (breaks[i]) {
      out[at] = LF;
      at += 1;
    }
    if (decode) {
      let textEnd = breaks[i] ? e : e - 1;
      if (!breaks[i] && textEnd > s && data[textEnd - 1] === CR) textEnd -= 1;
      lines.push(data.toString('utf8', s, textEnd));
    }
  }
  return { out, lines, rest };
}

/** Streams waiting for each writer to drain: one `drain` listener per writer, however many. */
const waiting = new WeakMap<ChunkWriter, Set<() => void>>();

/**
 * Calls `resume` once `writer` has drained, or has closed (a reader that went away never
 * drains; its streams are resumed so that the processes are not held forever). Many streams
 * share one listener, so 20 processes blocked on one stdout add no listener warning.
 */
function whenDrained(writer: ChunkWriter, resume: () => void): void {
  let resumes = waiting.get(writer);
  if (!resumes) {
    const all = new Set<() => void>();
    resumes = all;
    waiting.set(writer, all);
    const emitter = writer as ChunkWriter & {
      off?: (event: string, listener: () => void) => unknown;
    };
    const release = () => {
      emitter.off?.('drain', release);
      emitter.off?.('close', release);
      waiting.delete(writer);
      for (const next of all) next();
    };
    emitter.once!('drain', release);
    (emitter.once as (event: string, listener: () => void) => unknown).call(
      emitter,
      'close',
      release,
    );
  }
  resumes.add(resume);
}

/**
 * Reads `stream` to its end, writing its lines with `prefix` in front, one write per chunk
 * read, pausing while the writer asks to wait.
 */
export function forwardLines(stream: Readable, options: ForwardOptions): void {
  const { prefix, writer, onLine, wantsLines = () => true } = options;
  const decode = () => onLine !== undefined && wantsLines();
  let pending: Buffer | undefined;
  const pass = (out: Buffer | undefined, lines: readonly string[]) => {
    if (onLine) for (const line of lines) onLine(line);
    if (!out || !writer) return;
    if (writer.write(out) === false && typeof writer.once === 'function') {
      stream.pause();
      whenDrained(writer, () => stream.resume());
    }
  };
  stream.on('data', (chunk: Buffer) => {
    const { out, lines, rest } = splitChunk(pending, chunk, prefix, decode());
    pending = rest;
    pass(out, lines);
  });
  const flush = () => {
    if (!pending || pending.length === 0) return;
    const last = pending;
    pending = undefined;
    const { out, lines } = splitChunk(
      undefined,
      Buffer.concat([last, Buffer.from([LF])]),
      prefix,
      decode(),
    );
    pass(out, lines);
  };
  stream.once('end', flush);
  stream.once('close', flush);
  stream.on('error', () => {
    // A broken pipe from the child ends the output; the exit is reported by the process.
  });
}

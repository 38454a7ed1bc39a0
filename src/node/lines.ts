/**
 * Line splitting of a child process's output: each stream is cut into lines as it arrives, a
 * line too long to hold is passed on in pieces, and a last line without a line break counts.
 */
import type { Readable } from 'node:stream';

/** A line longer than this (in characters) is passed on in pieces. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Splits a stream into lines (LF or CRLF); a last line without a line break counts too. */
export function readLines(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding('utf8');
  let buffer = '';
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let start = 0;
    for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n', start)) {
      const line = buffer.slice(start, end);
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = end + 1;
    }
    buffer = buffer.slice(start);
    while (buffer.length > MAX_LINE_LENGTH) {
      onLine(buffer.slice(0, MAX_LINE_LENGTH));
      buffer = buffer.slice(MAX_LINE_LENGTH);
    }
  });
  const flush = () => {
    if (buffer !== '') onLine(buffer);
    buffer = '';
  };
  stream.once('end', flush);
  stream.once('close', flush);
  stream.on('error', () => {
    // A broken pipe from the child ends the output; the exit is reported by the process.
  });
}

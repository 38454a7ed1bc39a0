/**
 * `-t, --timestamps`: each line `xsup start` writes gets the local time in front (`HH:MM:SS`),
 * as foreman prints it.
 */
import type { LineWriter } from '../node/fromChildProcess.js';

/**
 * The local time of `date` as `HH:MM:SS`.
 *
 * @example
 *
 * ```ts
 * clockTime(new Date(2026, 0, 5, 9, 4, 7)); // '09:04:07'
 * ```
 */
export function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/**
 * Wraps a writer so that every line written through it starts with the local time. Text may
 * hold several lines; a line cut in two by two writes gets one time, at its start.
 *
 * @example
 *
 * ```ts
 * const out = timestamped(process.stdout);
 * out.write('web | listening\n'); // "14:02:11 web | listening"
 * ```
 */
export function timestamped<W extends LineWriter & { isTTY?: boolean }>(
  writer: W,
  now: () => Date = () => new Date(),
): LineWriter & { isTTY?: boolean } {
  let atLineStart = true;
  return {
    isTTY: writer.isTTY,
    // Process output comes as bytes (one chunk of many lines), lifecycle lines as text: the
    // time goes in front of each line either way, and the bytes stay as they were.
    write(chunk: string | Uint8Array) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
      if (bytes.length === 0) return writer.write(chunk);
      const time = Buffer.from(`${clockTime(now())} `);
      const pieces: Buffer[] = [];
      let start = 0;
      while (start < bytes.length) {
        const end = bytes.indexOf(0x0a, start);
        const stop = end === -1 ? bytes.length : end + 1;
        if (atLineStart) pieces.push(time);
        pieces.push(bytes.subarray(start, stop));
        atLineStart = end !== -1;
        start = stop;
      }
      const out = Buffer.concat(pieces);
      return writer.write(typeof chunk === 'string' ? out.toString('utf8') : out);
    },
    // Backpressure passes through: a slow stdout holds the processes back here too.
    ...(typeof writer.once === 'function'
      ? { once: (event: 'drain', listener: () => void) => writer.once!(event, listener) }
      : {}),
  };
}

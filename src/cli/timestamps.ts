/**
 * `-t, --timestamps`: each line `xsup start` writes gets the local time in front (`HH:MM:SS`),
 * as foreman prints it.
 */
import type { LineWriter } from '../actors/fromChildProcess.js';

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
    write(text: string) {
      if (text === '') return writer.write(text);
      const time = `${clockTime(now())} `;
      let out = '';
      let start = 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        const piece = end === -1 ? text.slice(start) : text.slice(start, end + 1);
        out += atLineStart ? `${time}${piece}` : piece;
        atLineStart = end !== -1;
        start = end === -1 ? text.length : end + 1;
      }
      return writer.write(out);
    },
  };
}

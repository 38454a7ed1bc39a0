import { describe, expect, test } from 'vitest';
import { clockTime, timestamped } from '../../src/cli/timestamps.js';
import { collector } from '../fixtures/processes.js';

describe('timestamps', () => {
  test('HH:MM:SS in local time', () => {
    expect(clockTime(new Date(2026, 0, 5, 9, 4, 7))).toBe('09:04:07');
    expect(clockTime(new Date(2026, 0, 5, 23, 59, 59))).toBe('23:59:59');
  });

  test('every line written gets the time in front, also several lines in one write or one line in two', () => {
    const out = collector();
    let second = 0;
    const writer = timestamped(out, () => new Date(2026, 0, 5, 12, 0, second++));
    writer.write('web | one\n');
    writer.write('web | two\nweb | three\n');
    writer.write('web | fo');
    writer.write('ur\n');
    expect(out.text()).toBe(
      '12:00:00 web | one\n12:00:01 web | two\n12:00:01 web | three\n12:00:02 web | four\n',
    );
  });

  test('keeps what the writer says of its terminal', () => {
    expect(timestamped(Object.assign(collector(), { isTTY: true })).isTTY).toBe(true);
  });
});

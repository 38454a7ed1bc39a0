import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutPoint, forwardLines, splitChunk } from '../../src/node/lines.js';

/** Splits `input` in the given chunks through splitChunk, and flushes the rest as a line. */
function pass(chunks: Buffer[], prefix: string, max: number) {
  const outs: Buffer[] = [];
  const lines: string[] = [];
  let pending: Buffer | undefined;
  for (const chunk of chunks) {
    const result = splitChunk(pending, chunk, Buffer.from(prefix), true, max);
    pending = result.rest;
    if (result.out) outs.push(result.out);
    lines.push(...result.lines);
  }
  return { out: Buffer.concat(outs), lines, rest: pending };
}

const cuts = (bytes: Buffer) =>
  fc.array(fc.nat({ max: bytes.length }), { maxLength: 6 }).map((points) => {
    const sorted = [...new Set([0, ...points, bytes.length])].sort((a, b) => a - b);
    return sorted.slice(1).map((end, i) => bytes.subarray(sorted[i], end));
  });

describe('line splitting', () => {
  it('keeps every byte of complete lines, whatever the chunks, with the prefix in front', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }).chain((raw) => {
          const bytes = Buffer.concat([Buffer.from(raw), Buffer.from('\n')]);
          return cuts(bytes).map((chunks) => ({ bytes, chunks }));
        }),
        ({ bytes, chunks }) => {
          const { out, rest } = pass(chunks, '', 1 << 20);
          expect(rest).toBeUndefined();
          expect(out.equals(bytes)).toBe(true);
        },
      ),
    );
  });

  it('cuts long lines only between characters of valid UTF-8', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }).chain((text) => {
          const bytes = Buffer.from(`${text.replaceAll('\n', '')}\n`);
          return cuts(bytes).map((chunks) => ({ text, bytes, chunks }));
        }),
        fc.integer({ min: 4, max: 12 }),
        ({ bytes, chunks }, max) => {
          const { out } = pass(chunks, '', max);
          const pieces = out.toString('utf8').split('\n').slice(0, -1);
          expect(out.toString('utf8')).not.toContain('\ufffd');
          expect(pieces.join('')).toBe(bytes.toString('utf8').slice(0, -1));
          for (const piece of pieces) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(max);
        },
      ),
    );
  });

  it('cuts at the limit when the bytes there are not UTF-8', () => {
    const bytes = Buffer.from([0x61, 0x62, 0x80, 0x80, 0x80, 0x80, 0x0a]);
    expect(cutPoint(bytes, 0, 4)).toBe(4);
    const emoji = Buffer.from('ab\u{1F600}\n');
    expect(cutPoint(emoji, 0, 4)).toBe(2);
  });
});

describe('forwardLines backpressure', () => {
  /** A writer that holds its first write until released, then takes everything. */
  function heldWriter() {
    const chunks: Buffer[] = [];
    let release: (() => void) | undefined;
    const writer = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        if (release === undefined) release = callback;
        else callback();
      },
    });
    return { writer, chunks, release: () => release?.() };
  }

  it('shares one drain listener among many paused streams, and resumes them all', async () => {
    const { writer, chunks, release } = heldWriter();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const sources = Array.from({ length: 20 }, () => new PassThrough());
    sources.forEach((source, i) => {
      forwardLines(source, { prefix: Buffer.from(`${i} | `), writer });
    });
    for (const [i, source] of sources.entries()) source.write(`${'y'.repeat(2000)} ${i}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sources.every((source) => source.isPaused())).toBe(true);
    expect(writer.listenerCount('drain')).toBeLessThanOrEqual(2);
    for (const [i, source] of sources.entries()) source.end(`last ${i}\n`);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const text = Buffer.concat(chunks).toString();
    for (let i = 0; i < 20; i += 1) expect(text).toContain(`${i} | last ${i}\n`);
  });

  it('resumes its streams when the writer closes instead of draining', async () => {
    const { writer } = heldWriter();
    const source = new PassThrough();
    forwardLines(source, { prefix: Buffer.from(''), writer });
    source.write(`${'z'.repeat(4000)}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(true);
    writer.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.isPaused()).toBe(false);
  });
});

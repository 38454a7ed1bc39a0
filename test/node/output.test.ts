/**
 * The output path of `fromChildProcess` with real processes: bytes pass exactly as written
 * (invalid UTF-8, `\r\n`, a character on the line cut), one write per chunk rather than per
 * line, and a writer that does not drain holds the process back instead of filling memory.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  type ChildProcessOptions,
  fromChildProcess,
  MAX_LINE_LENGTH,
} from '../../src/node/fromChildProcess.js';
import { isAlive, waitFor } from '../fixtures/processes.js';

/** A writer keeping every chunk as bytes, and how many writes it got. */
function bytesWriter() {
  const chunks: Buffer[] = [];
  return {
    writes: 0,
    write(chunk: string | Uint8Array) {
      this.writes += 1;
      chunks.push(Buffer.from(chunk));
      return true;
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/** Runs `node -e script` as a child process and waits for its end. */
async function runScript(script: string, options: Partial<ChildProcessOptions>) {
  const lines: string[] = [];
  const actor = createActor(
    fromChildProcess({ command: process.execPath, args: ['-e', script], name: 'p', ...options }),
  );
  actor.on('output', (event) => lines.push(event.line));
  const ended = new Promise<string>((resolve) => {
    actor.subscribe({ complete: () => resolve('done'), error: () => resolve('error') });
  });
  actor.start();
  expect(await ended).toBe('done');
  // The process and its group are gone once the actor is done.
  const pid = actor.getSnapshot().pid!;
  expect(isAlive(pid)).toBe(false);
  return { lines };
}

describe('fromChildProcess output', () => {
  it('passes bytes as the process wrote them: invalid UTF-8 and \\r\\n kept, prefix in front', async () => {
    const out = bytesWriter();
    const script = `process.stdout.write(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0d, 0x0a, 0x63, 0x0a, 0x0a, 0xc3, 0xa9, 0x0d, 0x0a]))`;
    const { lines } = await runScript(script, { stdout: out, prefix: 'p | ' });
    const expected = Buffer.concat([
      Buffer.from('p | '),
      Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0d, 0x0a]),
      Buffer.from('p | c\np | \np | '),
      Buffer.from([0xc3, 0xa9, 0x0d, 0x0a]),
    ]);
    expect(out.bytes().equals(expected)).toBe(true);
    // Events carry text: the line without its line break (LF or CRLF).
    expect(lines).toEqual(['a\ufffd\ufffdb', 'c', '', 'é']);
  });

  it('cuts a line longer than MAX_LINE_LENGTH between characters, never inside one', async () => {
    const out = bytesWriter();
    // A 4-byte character starts one byte before the cut.
    const script = `process.stdout.write('x'.repeat(${MAX_LINE_LENGTH - 1}) + '\\u{1F600}' + 'tail\\n')`;
    const { lines } = await runScript(script, { stdout: out, prefix: false });
    expect(out.bytes().toString('utf8')).toBe(
      `${'x'.repeat(MAX_LINE_LENGTH - 1)}\n\u{1F600}tail\n`,
    );
    expect(lines).toEqual(['x'.repeat(MAX_LINE_LENGTH - 1), '\u{1F600}tail']);
  });

  it('writes once per chunk read, not once per line', async () => {
    const out = bytesWriter();
    const script = `process.stdout.write(Array.from({ length: 20000 }, (_, i) => 'line ' + i + '\\n').join(''))`;
    const { lines } = await runScript(script, { stdout: out, prefix: 'p | ' });
    expect(lines).toHaveLength(20_000);
    const text = out.bytes().toString('utf8');
    expect(text.split('\n')).toHaveLength(20_001);
    expect(text.startsWith('p | line 0\np | line 1\n')).toBe(true);
    expect(text.endsWith('p | line 19999\n')).toBe(true);
    // About 250 KB arrive in chunks of up to 64 KiB: a handful of writes.
    expect(out.writes).toBeLessThan(100);
  });

  it('holds the process back while the writer does not drain, and loses nothing after', async () => {
    let taken = 0;
    const received: Buffer[] = [];
    let release: (() => void) | undefined;
    // A writer that keeps the first chunk pending until released, as a paused reader does.
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        taken += chunk.length;
        received.push(chunk);
        if (release === undefined) release = callback;
        else callback();
      },
    });
    const total = 20 * 1024 * 1024;
    const script = `
      const line = 'y'.repeat(1023) + '\\n';
      const chunk = line.repeat(64);
      let sent = 0;
      const next = () => {
        while (sent < ${total}) {
          sent += chunk.length;
          if (!process.stdout.write(chunk)) return process.stdout.once('drain', next);
        }
      };
      next();`;
    const actor = createActor(
      fromChildProcess({
        command: process.execPath,
        args: ['-e', script],
        name: 'flood',
        stdout: slow,
        prefix: false,
      }),
    );
    const ended = new Promise<string>((resolve) => {
      actor.subscribe({ complete: () => resolve('done'), error: () => resolve('error') });
    });
    actor.start();
    const pid = await waitFor('a pid', () => actor.getSnapshot().pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Held back: what reached the writer is a small part of what the process wants to write.
    expect(taken + slow.writableLength).toBeLessThan(4 * 1024 * 1024);
    expect(isAlive(pid)).toBe(true);
    release!();
    expect(await ended).toBe('done');
    expect(isAlive(pid)).toBe(false);
    const bytes = Buffer.concat(received);
    expect(bytes.length).toBe(total);
    expect(
      bytes
        .toString('latin1')
        .split('\n')
        .slice(0, -1)
        .every((l) => l.length === 1023),
    ).toBe(true);
  });
});

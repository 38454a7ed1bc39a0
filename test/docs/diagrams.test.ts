import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { and, assign, createMachine, fromPromise, not, or, setup, stateIn } from 'xstate';
import {
  DIAGRAMS,
  ROOT,
  readRegion,
  renderDiagram,
  replaceRegion,
} from '../../scripts/diagrams.js';
import { toMermaid } from '../../scripts/mermaid.js';

describe('docs: generated state diagrams', () => {
  it.each(DIAGRAMS.map((d) => [`${d.doc} (${d.name})`, d] as const))(
    '%s matches the machine it shows',
    (_, { name, doc, machine }) => {
      const text = readFileSync(resolve(ROOT, doc), 'utf8');
      const checkedIn = readRegion(text, name, doc);
      expect(
        checkedIn,
        `the "${name}" diagram in ${doc} differs from the machine; run \`npm run docs:diagrams\``,
      ).toBe(renderDiagram(machine));
    },
  );
});

describe('docs: diagram regions', () => {
  const page = [
    '# Page',
    'before',
    '<!-- diagram:demo:start -->',
    'old',
    '<!-- diagram:demo:end -->',
    'after',
    '',
  ].join('\n');

  it('replaces only what is between the markers, keeping the prose around', () => {
    const updated = replaceRegion(page, 'demo', '\nnew\n');
    expect(updated).toBe(page.replace('\nold\n', '\nnew\n'));
    expect(readRegion(updated, 'demo')).toBe('\nnew\n');
  });

  it('refuses a page without the markers, naming the file and the markers to add', () => {
    expect(() => readRegion('# Page\n', 'demo', 'docs/x.md')).toThrow(
      'docs/x.md: expected exactly one "<!-- diagram:demo:start -->" followed by "<!-- diagram:demo:end -->"',
    );
    const reversed = '<!-- diagram:demo:end -->\n<!-- diagram:demo:start -->\n';
    expect(() => replaceRegion(reversed, 'demo', 'x')).toThrow(/expected exactly one/);
  });

  it('wraps the diagram in a mermaid fence that asks for the ELK layout', () => {
    const block = renderDiagram(createMachine({ id: 'm', initial: 'a', states: { a: {} } }));
    expect(block).toContain('```mermaid\n---\nconfig:\n  layout: elk\n---\nstateDiagram-v2\n');
    expect(block.endsWith('```\n')).toBe(true);
  });
});

describe('toMermaid', () => {
  const loader = setup({
    actors: { fetcher: fromPromise(async () => 'data') },
    guards: { canRetry: () => true, isOnline: () => true },
    delays: { retryDelay: 100 },
    actions: { log: () => {}, count: () => {} },
  }).createMachine({
    id: 'loader',
    initial: 'idle',
    states: {
      idle: {
        on: {
          load: { guard: and(['isOnline', not('canRetry')]), target: 'loading' },
          ping: { actions: 'log' },
        },
      },
      loading: {
        entry: 'count',
        invoke: {
          id: 'fetch',
          src: 'fetcher',
          onDone: 'done',
          onError: [{ guard: 'canRetry', target: 'retrying' }, { target: 'failed' }],
        },
      },
      retrying: { after: { retryDelay: 'loading' } },
      failed: { always: { guard: 'canRetry', target: 'idle' }, on: { reset: 'idle' } },
      done: { type: 'final' },
    },
  });

  it('renders states, the initial and final states, guards, delays and invocations', () => {
    expect(toMermaid(loader)).toBe(
      [
        'stateDiagram-v2',
        '  state "loader" as loader {',
        '    [*] --> idle',
        '    state "idle" as idle',
        '    idle : ping / log',
        '    state "loading" as loading',
        '    loading : invoke fetcher as fetch',
        '    loading : entry / count',
        '    state "retrying" as retrying',
        '    state "failed" as failed',
        '    state "done" as done',
        '    done --> [*]',
        '  }',
        '  idle --> loading : load [isOnline and not canRetry]',
        '  loading --> done : done: fetch',
        '  loading --> retrying : error: fetch [canRetry]',
        '  loading --> failed : error: fetch',
        '  retrying --> loading : after retryDelay',
        '  failed --> idle : reset<br/>always [canRetry]',
        '',
      ].join('\n'),
    );
  });

  it('shows the actions of transitions on arrows when asked', () => {
    const machine = setup({ actions: { track: () => {} } }).createMachine({
      initial: 'a',
      states: { a: { on: { go: { target: 'b', actions: ['track', assign({})] } } }, b: {} },
    });
    expect(toMermaid(machine)).toContain('  a --> b : go\n');
    expect(toMermaid(machine, { actions: true })).toContain('  a --> b : go / track, assign\n');
  });

  it('nests compound states, separates parallel regions and names states by their path', () => {
    const machine = createMachine({
      id: 'player',
      type: 'parallel',
      states: {
        audio: {
          initial: 'muted',
          states: { muted: { on: { unmute: 'loud' } }, loud: { on: { mute: 'muted' } } },
        },
        video: {
          initial: 'paused',
          states: {
            paused: { on: { play: 'playing' } },
            playing: { after: { 2000: '#player.video.paused' } },
          },
        },
      },
    });
    expect(toMermaid(machine)).toBe(
      [
        'stateDiagram-v2',
        '  state "player" as player {',
        '    state "audio" as audio {',
        '      [*] --> audio_muted',
        '      state "muted" as audio_muted',
        '      state "loud" as audio_loud',
        '    }',
        '    --',
        '    state "video" as video {',
        '      [*] --> video_paused',
        '      state "paused" as video_paused',
        '      state "playing" as video_playing',
        '    }',
        '  }',
        '  audio_muted --> audio_loud : unmute',
        '  audio_loud --> audio_muted : mute',
        '  video_paused --> video_playing : play',
        '  video_playing --> video_paused : after 2000 ms',
        '',
      ].join('\n'),
    );
  });

  it('writes out or, not, and stateIn guards and parenthesizes nested combinations', () => {
    const machine = setup({
      guards: { a: () => true, b: () => true, c: () => true },
    }).createMachine({
      id: 'm',
      initial: 'x',
      states: {
        x: {
          on: {
            one: { guard: or(['a', and(['b', 'c'])]), target: 'y' },
            two: { guard: not(or(['a', 'b'])), target: 'y' },
            three: { guard: stateIn('#m.y'), target: 'y' },
            four: { guard: () => true, target: 'y' },
          },
        },
        y: {},
      },
    });
    const arrow = toMermaid(machine)
      .split('\n')
      .find((line) => line.startsWith('  x --> y'));
    expect(arrow).toBe(
      '  x --> y : one [a or (b and c)]<br/>two [not (a or b)]<br/>three [in #35;m.y]<br/>four [inline guard]',
    );
  });

  it('keeps generated ids out of labels, and makes ids safe for mermaid', () => {
    const machine = createMachine({
      id: 'my-machine',
      initial: 'end',
      states: {
        end: { invoke: { src: fromPromise(async () => 1), onDone: 'state 2' } },
        'state 2': { on: { 'say "hi"; bye': 'end' } },
      },
    });
    expect(toMermaid(machine)).toBe(
      [
        'stateDiagram-v2',
        '  state "my-machine" as my_machine {',
        '    [*] --> end_',
        '    state "end" as end_',
        '    end_ : invoke inline actor',
        '    state "state 2" as state_2',
        '  }',
        '  end_ --> state_2 : done: actor',
        '  state_2 --> end_ : say #quot;hi#quot;#59; bye',
        '',
      ].join('\n'),
    );
  });

  it('lists root-level handlers, entry and exit actions in the boxes', () => {
    const machine = setup({
      actions: { open: () => {}, close: () => {}, tick: () => {} },
    }).createMachine({
      id: 'door',
      on: { tick: { actions: 'tick' } },
      initial: 'opened',
      states: { opened: { entry: 'open', exit: 'close', after: { 100: 'closed' } }, closed: {} },
    });
    const text = toMermaid(machine);
    expect(text).toContain('  state "door<br/>tick / tick" as door {\n');
    expect(text).toContain('    opened : entry / open\n    opened : exit / close\n');
    expect(text).not.toMatch(/raise|cancel/);
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, renderSample, SAMPLE_PAGES, samplesOf } from '../../scripts/samples.js';

describe('docs: code samples', () => {
  const samples = SAMPLE_PAGES.flatMap((page) =>
    samplesOf(readFileSync(resolve(ROOT, page), 'utf8')).map((sample) => ({ page, ...sample })),
  );

  it('every page with samples includes some', () => {
    for (const page of SAMPLE_PAGES) expect(samples.some((s) => s.page === page)).toBe(true);
  });

  it.each(samples.map((s) => [`${s.page} (${s.file})`, s] as const))(
    '%s shows the file the suite runs',
    (_, { page, file, found, wanted }) => {
      expect(found, `${page} differs from ${file}; run \`npm run docs:samples\``).toBe(wanted);
    },
  );

  it('shows imports of the package and leaves out the lines marked docs-hide', () => {
    const source = [
      "import { createSupervisor } from '../../src/index.js';",
      "import { createTestChild } from '../../../src/testing.js';",
      "import { createApp } from '../../../examples/testing/app.js';",
      "import { PENDING } from '../../support/pending.js'; // docs-hide",
      'createApp();',
      '',
    ].join('\n');
    expect(renderSample(source)).toBe(
      [
        '',
        '```ts',
        "import { createSupervisor } from 'xstate-supervisor';",
        "import { createTestChild } from 'xstate-supervisor/testing';",
        "import { createApp } from './app.js';",
        'createApp();',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('shows a React component in a tsx fence, and the React sample’s files as tsx and ts', () => {
    expect(renderSample('export const a = <b />;\n', 'app.tsx')).toBe(
      '\n```tsx\nexport const a = <b />;\n```\n',
    );
    const react = samples.filter((s) => s.page === 'docs/react.md');
    expect(react.map((s) => s.file)).toEqual(['docs/react/machine.ts', 'docs/react/app.tsx']);
    expect(react.map((s) => s.wanted.split('\n')[1])).toEqual(['```ts', '```tsx']);
  });

  it('shows imports of the Node entry as the package, and a worker script in a js fence', () => {
    expect(renderSample("import { fromWorker } from '../src/node.js';\n", 'examples/pool.ts')).toBe(
      "\n```ts\nimport { fromWorker } from 'xstate-supervisor/node';\n```\n",
    );
    expect(renderSample("import { parentPort } from 'node:worker_threads';\n", 'w/hash.mjs')).toBe(
      "\n```js\nimport { parentPort } from 'node:worker_threads';\n```\n",
    );
  });

  it('the recipe’s test file is a complete file under 40 lines', () => {
    const app = samples.find((s) => s.file === 'test/docs/testing/app.test.ts');
    expect(app?.wanted.split('\n').length).toBeLessThan(40 + 3);
    expect(app?.wanted).toContain("from 'vitest'");
  });
});

/**
 * Code samples of the docs, kept in files the test suite runs.
 *
 * A page includes a sample between two markers naming the file:
 *
 * ```md
 * <!-- sample:test/docs/testing/app.test.ts:start -->
 * <!-- sample:test/docs/testing/app.test.ts:end -->
 * ```
 *
 * What goes between them is the file in a fenced block, as a user would write it: imports of
 * the project's sources become imports of the package (`../../../src/testing.js` →
 * `xstate-supervisor/testing`), imports of the examples become local ones (`./app.js`), and
 * lines ending in `// docs-hide` (test-suite plumbing) are left out. `npm run docs:samples`
 * rewrites the regions; `-- --check` only reports, and a test fails when a page and its files
 * differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Pages that include samples. */
export const SAMPLE_PAGES: readonly string[] = [
  'docs/testing.md',
  'docs/persistence.md',
  'docs/types.md',
  'docs/supervisor.md',
  'docs/react.md',
  'docs/process.md',
  'docs/workers.md',
  'docs/readiness-os.md',
  'docs/readiness.md',
];

const MARKER = /<!-- sample:([^:>]+):start -->([\s\S]*?)<!-- sample:\1:end -->/g;

/**
 * A source file as a page shows it: package imports, no `// docs-hide` lines, in a fence of its
 * language (`js` for a `.js` or `.mjs` file, `tsx` for a React component, `ts` otherwise).
 */
export function renderSample(source: string, file = 'sample.ts'): string {
  const lines = source
    .split('\n')
    .filter((line) => !line.trimEnd().endsWith('// docs-hide'))
    .map((line) =>
      line
        .replace(/'(?:\.\.\/)+src\/index\.js'/, "'xstate-supervisor'")
        .replace(/'(?:\.\.\/)+src\/node\.js'/, "'xstate-supervisor/node'")
        .replace(/'(?:\.\.\/)+src\/testing\.js'/, "'xstate-supervisor/testing'")
        .replace(/'(?:\.\.\/)+examples\/testing\/([\w.-]+)'/, "'./$1'"),
    );
  const language = /\.m?js$/.test(file) ? 'js' : file.endsWith('.tsx') ? 'tsx' : 'ts';
  return `\n\`\`\`${language}\n${lines.join('\n').trimEnd()}\n\`\`\`\n`;
}

/** The sample file `file` (relative to `root`) as a page shows it. */
function renderFile(root: string, file: string): string {
  return renderSample(readFileSync(resolve(root, file), 'utf8'), file);
}

/** One sample region of a page. */
export interface SampleStatus {
  page: string;
  file: string;
  upToDate: boolean;
}

/** The samples a page includes, with what is there and what should be. */
export function samplesOf(
  text: string,
  root = ROOT,
): Array<{ file: string; found: string; wanted: string }> {
  return [...text.matchAll(MARKER)].map((match) => ({
    file: match[1]!,
    found: match[2]!,
    wanted: renderFile(root, match[1]!),
  }));
}

/** Compares every sample with its page and, unless `check` is set, rewrites the stale ones. */
export function updateSamples({ root = ROOT, check = false } = {}): SampleStatus[] {
  const statuses: SampleStatus[] = [];
  for (const page of SAMPLE_PAGES) {
    const path = resolve(root, page);
    const text = readFileSync(path, 'utf8');
    for (const { file, found, wanted } of samplesOf(text, root)) {
      statuses.push({ page, file, upToDate: found === wanted });
    }
    if (!check) {
      const updated = text.replace(
        MARKER,
        (_all, file: string) =>
          `<!-- sample:${file}:start -->${renderFile(root, file)}<!-- sample:${file}:end -->`,
      );
      if (updated !== text) writeFileSync(path, updated);
    }
  }
  return statuses;
}

function main(args: string[]): number {
  const check = args.includes('--check');
  const statuses = updateSamples({ check });
  for (const { page, file, upToDate } of statuses) {
    console.log(
      `${page} (${file}): ${upToDate ? 'up to date' : check ? 'OUT OF DATE' : 'updated'}`,
    );
  }
  if (check && statuses.some((s) => !s.upToDate)) {
    console.error('Run `npm run docs:samples` to update the samples.');
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}

/**
 * The bundle-size benchmark (bench/bundle.ts): the main entry bundles for the browser without
 * Node's modules or the CLI's, and the baseline keeps exactly the XState values the library's
 * bundled modules import, so that the difference is the library's own code. The share stays
 * within its budget.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, measureBundle, xstateValueImports } from '../../bench/bundle.js';

describe('bench/bundle.ts', () => {
  it('reads the values a module imports from xstate, not its types', () => {
    const source = [
      "import type { AnyActorRef } from 'xstate';",
      "import { assign, type EventObject, setup as makeSetup } from 'xstate';",
      "import { toDirectedGraph } from 'xstate/graph';",
      "import { readFileSync } from 'node:fs';",
      "import { type Snapshot } from 'xstate';",
    ].join('\n');
    expect(xstateValueImports(source)).toEqual(
      new Map([
        ['xstate', new Set(['assign', 'setup'])],
        ['xstate/graph', new Set(['toDirectedGraph'])],
      ]),
    );
    expect(() => xstateValueImports("import * as x from 'xstate';")).toThrow(/named imports/);
  });

  it('bundles createSupervisor and fromProcess for the browser, without the Node runtime or the CLI', async () => {
    const { ours, baseline, xstateImports, share } = await measureBundle();
    expect(ours.inputs).toContain('src/machines/supervisor.ts');
    expect(ours.inputs).toContain('src/actors/fromProcess.ts');
    const foreign = ours.inputs.filter(
      (path) => /^src\/(node|cli)\//.test(path) || path.includes('node_modules/commander/'),
    );
    expect(foreign).toEqual([]);
    expect(baseline.inputs.filter((path) => path.startsWith('src/'))).toEqual([]);
    expect(xstateImports.xstate).toEqual(expect.arrayContaining(['createActor', 'setup']));
    expect(baseline.gzipped).toBeGreaterThan(0);
    expect(ours.gzipped).toBeGreaterThan(baseline.gzipped);
    expect(share).toBe(ours.gzipped - baseline.gzipped);
  });

  it('leaves out what only a group does: its machine and its part of the runtime', async () => {
    const { libraryModules } = await measureBundle();
    expect(libraryModules['src/machines/supervisor.ts']).toBeGreaterThan(0);
    expect(libraryModules['src/runtime/embed.ts']).toBeGreaterThan(0);
    const groupOnly = Object.keys(libraryModules).filter((path) =>
      /^src\/(machines\/group|runtime\/(groupRuntime|rounds|startOrder|replace)\.ts)/.test(path),
    );
    expect(groupOnly).toEqual([]);
  });

  it('keeps the share of the library within its budget', async () => {
    const { share } = await measureBundle();
    expect(share).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import * as node from '../src/node.js';
import * as testing from '../src/testing.js';

/** Every module reachable from `entry` through relative imports, with the bare imports of each. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map(
      (m) => m[1]!,
    );
    const dynamic = [...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!);
    graph.set(
      file,
      [...specifiers, ...dynamic].filter((s) => !s.startsWith('.')),
    );
    for (const specifier of specifiers.filter((s) => s.startsWith('.'))) {
      visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return graph;
}

describe('entry points', () => {
  it('keeps the main entry free of Node built-ins and optional packages, so it runs in browsers', () => {
    const graph = importGraph('src/index.ts');
    expect(graph.size).toBeGreaterThan(10);
    for (const [file, bare] of graph) {
      for (const specifier of bare) {
        expect(`${file} imports ${specifier}`).toMatch(/ imports xstate$/);
      }
    }
  });

  it('keeps xstate-supervisor/testing free of Node built-ins and test frameworks: xstate and xstate/graph only', () => {
    const graph = importGraph('src/testing.ts');
    expect(graph.size).toBeGreaterThan(5);
    for (const [file, bare] of graph) {
      for (const specifier of bare) {
        expect(`${file} imports ${specifier}`).toMatch(/ imports xstate(\/graph)?$/);
      }
    }
  });

  it('publishes xstate-supervisor/testing with types, import and default conditions', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(manifest.exports['./testing']).toEqual({
      types: './dist/testing.d.ts',
      import: './dist/testing.js',
      default: './dist/testing.js',
    });
    for (const name of [
      'TestClock',
      'createTestChild',
      'createSupervisorModel',
      'createGroupModel',
      'replaySupervisorPath',
      'replayGroupPath',
      'getModelPaths',
    ]) {
      expect(typeof (testing as Record<string, unknown>)[name]).toBe('function');
      expect(core).not.toHaveProperty(name);
    }
  });

  it('offers everything of the main entry from xstate-supervisor/node, plus the Node runtime', () => {
    for (const name of Object.keys(core)) expect(node).toHaveProperty(name);
    for (const name of [
      'runMain',
      'fromChildProcess',
      'fromSignals',
      'fromWorker',
      'WorkerError',
      'startHealthServer',
      'startInspector',
      'renderMetrics',
    ]) {
      expect(typeof (node as Record<string, unknown>)[name]).toBe('function');
      expect(core).not.toHaveProperty(name);
    }
  });

  it('keeps Node-only code out of src/actors/: no Node built-in, no import from src/node/', () => {
    const files = readdirSync('src/actors').filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(join('src/actors', file), 'utf8');
      const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const specifier of imports) {
        expect(`${file} imports ${specifier}`).not.toMatch(/ imports (node:|\.\.\/node\/)/);
      }
    }
  });
});

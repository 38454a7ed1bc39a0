/**
 * The published package, as a consumer gets it: `npm pack` (from a copy of the project without
 * `dist/`, so `prepack` has to build it), the tarball installed with xstate in a fresh project,
 * each entry imported from ESM and required from CommonJS, consumer files type-checked with the
 * project's own TypeScript (ESM under `node16` and `bundler` resolution, CommonJS under
 * `nodenext`), and `npx xsup`.
 *
 * The entry points are listed once, in `ENTRIES`; a new one is one line there (and its export
 * in package.json, which a test checks against the list).
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The package's entry points: the specifier a consumer imports, and the module it comes from. */
const ENTRIES = [
  { specifier: 'xstate-supervisor', source: '../src/index.js' },
  { specifier: 'xstate-supervisor/node', source: '../src/node.js' },
  { specifier: 'xstate-supervisor/testing', source: '../src/testing.js' },
] as const;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** The version installed here of a dev dependency, so the consumer's install comes from the cache. */
const installed = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** Bound of the whole pack-and-install, on a loaded machine. */
const SETUP_MS = 120_000;

const run = promisify(execFile);
/** Runs a command and resolves to its output; a failure rejects with both outputs in the message. */
async function sh(cwd: string, file: string, args: string[]) {
  try {
    return await run(file, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const command = [file, ...args].join(' ');
    throw new Error(`${command} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund'];

let temp: string;
/** The consumer project, with the tarball installed. */
let project: string;
/** The installed package. */
let installedPackage: string;
/** What `npm install` printed on stderr. */
let installWarnings: string;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'xstate-supervisor-pack-'));

  // A copy of what `npm pack` reads (package.json, the sources and tsconfigs the build starts
  // from, and the `files`), without `dist/`, beside the project's node_modules.
  const source = join(temp, 'source');
  const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'LICENSE'];
  for (const path of new Set([...inputs, ...PKG.files])) {
    if (path === 'dist' || !existsSync(join(ROOT, path))) continue;
    cpSync(join(ROOT, path), join(source, path), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await sh(source, 'npm', ['pack', '--pack-destination', temp, '--silent']);
  const tarball = readdirSync(temp).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${temp}`);

  project = join(temp, 'consumer');
  cpSync(join(ROOT, 'test/fixtures/consumer'), project, { recursive: true });
  const { stderr } = await sh(project, 'npm', [
    'install',
    ...npmFlags,
    join(temp, tarball),
    `xstate@${installed('xstate')}`,
    `@types/node@${installed('@types/node')}`,
  ]);
  installWarnings = stderr;
  installedPackage = join(project, 'node_modules', PKG.name);
  // The consumer's own file imports a few names; this one imports every entry.
  const imports = ENTRIES.map(({ specifier }, i) => `import * as entry${i} from '${specifier}';`);
  const names = ENTRIES.map((_, i) => `entry${i}`);
  writeFileSync(
    join(project, 'entries.ts'),
    `${imports.join('\n')}\n\nexport const entries = [${names.join(', ')}];\n`,
  );
}, SETUP_MS);

afterAll(() => {
  if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
});

describe('the published package', () => {
  it('exports each entry with types first and a default condition last, so require(esm) finds it', () => {
    const subpaths = ENTRIES.map(({ specifier }) => `.${specifier.slice(PKG.name.length)}`);
    expect(Object.keys(PKG.exports).filter((key) => key !== './package.json')).toEqual(subpaths);
    for (const subpath of subpaths) {
      const conditions = PKG.exports[subpath] as Record<string, string>;
      expect(Object.keys(conditions)[0]).toBe('types');
      expect(Object.keys(conditions).at(-1)).toBe('default');
    }
  });

  it('installs without scripts of its own for the consumer to run or approve', () => {
    const manifest = JSON.parse(readFileSync(join(installedPackage, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) {
      expect(manifest.scripts ?? {}).not.toHaveProperty(script);
    }
    expect(installWarnings).not.toMatch(new RegExp(`${PKG.name}|install-scripts`));
  });

  it('ships its license and the TypeScript sources its source maps point at', () => {
    const license = readFileSync(join(installedPackage, 'LICENSE'), 'utf8');
    expect(PKG.license).toBe('MIT');
    expect(license).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} xstate-supervisor contributors\n/,
    );

    const maps: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.map')) maps.push(path);
      }
    };
    walk(installedPackage);
    expect(maps.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const path of sources) {
        const target = resolve(dirname(map), sourceRoot, path);
        if (relative(installedPackage, target).startsWith('..') || !existsSync(target)) {
          missing.push(`${relative(installedPackage, map)} → ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(ENTRIES)(
    '$specifier: imported from ESM, it exports what the source does',
    async ({ specifier, source }) => {
      const expected = Object.keys(await import(source)).sort();
      const script = `import * as entry from '${specifier}'; console.log(JSON.stringify(Object.keys(entry).sort()));`;
      const { stdout } = await sh(project, process.execPath, ['--input-type=module', '-e', script]);
      expect(JSON.parse(stdout)).toEqual(expected);
    },
  );

  it.skipIf(!process.features.require_module).each(ENTRIES)(
    '$specifier: required from CommonJS, it exports what the source does',
    async ({ specifier, source }) => {
      const expected = Object.keys(await import(source)).sort();
      const script = `console.log(JSON.stringify(Object.keys(require('${specifier}')).sort()));`;
      const { stdout, stderr } = await sh(project, process.execPath, [
        '--input-type=commonjs',
        '-e',
        script,
      ]);
      expect(JSON.parse(stdout)).toEqual(expected);
      expect(stderr).toBe('');
    },
  );

  it.concurrent.each([
    ['node16', 'an ES module'],
    ['bundler', 'an ES module'],
    ['nodenext', 'a CommonJS module'],
  ])(
    'type-checks a consumer under moduleResolution %s, as %s',
    async (resolution) => {
      await sh(project, process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`]);
    },
    90_000,
  );

  it('runs npx xsup', async () => {
    expect(Object.keys(PKG.bin)).toEqual(['xsup']);
    const { stdout } = await sh(project, 'npx', ['--no-install', 'xsup', '--version']);
    expect(stdout.trim()).toBe(PKG.version);
  });
});

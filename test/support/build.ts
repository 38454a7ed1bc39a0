/**
 * Vitest global setup: builds `dist/` once before the tests run, as `npm run build` does.
 *
 * The tests of the built `xsup` executable run `dist/cli/xsup.js`, and `npm ci` no longer
 * builds (the build runs on `npm pack` and `npm publish`, through `prepack`), so a fresh clone
 * has no `dist/` until this runs. Building every time keeps `dist/` in step with `src/`,
 * however vitest is started (`npm test`, `npx vitest run <file>`, watch mode).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
}

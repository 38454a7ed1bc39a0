/**
 * Type tests of the backoff policy's public signature.
 *
 * A `*.test-d.ts` file is checked by `tsc` in `npm test` (`npm run typecheck`, through the
 * `test` folder in tsconfig.json) and never run: vitest only runs `*.test.ts`. An
 * `expectTypeOf` assertion that does not hold, or a `// @ts-expect-error` line that compiles,
 * fails the type check.
 */
import { expectTypeOf, test } from 'vitest';
import { type BackoffPolicy, backoffDelay, type Jitter } from '../../src/index.js';

const policy: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 'none' };

test('backoffDelay takes a policy, a failure count, then optionally a random source and the previous delay', () => {
  expectTypeOf(backoffDelay).parameters.toEqualTypeOf<
    [policy: BackoffPolicy, failures: number, random?: () => number, previousMs?: number]
  >();
  expectTypeOf(backoffDelay).returns.toEqualTypeOf<number>();
  backoffDelay(policy, 3, Math.random, 800);
  // @ts-expect-error: the failure count is a number
  backoffDelay(policy, '3');
});

test('jitter is one of the four named modes', () => {
  expectTypeOf<Jitter>().toEqualTypeOf<'none' | 'full' | 'equal' | 'decorrelated'>();
  expectTypeOf<BackoffPolicy['jitter']>().toEqualTypeOf<Jitter>();
  // @ts-expect-error: 'sometimes' is not a jitter mode
  backoffDelay({ ...policy, jitter: 'sometimes' }, 1);
});

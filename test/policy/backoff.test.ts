/**
 * Tests of the backoff arithmetic: the seed's formula and defaults, overflow safety, and the
 * ranges of the three jitter formulas, checked on examples and as properties with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffPolicy,
  backoffDelay,
  DEFAULT_BACKOFF,
  JITTER_MODES,
  type Jitter,
  MAX_TIMER_MS,
} from '../../src/policy/backoff.js';

const policy = (overrides: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  ...DEFAULT_BACKOFF,
  ...overrides,
});

/** A valid policy, as option validation lets through: 0 ≤ initialMs ≤ maxMs ≤ 2^31−1, factor ≥ 1. */
const policyArb = (jitter?: Jitter) =>
  fc
    .record({
      a: fc.integer({ min: 0, max: MAX_TIMER_MS }),
      b: fc.integer({ min: 0, max: MAX_TIMER_MS }),
      factor: fc.oneof(
        fc.constant(1),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 1, max: 1e300, noNaN: true }),
      ),
      jitter: jitter === undefined ? fc.constantFrom(...JITTER_MODES) : fc.constant(jitter),
    })
    .map(
      ({ a, b, factor, jitter: j }): BackoffPolicy => ({
        initialMs: Math.min(a, b),
        maxMs: Math.max(a, b),
        factor,
        jitter: j,
      }),
    );

const failuresArb = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(1e9, Number.MAX_SAFE_INTEGER),
);

/** Any number a `random` source might return, including out-of-range and non-finite values. */
const randomValueArb = fc.oneof(
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  fc.constantFrom(0, 1, -1, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

/** The seed's formula, computed the obvious way (valid where it does not overflow). */
const seedFormula = (p: BackoffPolicy, n: number) =>
  Math.min(p.initialMs * p.factor ** (n - 1), p.maxMs);

describe('backoffDelay', () => {
  describe('defaults', () => {
    it('defaults to the seed policy: 200 ms initial, 30 s cap, factor 2, no jitter', () => {
      expect(DEFAULT_BACKOFF).toEqual({
        initialMs: 200,
        maxMs: 30_000,
        factor: 2,
        jitter: 'none',
      });
    });

    it('doubles from 200 ms and caps at 30 s with the default policy', () => {
      const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffDelay(DEFAULT_BACKOFF, n));
      expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    });
  });

  describe('failures = 0', () => {
    it.each(JITTER_MODES)('gives 0 with jitter %s', (jitter) => {
      expect(backoffDelay(policy({ jitter }), 0, () => 0.5, 1000)).toBe(0);
    });

    it('gives 0 for negative and NaN failure counts', () => {
      expect(backoffDelay(DEFAULT_BACKOFF, -1)).toBe(0);
      expect(backoffDelay(DEFAULT_BACKOFF, Number.NaN)).toBe(0);
    });
  });

  describe('without jitter', () => {
    it('follows min(initialMs × factor^(n−1), maxMs) (the seed formula)', () => {
      const p = policy({ initialMs: 60, maxMs: 200, factor: 2 });
      expect([1, 2, 3, 4].map((n) => backoffDelay(p, n))).toEqual([60, 120, 200, 200]);
      const q = policy({ initialMs: 100, maxMs: 10_000, factor: 3 });
      expect([1, 2, 3, 4, 5].map((n) => backoffDelay(q, n))).toEqual([100, 300, 900, 2700, 8100]);
    });

    it('stays at initialMs with factor 1', () => {
      const p = policy({ initialMs: 250, maxMs: 1000, factor: 1 });
      expect([1, 2, 50, 1e9].map((n) => backoffDelay(p, n))).toEqual([250, 250, 250, 250]);
    });

    it('is maxMs when initialMs equals maxMs', () => {
      const p = policy({ initialMs: 500, maxMs: 500 });
      expect([1, 2, 3].map((n) => backoffDelay(p, n))).toEqual([500, 500, 500]);
    });

    it('is 0 for every failure when initialMs is 0', () => {
      const p = policy({ initialMs: 0, maxMs: 1000 });
      expect([1, 2, 100].map((n) => backoffDelay(p, n))).toEqual([0, 0, 0]);
    });

    it.each([1e9, Number.MAX_SAFE_INTEGER, 1100])(
      'is exactly maxMs for the huge failure count %d (no Infinity or NaN)',
      (n) => {
        expect(backoffDelay(DEFAULT_BACKOFF, n)).toBe(30_000);
        expect(backoffDelay(policy({ factor: 1e300 }), n)).toBe(30_000);
        expect(backoffDelay(policy({ initialMs: MAX_TIMER_MS, maxMs: MAX_TIMER_MS }), n)).toBe(
          MAX_TIMER_MS,
        );
      },
    );

    it('matches the seed formula wherever that formula does not overflow (property)', () => {
      fc.assert(
        fc.property(policyArb('none'), fc.integer({ min: 1, max: 200 }), (p, n) => {
          const expected = seedFormula(p, n);
          fc.pre(Number.isFinite(expected));
          expect(backoffDelay(p, n)).toBe(expected);
        }),
      );
    });

    it('is non-decreasing in the failure count (property)', () => {
      fc.assert(
        fc.property(policyArb('none'), failuresArb, failuresArb, (p, x, y) => {
          const [low, high] = x <= y ? [x, y] : [y, x];
          expect(backoffDelay(p, low)).toBeLessThanOrEqual(backoffDelay(p, high));
        }),
      );
    });

    it('is non-decreasing from one failure to the next (property)', () => {
      fc.assert(
        fc.property(policyArb('none'), fc.integer({ min: 1, max: 2000 }), (p, n) => {
          expect(backoffDelay(p, n)).toBeLessThanOrEqual(backoffDelay(p, n + 1));
        }),
      );
    });
  });

  describe('every jitter mode', () => {
    it('is finite, never negative and never above maxMs, for any failure count and random value (property)', () => {
      fc.assert(
        fc.property(
          policyArb(),
          failuresArb,
          randomValueArb,
          fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }), { nil: undefined }),
          (p, n, r, previous) => {
            const d = backoffDelay(p, n, () => r, previous);
            expect(Number.isFinite(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(p.maxMs);
          },
        ),
      );
    });

    it.each(JITTER_MODES)(
      'with jitter %s stays finite and within maxMs for 1e9 and MAX_SAFE_INTEGER failures',
      (jitter) => {
        for (const n of [1e9, Number.MAX_SAFE_INTEGER]) {
          for (const r of [0, 0.5, 1 - Number.EPSILON]) {
            const d = backoffDelay(policy({ jitter }), n, () => r, 30_000);
            expect(Number.isFinite(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(30_000);
          }
        }
      },
    );

    it('uses Math.random when no random source is given', () => {
      const p = policy({ jitter: 'full', initialMs: 1000, maxMs: 1000 });
      const seen = new Set(Array.from({ length: 20 }, () => backoffDelay(p, 1)));
      expect(seen.size).toBeGreaterThan(1);
      for (const d of seen) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1000);
      }
    });
  });

  describe("'full' jitter", () => {
    it('lies in [0, d] where d is the delay without jitter (property)', () => {
      fc.assert(
        fc.property(policyArb('full'), failuresArb, randomValueArb, (p, n, r) => {
          const d = backoffDelay({ ...p, jitter: 'none' }, n);
          const j = backoffDelay(p, n, () => r);
          expect(j).toBeGreaterThanOrEqual(0);
          expect(j).toBeLessThanOrEqual(d);
        }),
      );
    });

    it('scales d by the random value: random(0, d)', () => {
      const p = policy({ initialMs: 1000, maxMs: 10_000, jitter: 'full' });
      expect(backoffDelay(p, 2, () => 0)).toBe(0);
      expect(backoffDelay(p, 2, () => 0.25)).toBe(500);
      expect(backoffDelay(p, 2, () => 0.5)).toBe(1000);
    });

    it('clamps out-of-range random values into [0, 1)', () => {
      const p = policy({ initialMs: 1000, maxMs: 10_000, jitter: 'full' });
      expect(backoffDelay(p, 1, () => -3)).toBe(0);
      expect(backoffDelay(p, 1, () => Number.NaN)).toBe(0);
      const high = backoffDelay(p, 1, () => 7);
      expect(high).toBeLessThan(1000);
      expect(high).toBeGreaterThan(999);
    });
  });

  describe("'equal' jitter", () => {
    it('lies in [d/2, d] where d is the delay without jitter (property)', () => {
      fc.assert(
        fc.property(policyArb('equal'), failuresArb, randomValueArb, (p, n, r) => {
          const d = backoffDelay({ ...p, jitter: 'none' }, n);
          const j = backoffDelay(p, n, () => r);
          expect(j).toBeGreaterThanOrEqual(d / 2);
          expect(j).toBeLessThanOrEqual(d);
        }),
      );
    });

    it('is d/2 + random(0, d/2)', () => {
      const p = policy({ initialMs: 1000, maxMs: 10_000, jitter: 'equal' });
      expect(backoffDelay(p, 2, () => 0)).toBe(1000);
      expect(backoffDelay(p, 2, () => 0.5)).toBe(1500);
    });
  });

  describe("'decorrelated' jitter", () => {
    it('lies in [initialMs, min(maxMs, previous × 3)] (property)', () => {
      fc.assert(
        fc.property(
          policyArb('decorrelated'),
          failuresArb,
          randomValueArb,
          fc.double({ min: Number.MIN_VALUE, max: 1e12, noNaN: true }),
          (p, n, r, previous) => {
            const j = backoffDelay(p, n, () => r, previous);
            const high = Math.max(p.initialMs, Math.min(p.maxMs, previous * 3));
            expect(j).toBeGreaterThanOrEqual(p.initialMs);
            expect(j).toBeLessThanOrEqual(high);
          },
        ),
      );
    });

    it('takes initialMs as the previous delay when there is none (property)', () => {
      fc.assert(
        fc.property(
          policyArb('decorrelated'),
          failuresArb,
          randomValueArb,
          fc.constantFrom(undefined, 0, -5),
          (p, n, r, previous) => {
            const j = backoffDelay(p, n, () => r, previous);
            expect(j).toBeGreaterThanOrEqual(p.initialMs);
            expect(j).toBeLessThanOrEqual(Math.min(p.maxMs, p.initialMs * 3));
          },
        ),
      );
    });

    it('is random(initialMs, previous × 3), capped at maxMs', () => {
      const p = policy({ initialMs: 100, maxMs: 1000, jitter: 'decorrelated' });
      expect(backoffDelay(p, 3, () => 0, 200)).toBe(100);
      expect(backoffDelay(p, 3, () => 0.5, 200)).toBe(350);
      expect(backoffDelay(p, 3, () => 0.5, 900)).toBe(550);
      expect(backoffDelay(p, 3, () => 1 - Number.EPSILON, 900)).toBeLessThanOrEqual(1000);
    });
  });
});

/**
 * The bench's ratio helpers (bench/ratio.ts): a baseline of ~0 never yields a negative or
 * absurd ratio in the table, and relative targets stay reachable.
 */
import { describe, expect, it } from 'vitest';
import { atLeastFactor, formatRatio, ratio, withinFactor } from '../../bench/ratio.js';

describe('ratio', () => {
  it('divides the figure by its baseline', () => {
    expect(ratio(3, 2, 'raw')).toEqual({ value: 1.5, to: 'raw' });
    expect(formatRatio(ratio(3, 2, 'raw'))).toBe('1.50× (ours ÷ raw)');
  });

  it('gives no ratio when the baseline is at or below the noise floor, or negative', () => {
    expect(ratio(25, -0.00035, 'setTimeout').value).toBeNull();
    expect(ratio(25, 0, 'setTimeout').value).toBeNull();
    expect(ratio(25, 0.01, 'setTimeout', 0.05).value).toBeNull();
    expect(formatRatio(ratio(25, 0.01, 'setTimeout', 0.05))).toBe(
      'n/a (baseline ~0; ours ÷ setTimeout)',
    );
  });

  it('gives no ratio when a figure is not a number', () => {
    expect(ratio(Number.NaN, 1, 'raw').value).toBeNull();
    expect(ratio(1, Number.POSITIVE_INFINITY, 'raw').value).toBeNull();
  });

  it('counts a negative figure (a timer that fired early) as 0', () => {
    expect(ratio(-0.2, 0.5, 'raw').value).toBe(0);
  });
});

describe('relative targets', () => {
  it('hold a figure against the baseline, or against the floor when the baseline is ~0', () => {
    expect(withinFactor(1.5, 1, 1.5)).toBe(true);
    expect(withinFactor(1.6, 1, 1.5)).toBe(false);
    expect(withinFactor(0.04, -0.001, 1.2, 0.05)).toBe(true);
    expect(withinFactor(Number.NaN, 1, 1.5)).toBe(false);
    expect(atLeastFactor(10, 10, 1)).toBe(true);
    expect(atLeastFactor(9.9, 10, 1)).toBe(false);
  });
});

/**
 * Ratios of a figure to its baseline, and targets stated relative to a baseline.
 *
 * A baseline can be ~0 (a lateness median within a microsecond of due, or a little early and
 * so negative): dividing by it gives a ratio that means nothing (a run once printed −71,924×).
 * A baseline below the noise floor of its metric gives no ratio ("n/a (baseline ~0)"), and a
 * relative target then holds the figure against the floor instead. Plain functions, no clock.
 */

/** Ours divided by a reference, with the reference's name; `value` is null when undefined. */
export interface Ratio {
  /** The ratio, never negative; null when the baseline is ~0 or a figure is not a number. */
  value: number | null;
  /** The reference's name, e.g. `raw actors`. */
  to: string;
}

/**
 * `value / reference`, or no ratio (`value: null`) when the reference is not above
 * `noiseFloor` (in the figures' unit; 0 by default: only a zero or negative baseline) or either
 * figure is not finite. A negative figure (a timer that fired early) counts as 0.
 *
 * @example
 *
 * ```ts
 * ratio(3, 2, 'raw').value; // 1.5
 * ratio(25, -0.0003, 'setTimeout', 0.05).value; // null: printed "n/a (baseline ~0)"
 * ```
 */
export function ratio(value: number, reference: number, to: string, noiseFloor = 0): Ratio {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= noiseFloor) {
    return { value: null, to };
  }
  return { value: Math.max(0, value) / reference, to };
}

/** A ratio as printed in the table: `1.43× (ours ÷ raw actors)`, or `n/a (baseline ~0)`. */
export function formatRatio(r: Ratio): string {
  if (r.value === null) return `n/a (baseline ~0; ours ÷ ${r.to})`;
  const digits = r.value >= 100 ? 0 : r.value >= 10 ? 1 : r.value >= 0.1 ? 2 : 3;
  return `${r.value.toFixed(digits)}× (ours ÷ ${r.to})`;
}

/**
 * Whether `value ≤ factor × reference` (lower is better: times, lateness), the reference
 * counted as at least `noiseFloor`, so that a baseline of ~0 does not make the target
 * unreachable.
 */
export function withinFactor(
  value: number,
  reference: number,
  factor: number,
  noiseFloor = 0,
): boolean {
  return value <= factor * Math.max(reference, noiseFloor);
}

/** Whether `value ≥ factor × reference` (higher is better: rates). */
export function atLeastFactor(value: number, reference: number, factor: number): boolean {
  return Number.isFinite(value) && value >= factor * reference;
}

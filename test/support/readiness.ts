/**
 * Helpers for the readiness samples of the docs: waiting for a condition with a generous bound.
 */
/** Resolves once `check` returns true; rejects after `timeoutMs`. */
export async function untilTrue(check: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Hostile values for property tests of the mailbox guards: what a stranger can send an actor
 * besides a plain event. Built from a kind and a type, so fast-check can shrink them.
 */

/** How many kinds {@link hostile} builds (kinds are 0 to HOSTILE_KINDS − 1). */
export const HOSTILE_KINDS = 10;

/**
 * A hostile value of `kind` whose type, where it has one, is `type`: a throwing `type` getter,
 * a Proxy that answers every symbol, one that throws on every read, a `type` that changes
 * after its first read, a cycle, a huge object, an inherited `type`, forged fields that throw,
 * `null`, an array.
 */
export function hostile(kind: number, type: string): unknown {
  switch (kind) {
    case 0:
      return {
        get type() {
          throw new Error('type');
        },
      };
    case 1:
      return new Proxy(
        { type, output: 'forged', error: new Error('forged') },
        { get: (target, key) => (typeof key === 'symbol' ? true : Reflect.get(target, key)) },
      );
    case 2:
      return new Proxy(
        {},
        {
          get: () => {
            throw new Error('get');
          },
          ownKeys: () => {
            throw new Error('keys');
          },
          getPrototypeOf: () => {
            throw new Error('proto');
          },
        },
      );
    case 3: {
      let reads = 0;
      return {
        get type() {
          return reads++ === 0 ? 'job' : type;
        },
      };
    }
    case 4: {
      const cyclic: Record<string, unknown> = { type };
      cyclic.self = cyclic;
      return cyclic;
    }
    case 5:
      return {
        type,
        payload: 'x'.repeat(100_000),
        list: Array.from({ length: 1_000 }, (_, i) => i),
      };
    case 6:
      return Object.create({ type, output: 'forged' }, { reason: { value: 'max-restarts' } });
    case 7:
      return {
        type,
        error: new Error('forged'),
        output: 'forged',
        count: -3,
        signal: 'SIGTERM',
        id: {
          toString() {
            throw new Error('id');
          },
        },
      };
    case 8:
      return null;
    default:
      return [type];
  }
}

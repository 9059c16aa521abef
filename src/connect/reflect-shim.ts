/**
 * A minimal `Reflect` metadata API for `@peculiar/x509`.
 *
 * `@peculiar/x509` registers its algorithms with `tsyringe`, which refuses to load unless
 * `Reflect.getMetadata` exists (it is normally provided by the `reflect-metadata` package). Entente does not
 * depend on that package, and `tsyringe` only ever reads `design:paramtypes` (absent: the algorithm classes
 * take no constructor arguments) and its own injection-token map. This module installs the three functions it
 * calls, backed by a `WeakMap`, and only when no polyfill is present already, so a real `reflect-metadata`
 * loaded earlier wins.
 *
 * It must be imported before `@peculiar/x509`; `x509.ts` does so, and nothing else should import the library.
 *
 * @packageDocumentation
 */

type MetadataKey = unknown;
type Target = object;

interface ReflectMetadataApi {
  defineMetadata(key: MetadataKey, value: unknown, target: Target): void;
  getOwnMetadata(key: MetadataKey, target: Target): unknown;
  getMetadata(key: MetadataKey, target: Target): unknown;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadataApi>;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<MetadataKey, unknown>>();

  const api: ReflectMetadataApi = {
    defineMetadata(key, value, target) {
      let entries = store.get(target);
      if (entries === undefined) {
        entries = new Map();
        store.set(target, entries);
      }
      entries.set(key, value);
    },
    getOwnMetadata(key, target) {
      return store.get(target)?.get(key);
    },
    getMetadata(key, target) {
      for (let o: Target | null = target; o !== null; o = Object.getPrototypeOf(o) as Target | null) {
        const entries = store.get(o);
        if (entries?.has(key) === true) return entries.get(key);
      }
      return undefined;
    },
  };

  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(Reflect, name, {
      value: fn,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

export {};

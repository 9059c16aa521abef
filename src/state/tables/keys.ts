/**
 * Key of a node, or of a service name, in the catalog maps: unique per peer, names compared without case (as
 * Consul's memdb indexes do).
 */
export function peerKey(peer: string, name: string): string {
  return `${peer}\u0000${name.toLowerCase()}`;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Structural equality ignoring CreateIndex/ModifyIndex (at any depth): re-registering an identical object is not a
 * change. Same answer as comparing the objects' `JSON.stringify` output without those keys (key order included,
 * `undefined` properties absent, `undefined` array items as `null`), without building the strings: every catalog
 * write (a peer's import rewrites each instance of a service) compares node, service and checks this way.
 */
export function sameIgnoringIndexes(a: object, b: object): boolean {
  return sameJson(a, b);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  const kb = Object.keys(rb);
  let i = nextKept(ra, ka, 0);
  let j = nextKept(rb, kb, 0);
  for (;;) {
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    const k = ka[i];
    if (k === undefined || k !== kb[j] || !sameJson(ra[k], rb[k])) return false;
    i = nextKept(ra, ka, i + 1);
    j = nextKept(rb, kb, j + 1);
  }
}

/** The position of the first key at or after `from` that JSON writes and the comparison does not ignore. */
function nextKept(o: Record<string, unknown>, keys: readonly string[], from: number): number {
  let at = from;
  for (; at < keys.length; at++) {
    const k = keys[at];
    if (k !== undefined && !skipped(k, o[k])) break;
  }
  return at;
}

/** Properties JSON leaves out, and the indexes the comparison ignores. */
function skipped(key: string, value: unknown): boolean {
  return value === undefined || typeof value === 'function' || key === 'CreateIndex' || key === 'ModifyIndex';
}

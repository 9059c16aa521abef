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

/** Structural equality ignoring CreateIndex/ModifyIndex: re-registering an identical object is not a change. */
export function sameIgnoringIndexes(a: object, b: object): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: object): string {
  return JSON.stringify(v, (k, val: unknown) =>
    k === 'CreateIndex' || k === 'ModifyIndex' ? undefined : val,
  );
}

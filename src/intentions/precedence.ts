/**
 * Consul's intention precedence (`computeIntentionPrecedence`, `intentionCountExact`) and the order intentions
 * are evaluated in (`IntentionPrecedenceSorter`).
 *
 * Precedence counts exact parts: a destination with an exact namespace and name starts at 9, `ns/*` at 6, `*\/*`
 * at 3; each wildcard part of the source takes one off. In Consul CE the namespace is always the exact `default`,
 * so only 9 (exact → exact), 8 (`*` → exact), 6 (exact → `*`) and 5 (`*` → `*`) occur. Peers and L7 permissions
 * play no part in precedence.
 */
import { DEFAULT_NAMESPACE, WILDCARD, type Intention } from './intention.js';

/** Exact parts of a (namespace, name) pair: `*\/*` 0, `ns/*` 1, `ns/name` 2. */
export function countExact(namespace: string, name: string): number {
  if (namespace === WILDCARD) return 0;
  return name === WILDCARD ? 1 : 2;
}

/** Precedence of an intention from its source and destination (namespaces default to `default`). */
export function precedenceOf(
  destination: string,
  source: string,
  destinationNs = DEFAULT_NAMESPACE,
  sourceNs = DEFAULT_NAMESPACE,
): number {
  const max = [3, 6, 9][countExact(destinationNs, destination)] ?? 0;
  return max - (2 - countExact(sourceNs, source));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `IntentionPrecedenceSorter.Less` as a comparator: precedence descending, ties broken on (source sameness
 * group, source peer, source namespace, source name, destination namespace, destination name), partitions
 * being empty in CE. The tie-break is arbitrary but keeps answers deterministic.
 */
export function compareIntentions(a: Intention, b: Intention): number {
  if (a.Precedence !== b.Precedence) return b.Precedence - a.Precedence;
  return (
    cmp(a.SourceSamenessGroup ?? '', b.SourceSamenessGroup ?? '') ||
    cmp(a.SourcePeer ?? '', b.SourcePeer ?? '') ||
    cmp(a.SourceNS, b.SourceNS) ||
    cmp(a.SourceName, b.SourceName) ||
    cmp(a.DestinationNS, b.DestinationNS) ||
    cmp(a.DestinationName, b.DestinationName)
  );
}

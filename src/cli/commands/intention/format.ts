import type { Intention } from '../../../api/index.js';

/** `api.Intention.partString`: the namespace is shown only when it is not `default`. */
function partString(ns: string | undefined, name: string): string {
  return ns !== undefined && ns !== '' && ns !== 'default' ? `${ns}/${name}` : name;
}

/** `api.Intention.SourceString`, with the peer shown as Consul's server-side String() does. */
export function sourceString(ixn: Intention): string {
  const s = partString(ixn.SourceNS, ixn.SourceName);
  return ixn.SourcePeer !== undefined && ixn.SourcePeer !== '' ? `peer(${ixn.SourcePeer})/${s}` : s;
}

export function destinationString(ixn: Intention): string {
  return partString(ixn.DestinationNS, ixn.DestinationName);
}

/** `api.Intention.String`: `web => db (allow)`, `web => db (2 permissions)`. */
export function intentionString(ixn: Intention): string {
  const n = ixn.Permissions?.length ?? 0;
  const detail = n === 0 ? (ixn.Action ?? '') : n === 1 ? '1 permission' : `${n} permissions`;
  return `${sourceString(ixn)} => ${destinationString(ixn)} (${detail})`;
}

/** `command/intention.ParseIntentionTarget`: `name`, `ns/name` or `partition/ns/name`. */
export function parseIntentionTarget(input: string): { name: string; ns: string; partition: string } {
  const ss = input.split('/');
  if (ss.length === 1) return { name: ss[0] ?? '', ns: '', partition: '' };
  if (ss.length === 2) return { name: ss[1] ?? '', ns: ss[0] ?? '', partition: '' };
  if (ss.length === 3) return { name: ss[2] ?? '', ns: ss[1] ?? '', partition: ss[0] ?? '' };
  throw new Error("input can contain at most two '/'");
}

/** `command/intention.FormatSource`/`FormatDestination`: `ns/name`, or `name` without a namespace. */
export function formatTarget(ns: string | undefined, name: string): string {
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/**
 * Go's `time.RFC850` layout (`Monday, 02-Jan-06 15:04:05 UTC`) in UTC. Intentions written as config entries
 * have no `CreatedAt`, which Consul prints as Go's zero time: `Monday, 01-Jan-01 00:00:00 UTC`.
 */
export function formatRfc850(iso: string | undefined): string {
  if (iso === undefined || iso === '') return 'Monday, 01-Jan-01 00:00:00 UTC';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${WEEKDAYS[d.getUTCDay()] ?? ''}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()] ?? ''}-${two(
    d.getUTCFullYear() % 100,
  )} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

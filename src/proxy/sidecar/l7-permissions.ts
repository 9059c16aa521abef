/**
 * Per-request intention decisions for an `http` service (what Envoy's RBAC filter does from Consul's intentions):
 *
 * 1. The intentions that apply to the destination come in evaluation order (`/v1/connect/intentions/match
 *    ?by=destination`): the first whose source is the caller (its name or `*`, and its peer: local callers match
 *    only local sources, a peer's callers only `Peer = <that peer>` sources) decides.
 * 2. An L4 intention decides by its `Action`. An L7 one walks its `Permissions` top to bottom; the first that
 *    matches the request decides by its `Action`; when none matches, the default intention behavior applies
 *    (Consul's docs: "traffic that fails to match any of the provided permissions in this intention will be
 *    subject to the default intention behavior"), as it does when no intention matches at all.
 * 3. Fail closed: a JWT requirement (on the intention or a permission) cannot be verified by this proxy, so such
 *    an intention denies every request it decides, with a reason that says so.
 *
 * Matching follows Envoy's route matchers as Consul generates them: paths compare without the query string;
 * `PathRegex` and header `Regex` must match the whole value (JavaScript regular expressions, not RE2: the
 * patterns come from operators' config entries); methods compare upper-case; header values of a repeated header
 * are joined with `,`; `Invert` negates one header match.
 */
import type { Intention } from '../../intentions/index.js';

export type Permission = NonNullable<Intention['Permissions']>[number];
type HeaderMatch = NonNullable<NonNullable<Permission['HTTP']>['Header']>[number];

/** The part of an intention the decision reads (the API's `Intention` JSON carries it). */
export interface IntentionRule {
  readonly SourceName: string;
  readonly SourcePeer?: string | undefined;
  readonly Action?: 'allow' | 'deny' | undefined;
  readonly Permissions?: readonly Permission[] | undefined;
  readonly JWT?: unknown;
  readonly Precedence?: number | undefined;
}

export interface CallerIdentity {
  readonly name: string;
  /** `''` for a local caller. */
  readonly peer: string;
}

export interface RequestFacts {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface RequestDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

const regexCache = new Map<string, RegExp | null>();
/** Compiled full-match patterns; bounded: at most this many distinct patterns are kept. */
const MAX_CACHED_PATTERNS = 1_024;

function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = null;
    }
    if (regexCache.size >= MAX_CACHED_PATTERNS) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re !== null && re.test(value);
}

function headerValue(headers: RequestFacts['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

function headerMatches(h: HeaderMatch, headers: RequestFacts['headers']): boolean {
  const v = headerValue(headers, h.Name);
  let ok: boolean;
  if (h.Exact !== undefined && h.Exact !== '') ok = v === h.Exact;
  else if (h.Prefix !== undefined && h.Prefix !== '') ok = v?.startsWith(h.Prefix) ?? false;
  else if (h.Suffix !== undefined && h.Suffix !== '') ok = v?.endsWith(h.Suffix) ?? false;
  else if (h.Regex !== undefined && h.Regex !== '') ok = v !== undefined && fullMatch(h.Regex, v);
  else ok = v !== undefined; // Present (or no matcher): the header is there.
  return h.Invert === true ? !ok : ok;
}

/** Whether one permission's `HTTP` block matches the request (no block: every request). */
export function permissionMatches(p: Permission, req: RequestFacts): boolean {
  const http = p.HTTP;
  if (http === undefined) return true;
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  if (http.PathExact !== undefined && http.PathExact !== '' && path !== http.PathExact) return false;
  if (http.PathPrefix !== undefined && http.PathPrefix !== '' && !path.startsWith(http.PathPrefix))
    return false;
  if (http.PathRegex !== undefined && http.PathRegex !== '' && !fullMatch(http.PathRegex, path)) return false;
  if (http.Methods !== undefined && http.Methods.length > 0) {
    const m = req.method.toUpperCase();
    if (!http.Methods.some((x) => x.toUpperCase() === m)) return false;
  }
  return (http.Header ?? []).every((h) => headerMatches(h, req.headers));
}

function describe(ixn: IntentionRule): string {
  const src = ixn.SourcePeer !== undefined && ixn.SourcePeer !== '' ? `peer(${ixn.SourcePeer})/` : '';
  return `${src}${ixn.SourceName} (precedence ${ixn.Precedence ?? 0})`;
}

/** Decides one request from `caller` against the destination's intentions (in evaluation order). */
export function decideRequest(
  intentions: readonly IntentionRule[],
  caller: CallerIdentity,
  req: RequestFacts,
  defaultAllow: boolean,
): RequestDecision {
  const ixn = intentions.find(
    (i) => (i.SourceName === caller.name || i.SourceName === '*') && (i.SourcePeer ?? '') === caller.peer,
  );
  const fallback = { allowed: defaultAllow, reason: 'default intention behavior' };
  if (ixn === undefined) return fallback;
  const permissions = ixn.Permissions ?? [];
  if (permissions.length === 0) {
    return {
      allowed: ixn.Action === 'allow',
      reason: `L4 intention ${describe(ixn)}: ${ixn.Action ?? 'deny'}`,
    };
  }
  if (ixn.JWT !== undefined && ixn.JWT !== null)
    return {
      allowed: false,
      reason: `intention ${describe(ixn)} requires a JWT, which this proxy cannot verify`,
    };
  for (const [i, p] of permissions.entries()) {
    if (!permissionMatches(p, req)) continue;
    if (p.JWT !== undefined)
      return {
        allowed: false,
        reason: `permission ${i} of ${describe(ixn)} requires a JWT, which this proxy cannot verify`,
      };
    return {
      allowed: p.Action === 'allow',
      reason: `permission ${i} of L7 intention ${describe(ixn)}: ${p.Action}`,
    };
  }
  return {
    ...fallback,
    reason: `no permission of L7 intention ${describe(ixn)} matched: default intention behavior`,
  };
}

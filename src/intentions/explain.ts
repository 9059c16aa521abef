/**
 * Entente's `explain`, beyond Consul: which intention (or the default) decided a check, and why each more
 * specific candidate did not. Slow path (it allocates a report); decisions themselves use
 * {@link IntentionSet.decide}.
 */
import { sourceString, WILDCARD, type Intention } from './intention.js';
import type { DestinationTable, IntentionSet, IntentionSource } from './intention-set.js';

/** What happened at one precedence level. */
export type StepOutcome = 'matched' | 'no-intention' | 'not-reached';

export interface ExplainStep {
  /** The precedence of an intention at this level (9, 8, 6, 5). */
  readonly Precedence: number;
  /** The source and destination an intention must name to sit at this level. */
  readonly Source: string;
  readonly Destination: string;
  readonly Outcome: StepOutcome;
  /** Why, in words: the intention found, or why none matched (including near misses on the peer). */
  readonly Detail: string;
  readonly Intention?: Intention;
}

/** The explanation of one check; `Allowed` equals what `check` answers. */
export interface Explanation {
  readonly Allowed: boolean;
  /** `intention` when an intention decided, `default` when none matched. */
  readonly DecidedBy: 'intention' | 'default';
  readonly Reason: string;
  /** The default that applies when no intention matches (allow while ACLs are off). */
  readonly DefaultAllow: boolean;
  readonly Intention?: Intention;
  readonly Steps: readonly ExplainStep[];
}

interface Level {
  readonly precedence: number;
  readonly table: DestinationTable | undefined;
  readonly destination: string;
  readonly wildcardSource: boolean;
}

function describeSource(source: IntentionSource): string {
  return source.peer === '' ? source.name : `peer(${source.peer})/${source.name}`;
}

/** Intentions at this level that name the source but another peer (or none): the common peering mistake. */
function nearMisses(level: Level, source: IntentionSource): Intention[] {
  const want = level.wildcardSource ? WILDCARD : source.name;
  return (level.table?.intentions ?? []).filter(
    (ixn) => ixn.SourceName === want && (ixn.SourcePeer ?? '') !== source.peer,
  );
}

function missDetail(level: Level, source: IntentionSource): string {
  const srcWord = level.wildcardSource ? WILDCARD : source.name;
  if (level.table === undefined) {
    return `no service-intentions entry for destination ${JSON.stringify(level.destination)}`;
  }
  const near = nearMisses(level, source);
  const base = `the ${JSON.stringify(level.destination)} entry has no source ${JSON.stringify(srcWord)}${
    source.peer === '' ? '' : ` with Peer ${JSON.stringify(source.peer)}`
  }`;
  if (near.length === 0) return base;
  const names = near.map((ixn) => JSON.stringify(sourceString(ixn))).join(', ');
  const why =
    source.peer === ''
      ? 'which apply only to services imported from that peer, not to local ones'
      : "whose peer differs from the source's, so they do not apply";
  return `${base}; it has ${names}, ${why}`;
}

function matchDetail(ixn: Intention): string {
  const n = ixn.Permissions?.length ?? 0;
  if (n > 0) {
    return `L7 intention (${n} permission${n === 1 ? '' : 's'}): check and authorize treat it as deny; its permissions are enforced per request by the proxy`;
  }
  return `L4 intention, Action ${JSON.stringify(ixn.Action ?? '')}`;
}

/** Explains {@link IntentionSet.decide} for the same arguments. */
export function explainDecision(
  set: IntentionSet,
  source: IntentionSource,
  destination: string,
  defaultAllow: boolean,
): Explanation {
  const own = destination === WILDCARD ? undefined : set.table(destination);
  const levels: Level[] = [];
  if (destination !== WILDCARD) {
    levels.push({ precedence: 9, table: own, destination, wildcardSource: false });
    levels.push({ precedence: 8, table: own, destination, wildcardSource: true });
  }
  const star = set.table(WILDCARD);
  levels.push({ precedence: 6, table: star, destination: WILDCARD, wildcardSource: false });
  levels.push({ precedence: 5, table: star, destination: WILDCARD, wildcardSource: true });

  const steps: ExplainStep[] = [];
  let decided: Intention | undefined;
  for (const level of levels) {
    const src = level.wildcardSource ? WILDCARD : describeSource(source);
    if (decided !== undefined) {
      steps.push({
        Precedence: level.precedence,
        Source: src,
        Destination: level.destination,
        Outcome: 'not-reached',
        Detail: 'a higher-precedence intention already decided',
      });
      continue;
    }
    const hit = level.wildcardSource ? level.table?.wildcard(source) : level.table?.exact(source);
    if (hit?.intention) {
      decided = hit.intention;
      steps.push({
        Precedence: level.precedence,
        Source: src,
        Destination: level.destination,
        Outcome: 'matched',
        Detail: matchDetail(hit.intention),
        Intention: hit.intention,
      });
    } else {
      steps.push({
        Precedence: level.precedence,
        Source: src,
        Destination: level.destination,
        Outcome: 'no-intention',
        Detail: missDetail(level, source),
      });
    }
  }
  const decision = set.decide(source, destination, defaultAllow);
  const who = `${describeSource(source)} => ${destination}`;
  if (decided === undefined) {
    return {
      Allowed: decision.allowed,
      DecidedBy: 'default',
      Reason: `no intention matches ${who}; the default applies (${defaultAllow ? 'allow' : 'deny'}${
        defaultAllow ? ': ACLs are disabled' : ''
      })`,
      DefaultAllow: defaultAllow,
      Steps: steps,
    };
  }
  const l7 = decision.l7 ? ' (L7, so deny here)' : '';
  return {
    Allowed: decision.allowed,
    DecidedBy: 'intention',
    Reason: `intention ${JSON.stringify(sourceString(decided))} => ${JSON.stringify(decided.DestinationName)} (precedence ${decided.Precedence}) decides ${who}${l7}`,
    DefaultAllow: defaultAllow,
    Intention: decided,
    Steps: steps,
  };
}

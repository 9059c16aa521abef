/**
 * All intentions at one config index, indexed for the legacy API (list, exact, match) and compiled per
 * destination for decisions (`check`, `explain`, and later authorize).
 *
 * A decision looks at most at four intentions, in precedence order, and the first that matches the source
 * decides (Consul `Intention.Check`, `connect.IntentionMatch`):
 *
 * | level | destination entry | source         |
 * | ----- | ----------------- | -------------- |
 * | 9     | the destination   | the exact name |
 * | 8     | the destination   | `*`            |
 * | 6     | `*`               | the exact name |
 * | 5     | `*`               | `*`            |
 *
 * Within one entry a (peer, name) pair occurs once (the entry is refused otherwise), so each level holds at most
 * one candidate, found with two map lookups. A source matches only intentions naming its own peer: local sources
 * never match `Sources[].Peer` intentions and peer sources never match local ones, whatever the name.
 *
 * Bounds: the compiled tables are built once per entry when the set is built (one per stored entry, plus none for
 * destinations without an entry, which share the `*` table), so nothing here grows with the queries asked.
 */
import { intentionsOfEntry, isL7, WILDCARD, type Intention, type IntentionEntryRecord } from './intention.js';
import { compareIntentions } from './precedence.js';

/** Who is asking to connect: a local service (`peer` empty) or a service imported from a peer. */
export interface IntentionSource {
  readonly name: string;
  /** Local name of the peer the source lives in; `''` for a local service. */
  readonly peer: string;
}

/** The outcome of a check. Precomputed per intention, so a decision allocates nothing. */
export interface Decision {
  readonly allowed: boolean;
  /** The intention that decided; null when no intention matched and the default applied. */
  readonly intention: Intention | null;
  /**
   * The deciding intention has L7 permissions. Check and authorize treat it as deny (only a proxy that sees the
   * request can apply them), as Consul does.
   */
  readonly l7: boolean;
}

const DEFAULT_ALLOW: Decision = Object.freeze({ allowed: true, intention: null, l7: false });
const DEFAULT_DENY: Decision = Object.freeze({ allowed: false, intention: null, l7: false });

/** The default decision: Consul's `IntentionDefaultAllow` (allow while ACLs are off, else the ACL default policy). */
export function defaultDecision(defaultAllow: boolean): Decision {
  return defaultAllow ? DEFAULT_ALLOW : DEFAULT_DENY;
}

function decisionFor(ixn: Intention): Decision {
  const l7 = isL7(ixn);
  return Object.freeze({ allowed: !l7 && ixn.Action === 'allow', intention: ixn, l7 });
}

/** One entry compiled: exact sources by peer then name, wildcard sources by peer. */
export class DestinationTable {
  readonly destination: string;
  /** The entry's intentions in precedence order. */
  readonly intentions: readonly Intention[];
  readonly #exact = new Map<string, Map<string, Decision>>();
  readonly #wildcard = new Map<string, Decision>();

  constructor(destination: string, intentions: readonly Intention[]) {
    this.destination = destination;
    this.intentions = intentions;
    for (const ixn of intentions) {
      const peer = ixn.SourcePeer ?? '';
      const d = decisionFor(ixn);
      if (ixn.SourceName === WILDCARD) {
        if (!this.#wildcard.has(peer)) this.#wildcard.set(peer, d);
        continue;
      }
      let byName = this.#exact.get(peer);
      if (byName === undefined) {
        byName = new Map();
        this.#exact.set(peer, byName);
      }
      if (!byName.has(ixn.SourceName)) byName.set(ixn.SourceName, d);
    }
  }

  /** The intention for exactly this source (precedence 9 or 6), if any. */
  exact(source: IntentionSource): Decision | undefined {
    return this.#exact.get(source.peer)?.get(source.name);
  }

  /** The `*` source intention for the source's peer (precedence 8 or 5), if any. */
  wildcard(source: IntentionSource): Decision | undefined {
    return this.#wildcard.get(source.peer);
  }
}

const EMPTY_TABLE_WILDCARD = new DestinationTable(WILDCARD, []);

/**
 * An immutable snapshot of every intention at one config index. Build it with {@link IntentionSet.build};
 * {@link IntentionView} rebuilds it when the index moves.
 */
export class IntentionSet {
  /** The `service-intentions` index the set was built at. */
  readonly index: number;
  /** Every intention, sorted by {@link compareIntentions} (Consul's list order). */
  readonly all: readonly Intention[];
  readonly #byDestination: ReadonlyMap<string, DestinationTable>;
  readonly #bySourceName: ReadonlyMap<string, readonly Intention[]>;
  readonly #byLegacyId: ReadonlyMap<string, Intention>;
  readonly #star: DestinationTable;

  private constructor(
    index: number,
    all: readonly Intention[],
    byDestination: ReadonlyMap<string, DestinationTable>,
    bySourceName: ReadonlyMap<string, readonly Intention[]>,
    byLegacyId: ReadonlyMap<string, Intention>,
  ) {
    this.index = index;
    this.all = all;
    this.#byDestination = byDestination;
    this.#bySourceName = bySourceName;
    this.#byLegacyId = byLegacyId;
    this.#star = byDestination.get(WILDCARD) ?? EMPTY_TABLE_WILDCARD;
  }

  static build(index: number, records: readonly IntentionEntryRecord[]): IntentionSet {
    const byDestination = new Map<string, DestinationTable>();
    const bySourceName = new Map<string, Intention[]>();
    const byLegacyId = new Map<string, Intention>();
    const all: Intention[] = [];
    for (const rec of records) {
      const list = intentionsOfEntry(rec).sort(compareIntentions);
      byDestination.set(rec.entry.Name, new DestinationTable(rec.entry.Name, list));
      for (const ixn of list) {
        all.push(ixn);
        if (ixn.ID !== undefined) byLegacyId.set(ixn.ID.toLowerCase(), ixn);
        let bucket = bySourceName.get(ixn.SourceName);
        if (bucket === undefined) {
          bucket = [];
          bySourceName.set(ixn.SourceName, bucket);
        }
        bucket.push(ixn);
      }
    }
    all.sort(compareIntentions);
    for (const bucket of bySourceName.values()) bucket.sort(compareIntentions);
    return new IntentionSet(index, all, byDestination, bySourceName, byLegacyId);
  }

  /**
   * `GET /v1/connect/intentions/:id`: the intention written through the legacy API with this ID (UUIDs compare
   * case-insensitively, as Consul's UUID index decodes them to bytes). Config-entry intentions have no ID.
   */
  byId(id: string): Intention | undefined {
    return this.#byLegacyId.get(id.toLowerCase());
  }

  /** The compiled table of a destination's own entry, if it has one. */
  table(destination: string): DestinationTable | undefined {
    return this.#byDestination.get(destination);
  }

  /** The `*` destination's table (empty when there is no `*` entry). */
  get wildcardTable(): DestinationTable {
    return this.#star;
  }

  /**
   * Consul's `Intention.Check` decision: the highest-precedence intention matching the source decides (an L7
   * one denies); with none, the default.
   */
  decide(source: IntentionSource, destination: string, defaultAllow: boolean): Decision {
    const own = destination === WILDCARD ? undefined : this.#byDestination.get(destination);
    return (
      own?.exact(source) ??
      own?.wildcard(source) ??
      this.#star.exact(source) ??
      this.#star.wildcard(source) ??
      defaultDecision(defaultAllow)
    );
  }

  /** `GET /v1/connect/intentions/exact`: the intention from exactly this source to exactly this destination. */
  exact(source: IntentionSource, destination: string): Intention | undefined {
    const table = this.#byDestination.get(destination);
    if (table === undefined) return undefined;
    return source.name === WILDCARD
      ? (table.wildcard(source)?.intention ?? undefined)
      : (table.exact(source)?.intention ?? undefined);
  }

  /**
   * `GET /v1/connect/intentions/match?by=destination`: the intentions that apply to connections into `name`
   * (its own entry and the `*` entry), in evaluation order.
   */
  matchDestination(name: string): Intention[] {
    const own = name === WILDCARD ? undefined : this.#byDestination.get(name);
    const out = [...(own?.intentions ?? []), ...this.#star.intentions];
    return out.sort(compareIntentions);
  }

  /**
   * `GET /v1/connect/intentions/match?by=source`: the intentions whose source is `name` or `*`, in evaluation
   * order. Only local sources: an intention naming a peer never applies to a local service.
   */
  matchSource(name: string): Intention[] {
    const exact = name === WILDCARD ? [] : (this.#bySourceName.get(name) ?? []);
    const wild = this.#bySourceName.get(WILDCARD) ?? [];
    return [...exact, ...wild].filter((ixn) => ixn.SourcePeer === undefined).sort(compareIntentions);
  }
}

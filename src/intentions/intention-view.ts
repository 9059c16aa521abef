/**
 * The current {@link IntentionSet}, rebuilt only when the `service-intentions` index moves. Reading the index is
 * one map lookup, so a decision on an unchanged configuration costs the index read plus at most four map lookups.
 */
import type { IntentionEntryRecord } from './intention.js';
import { IntentionSet } from './intention-set.js';

/** Where intentions come from: the state store's config entries, narrowed to what the view calls. */
export interface IntentionStore {
  /** The index of the `service-intentions` kind: moves on every write or delete of such an entry. */
  intentionsIndex(): number;
  /** Every stored `service-intentions` entry. Called only when the index moved. */
  intentionEntries(): readonly IntentionEntryRecord[];
}

export class IntentionView {
  readonly #store: IntentionStore;
  #set: IntentionSet | undefined;

  constructor(store: IntentionStore) {
    this.#store = store;
  }

  /** The set at the store's current index, rebuilt if the index moved since the last call. */
  current(): IntentionSet {
    const index = this.#store.intentionsIndex();
    if (this.#set?.index !== index) this.#set = IntentionSet.build(index, this.#store.intentionEntries());
    return this.#set;
  }
}

import { blockingQuery, type BlockingBackend } from '../../blocking/index.js';
import { goQuote } from '../../lib/go/strconv.js';
import type { WatchSet } from '../../state/index.js';
import type { HealthCheck, HealthStatus, NodeService } from '../../types/index.js';
import type { ProbeResult } from './interval-runner.js';

/** What an alias check reads: a node's checks and services, with watch sets for blocking. */
export interface AliasStore extends BlockingBackend {
  nodeChecks(ws: WatchSet | undefined, peer: string, node: string): { index: number; value: HealthCheck[] };
  nodeServices(
    ws: WatchSet | undefined,
    peer: string,
    node: string,
  ): { index: number; value: { services: NodeService[] } | null };
}

export interface AliasRunnerOptions {
  store: AliasStore;
  /** This check's ID: never counted in its own result. */
  checkID: string;
  /** This agent's node (aliases without `AliasNode` look here). */
  localNode: string;
  /** `AliasNode` as registered ('' = this node). */
  aliasNode: string;
  /** `AliasService` ('' = the node's own checks only). */
  aliasService: string;
  /** Records a result; awaited before the next wait. */
  report: (result: ProbeResult) => Promise<void>;
  onError: (err: unknown) => void;
}

/**
 * An alias check (Consul's `CheckAlias`): mirrors the worst status of the aliased service's checks (and the node's
 * own checks) on the aliased node. It follows changes with a blocking query on that node's checks and services (a
 * watch in the store, woken by the write that changed them; no polling), and recomputes on each wake.
 */
export class AliasRunner {
  readonly #opts: AliasRunnerOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(opts: AliasRunnerOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the watch and resolves once the loop has stopped. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('check runner stopped'));
    await this.#loop;
  }

  /** Stopped, or the store went away (shutdown): either way, no more waits. */
  #stopped(): boolean {
    return this.#abort.signal.aborted || this.#opts.store.abandoned.aborted;
  }

  async #run(): Promise<void> {
    const { store } = this.#opts;
    const node = this.#opts.aliasNode || this.#opts.localNode;
    const signal = this.#abort.signal;
    let index = 0;
    while (!this.#stopped()) {
      try {
        const r = await blockingQuery(store, { minIndex: index, signal }, (ws) => {
          const checks = store.nodeChecks(ws, '', node);
          const services = store.nodeServices(ws, '', node);
          return {
            index: Math.max(checks.index, services.index),
            value: { checks: checks.value, services: services.value?.services ?? [] },
          };
        });
        if (this.#stopped()) return;
        // Never 0 again: index 0 would make the next query return at once (a hot loop).
        index = Math.max(1, r.index);
        const checks = r.value.checks.filter((c) => c.CheckID !== this.#opts.checkID);
        const exists = r.value.services.some((s) => s.ID === this.#opts.aliasService);
        await this.#opts.report(aliasStatus(checks, this.#opts.aliasNode, this.#opts.aliasService, exists));
      } catch (err) {
        if (this.#stopped()) return;
        this.#opts.onError(err);
      }
    }
  }
}

/**
 * Consul's `CheckAlias.processChecks`: the node's own checks and the aliased service's checks count; the first
 * critical wins, else the last warning, else passing. No check of the service, and no such service → critical.
 */
export function aliasStatus(
  checks: readonly HealthCheck[],
  aliasNode: string,
  aliasService: string,
  serviceExists: boolean,
): ProbeResult {
  let status: HealthStatus = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const chk of checks) {
    if (aliasNode !== '' && chk.Node !== aliasNode) continue;
    const match = chk.ServiceID === aliasService;
    if (chk.ServiceID !== '' && !match) continue;
    if (match) serviceFound = true;
    if (chk.Status === 'critical' || chk.Status === 'warning') {
      status = chk.Status;
      output = `Aliased check ${goQuote(chk.Name)} failing: ${chk.Output}`;
      if (chk.Status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  if (!serviceFound && !serviceExists) {
    status = 'critical';
    output = `Service ${aliasService} could not be found on node ${aliasNode}`;
  }
  return { status, output };
}

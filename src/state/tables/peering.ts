import type { Peering, PeeringRemote, PeeringSecrets, PeeringTrustBundle } from '../../types/index.js';
import { isPeeringActive, shouldDial } from '../../types/index.js';
import { IDX } from '../index-table.js';
import { applyError, applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import type { CatalogTable, CheckInput, NodeInput, QueryResult, ServiceInput } from './catalog.js';
import { cmp, peerKey } from './keys.js';

/** One instance as a peer replicates it (indexes zeroed; PeerName set by the importer). */
export interface ImportedInstance {
  Node: NodeInput;
  Service: ServiceInput;
  Checks: CheckInput[];
}

/** One imported instance named by its node and service ID (what a delta removes). */
export interface ImportedInstanceRef {
  Node: string;
  ServiceID: string;
}

/**
 * One service's part of a `peering-import-batch`. `Replace`: `Upserts` is the service's whole instance set (what
 * is stored and not in it is removed, as `peering-import-service` does). Otherwise a delta against what is stored:
 * `Removes` are deleted first, then `Upserts` written; instances in neither are left as they are.
 */
export interface ImportedServiceUpdate {
  ServiceName: string;
  Replace: boolean;
  Upserts: ImportedInstance[];
  Removes: ImportedInstanceRef[];
}

export type PeeringCommand =
  | {
      /** Acceptor: a token was generated. Creates the peering (PENDING) or keeps it; replaces the establishment secret. */
      Type: 'peering-token';
      ID: string;
      Name: string;
      Meta: Record<string, string>;
      EstablishmentSecret: string;
    }
  | {
      /** Acceptor: the dialer presented the establishment secret; it is burnt and a pending stream secret stored. */
      Type: 'peering-exchange-secret';
      ID: string;
      EstablishmentSecret: string;
      PendingStreamSecret: string;
    }
  | {
      /** Dialer: create or update the dialing side from a token; with a secret, it becomes ESTABLISHING. */
      Type: 'peering-establish';
      ID: string;
      Name: string;
      Meta: Record<string, string>;
      PeerID: string;
      PeerCAPems: string[];
      PeerServerName: string;
      PeerServerAddresses: string[];
      ManualServerAddresses: string[];
      Remote: PeeringRemote;
      ActiveStreamSecret: string;
    }
  | { Type: 'peering-promote-secret'; ID: string; Remote: PeeringRemote }
  | { Type: 'peering-delete'; Name: string; DeletedAt: string }
  | { Type: 'peering-terminated'; ID: string }
  | { Type: 'peering-remove'; ID: string }
  | {
      Type: 'peering-trust-bundle';
      ID: string;
      TrustDomain: string;
      RootPEMs: string[];
      ExportedPartition: string;
    }
  | { Type: 'peering-server-addresses'; ID: string; Addresses: string[] }
  | {
      /** Importer: replace every instance of one service imported from a peer (empty Nodes = delete it). */
      Type: 'peering-import-service';
      PeerName: string;
      ServiceName: string;
      Nodes: ImportedInstance[];
    }
  | {
      /**
       * Importer: several services' updates received while the previous write was in flight, in one log entry
       * (one append and fsync for a burst). Applied in order; refused as a whole (nothing changes) when the peering
       * is not active or an instance names another service.
       */
      Type: 'peering-import-batch';
      PeerName: string;
      Services: ImportedServiceUpdate[];
    }
  | {
      /** Importer: drop imported services the peer no longer exports (and their synthetic sidecar proxies). */
      Type: 'peering-import-list';
      PeerName: string;
      Services: string[];
    };

interface PeeringSection {
  Peerings: Peering[];
  Secrets: [string, PeeringSecrets][];
  TrustBundles: PeeringTrustBundle[];
}

/**
 * Peerings, their secrets and the peers' trust bundles; imports of a peer's services into the catalog. Index
 * keys: `peerings`, `peering-trust-bundles` (imports move the catalog's keys).
 */
export class PeeringTable implements Table<PeeringCommand> {
  readonly name = 'peering';
  readonly commands = [
    'peering-token',
    'peering-exchange-secret',
    'peering-establish',
    'peering-promote-secret',
    'peering-delete',
    'peering-terminated',
    'peering-remove',
    'peering-trust-bundle',
    'peering-server-addresses',
    'peering-import-service',
    'peering-import-list',
    'peering-import-batch',
  ] as const;
  readonly #deps: TableDeps;
  readonly #catalog: CatalogTable;
  /** peering ID → record */
  #peerings = new Map<string, Peering>();
  #secrets = new Map<string, PeeringSecrets>();
  /** local peer name → bundle */
  #trustBundles = new Map<string, PeeringTrustBundle>();

  constructor(deps: TableDeps, catalog: CatalogTable) {
    this.#deps = deps;
    this.#catalog = catalog;
  }

  apply(ctx: ApplyContext, cmd: PeeringCommand): ApplyResult {
    const fail = (error: string): ApplyResult => applyError('ENT_ERR_PEERING_STATE', error);
    switch (cmd.Type) {
      case 'peering-token': {
        const existing = this.#byName(cmd.Name);
        if (existing && shouldDial(existing)) {
          return fail(
            `cannot create peering with name: "${cmd.Name}"; there is already an established peering`,
          );
        }
        if (existing && !isPeeringActive(existing))
          return fail(`cannot write to peering that is marked for deletion`);
        const p: Peering = existing ?? {
          ID: cmd.ID,
          Name: cmd.Name,
          Meta: cmd.Meta,
          State: 'PENDING',
          PeerID: '',
          PeerCAPems: [],
          PeerServerName: '',
          PeerServerAddresses: [],
          ManualServerAddresses: [],
          Remote: { Partition: '', Datacenter: '' },
          CreateIndex: ctx.index,
          ModifyIndex: ctx.index,
        };
        this.#put(ctx, p);
        const prev = this.#secrets.get(p.ID);
        this.#secrets.set(p.ID, {
          EstablishmentSecret: cmd.EstablishmentSecret,
          ActiveStreamSecret: prev?.ActiveStreamSecret ?? '',
          PendingStreamSecret: prev?.PendingStreamSecret ?? '',
        });
        return applyOk(p.ID);
      }
      case 'peering-exchange-secret': {
        const secrets = this.#secrets.get(cmd.ID);
        if (!secrets || secrets.EstablishmentSecret === '') {
          return applyError(
            'ENT_ERR_PEERING_SECRET_INVALID',
            'invalid establishment secret: peering was already established',
          );
        }
        if (secrets.EstablishmentSecret !== cmd.EstablishmentSecret)
          return applyError('ENT_ERR_PEERING_SECRET_INVALID', 'invalid establishment secret');
        this.#secrets.set(cmd.ID, {
          ...secrets,
          EstablishmentSecret: '',
          PendingStreamSecret: cmd.PendingStreamSecret,
        });
        ctx.bump(IDX.peerings);
        return applyOk();
      }
      case 'peering-establish': {
        const existing = this.#peerings.get(cmd.ID) ?? this.#byName(cmd.Name);
        if (existing && !shouldDial(existing) && existing.State !== 'TERMINATED' && existing.PeerID === '') {
          return fail(
            `cannot create peering with name: "${cmd.Name}"; there is an existing peering expecting to be dialed`,
          );
        }
        if (existing && existing.State === 'DELETING')
          return fail('cannot write to peering that is marked for deletion');
        const p: Peering = {
          ID: existing?.ID ?? cmd.ID,
          Name: cmd.Name,
          Meta: cmd.Meta,
          State: cmd.ActiveStreamSecret === '' ? (existing?.State ?? 'PENDING') : 'ESTABLISHING',
          PeerID: cmd.PeerID,
          PeerCAPems: cmd.PeerCAPems,
          PeerServerName: cmd.PeerServerName,
          PeerServerAddresses: cmd.PeerServerAddresses,
          ManualServerAddresses: cmd.ManualServerAddresses,
          Remote: cmd.Remote,
          CreateIndex: existing?.CreateIndex ?? ctx.index,
          ModifyIndex: ctx.index,
        };
        this.#put(ctx, p);
        if (cmd.ActiveStreamSecret !== '') {
          this.#secrets.set(p.ID, {
            EstablishmentSecret: '',
            ActiveStreamSecret: cmd.ActiveStreamSecret,
            PendingStreamSecret: '',
          });
        }
        return applyOk(p.ID);
      }
      case 'peering-promote-secret': {
        const p = this.#peerings.get(cmd.ID);
        const secrets = this.#secrets.get(cmd.ID);
        if (!p || !secrets || secrets.PendingStreamSecret === '')
          return fail('no pending stream secret to promote');
        this.#secrets.set(cmd.ID, {
          ...secrets,
          ActiveStreamSecret: secrets.PendingStreamSecret,
          PendingStreamSecret: '',
        });
        this.#put(ctx, { ...p, Remote: cmd.Remote });
        return applyOk();
      }
      case 'peering-delete': {
        const p = this.#byName(cmd.Name);
        // Deleting a missing or already-deleting peering succeeds silently, as in Consul.
        if (!p || p.State === 'DELETING') return applyOk();
        this.#put(ctx, { ...p, State: 'DELETING', DeletedAt: cmd.DeletedAt });
        this.#secrets.delete(p.ID);
        return applyOk();
      }
      case 'peering-terminated': {
        const p = this.#peerings.get(cmd.ID);
        if (!p || p.State === 'DELETING' || p.State === 'TERMINATED') return applyOk();
        this.#put(ctx, { ...p, State: 'TERMINATED' });
        this.#dropImported(ctx, p.Name);
        return applyOk();
      }
      case 'peering-remove': {
        const p = this.#peerings.get(cmd.ID);
        if (!p) return applyOk();
        if (isPeeringActive(p)) return fail('cannot delete a peering that is still active');
        this.#dropImported(ctx, p.Name);
        this.#peerings.delete(p.ID);
        this.#secrets.delete(p.ID);
        ctx.bump(IDX.peerings);
        return applyOk();
      }
      case 'peering-trust-bundle': {
        const p = this.#peerings.get(cmd.ID);
        if (!p) return applyError('ENT_ERR_PEERING_NOT_FOUND', `peering ${cmd.ID} not found`);
        if (!isPeeringActive(p)) return fail('cannot write to peering that is marked for deletion');
        const prev = this.#trustBundles.get(p.Name);
        const pems = cmd.RootPEMs.map((r) => (r.endsWith('\n') ? r : `${r}\n`));
        this.#trustBundles.set(p.Name, {
          PeerName: p.Name,
          TrustDomain: cmd.TrustDomain,
          RootPEMs: pems,
          ExportedPartition: cmd.ExportedPartition,
          CreateIndex: prev?.CreateIndex ?? ctx.index,
          ModifyIndex: ctx.index,
        });
        ctx.bump(IDX.trustBundles);
        this.#put(ctx, { ...p, PeerCAPems: pems });
        return applyOk();
      }
      case 'peering-server-addresses': {
        const p = this.#peerings.get(cmd.ID);
        if (!p || !isPeeringActive(p)) return fail(`peering ${cmd.ID} is not active`);
        this.#put(ctx, { ...p, PeerServerAddresses: cmd.Addresses });
        return applyOk();
      }
      case 'peering-import-service':
        return this.#importService(ctx, cmd);
      case 'peering-import-list':
        return this.#importList(ctx, cmd.PeerName, cmd.Services);
      case 'peering-import-batch':
        return this.#importBatch(ctx, cmd.PeerName, cmd.Services);
    }
  }

  #byName(name: string): Peering | undefined {
    for (const p of this.#peerings.values()) if (p.Name === name) return p;
    return undefined;
  }

  #put(ctx: ApplyContext, p: Peering): void {
    this.#peerings.set(p.ID, { ...p, ModifyIndex: ctx.index });
    ctx.bump(IDX.peerings);
  }

  /** Deletes every node (with its services and checks) imported from `peerName`, and its trust bundle. */
  #dropImported(ctx: ApplyContext, peerName: string): void {
    this.#catalog.dropPeer(ctx, peerName);
    if (this.#trustBundles.delete(peerName)) ctx.bump(IDX.trustBundles);
  }

  /** Imports are accepted only for an active peering: a stream racing a delete cannot leave orphaned data. */
  #refuseImport(peer: string): ApplyResult | undefined {
    if (peer === '') return applyError('ENT_ERR_BAD_REQUEST', 'import needs a peer name');
    const p = this.#byName(peer);
    if (!p || !isPeeringActive(p))
      return applyError('ENT_ERR_PEERING_STATE', `peering "${peer}" is not active`);
    return undefined;
  }

  /** Makes the imported instances of one service equal to `cmd.Nodes` (the pre-batch command, still applied). */
  #importService(
    ctx: ApplyContext,
    cmd: Extract<PeeringCommand, { Type: 'peering-import-service' }>,
  ): ApplyResult {
    return this.#importBatch(ctx, cmd.PeerName, [
      { ServiceName: cmd.ServiceName, Replace: true, Upserts: cmd.Nodes, Removes: [] },
    ]);
  }

  /** Validates every update first (a refused batch changes nothing), then applies them in order. */
  #importBatch(ctx: ApplyContext, peer: string, updates: readonly ImportedServiceUpdate[]): ApplyResult {
    const refused = this.#refuseImport(peer);
    if (refused) return refused;
    for (const u of updates) {
      for (const inst of u.Upserts) {
        if (inst.Service.Service.toLowerCase() !== u.ServiceName.toLowerCase()) {
          return applyError(
            'ENT_ERR_BAD_REQUEST',
            `instance ${inst.Service.ID} of service "${inst.Service.Service}" does not belong to "${u.ServiceName}"`,
          );
        }
      }
    }
    for (const u of updates) {
      const r = this.#applyServiceUpdate(ctx, peer, u);
      if (!r.ok) return r;
    }
    return applyOk();
  }

  /**
   * Makes the imported instances of one service match the update: (delta) removes the listed instances, registers
   * the sent ones (writes of unchanged objects are no-ops, so indexes do not move) and drops their service checks no
   * longer sent; (replace) also removes every stored instance not sent. Then nodes left with no service go. Every
   * object written carries `PeerName`; nothing outside that peer's data is touched.
   */
  #applyServiceUpdate(ctx: ApplyContext, peer: string, u: ImportedServiceUpdate): ApplyResult {
    const touchedNodes = new Set<string>();
    for (const ref of u.Removes) {
      const key = peerKey(peer, ref.Node);
      this.#catalog.deleteService(ctx, peer, key, ref.Node, ref.ServiceID);
      touchedNodes.add(key);
    }
    const keep = new Set<string>();
    for (const inst of u.Upserts) {
      const node = { ...inst.Node, PeerName: peer };
      const service = { ...inst.Service, PeerName: peer };
      const checks = inst.Checks.map((c) => ({ ...c, Node: node.Node, PeerName: peer }));
      const r = this.#catalog.register(
        ctx,
        { Type: 'register', Node: node, SkipNodeUpdate: false, Service: service, Checks: checks },
        true,
      );
      if (!r.ok) return r;
      const key = peerKey(peer, node.Node);
      keep.add(`${key}\u0001${service.ID}`);
      touchedNodes.add(key);
      // Service checks the peer no longer sends.
      const sent = new Set(checks.map((c) => c.CheckID));
      this.#catalog.dropServiceChecksExcept(ctx, peer, key, node.Node, service.ID, sent);
    }
    if (u.Replace) {
      for (const ref of [...this.#catalog.instanceRefs(peer, u.ServiceName)]) {
        if (keep.has(ref)) continue;
        const { key, node, serviceID } = this.#catalog.nodeOfRef(ref);
        if (node) {
          this.#catalog.deleteService(ctx, peer, key, node.Node, serviceID);
          touchedNodes.add(key);
        }
      }
    }
    this.#catalog.dropNodesWithoutServices(ctx, peer, touchedNodes);
    return applyOk();
  }

  #importList(ctx: ApplyContext, peer: string, services: string[]): ApplyResult {
    const refused = this.#refuseImport(peer);
    if (refused) return refused;
    const listed = new Set<string>();
    for (const s of services) {
      listed.add(s.toLowerCase());
      listed.add(`${s}-sidecar-proxy`.toLowerCase());
    }
    const touched = new Set<string>();
    for (const { key, node, service } of [...this.#catalog.servicesOfPeer(peer)]) {
      if (!listed.has(service.Service.toLowerCase())) {
        this.#catalog.deleteService(ctx, peer, key, node.Node, service.ID);
        touched.add(key);
      }
    }
    this.#catalog.dropNodesWithoutServices(ctx, peer, touched);
    return applyOk();
  }

  // ---------------------------------------------------------------- reads

  peerings(ws: WatchSet | undefined): QueryResult<Peering[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.peerings);
    return { index, value: [...this.#peerings.values()].sort((a, b) => cmp(a.Name, b.Name)) };
  }

  peering(ws: WatchSet | undefined, name: string): QueryResult<Peering | null> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.peerings);
    return { index, value: this.#byName(name) ?? null };
  }

  peeringById(id: string): Peering | undefined {
    return this.#peerings.get(id);
  }

  /** Secrets of a peering. Callers compare them in constant time and never log them. */
  peeringSecrets(id: string): PeeringSecrets | undefined {
    return this.#secrets.get(id);
  }

  trustBundle(ws: WatchSet | undefined, peerName: string): QueryResult<PeeringTrustBundle | null> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.trustBundles);
    return { index, value: this.#trustBundles.get(peerName) ?? null };
  }

  snapshot(): PeeringSection {
    return {
      Peerings: [...this.#peerings.values()],
      Secrets: [...this.#secrets.entries()],
      TrustBundles: [...this.#trustBundles.values()],
    };
  }

  restore(section: unknown): void {
    const s = section as PeeringSection | undefined;
    this.#peerings = new Map((s?.Peerings ?? []).map((p) => [p.ID, p]));
    this.#secrets = new Map(s?.Secrets ?? []);
    this.#trustBundles = new Map((s?.TrustBundles ?? []).map((b) => [b.PeerName, b]));
  }
}

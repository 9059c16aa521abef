import type {
  HealthCheck,
  KVEntry,
  Node,
  NodeService,
  Peering,
  PeeringSecrets,
  PeeringTrustBundle,
} from '../types/index.js';
import { isPeeringActive, shouldDial } from '../types/index.js';
import {
  applyError,
  type ApplyResult,
  type CARootRecord,
  type CheckInput,
  type Command,
  type ServiceInput,
} from './commands.js';
import { WatchHub, type WatchSet } from './watch.js';

/** Index-table keys. They double as watch topics: bumping a key wakes the blocking queries that read it. */
export const IDX = {
  nodes: 'nodes',
  services: 'services',
  checks: 'checks',
  kvs: 'kvs',
  configEntries: 'config-entries',
  system: 'system',
  peerings: 'peerings',
  caRoots: 'ca-roots',
  trustBundles: 'peering-trust-bundles',
  service: (peer: string, name: string): string => `service.${peer}/${name.toLowerCase()}`,
  node: (peer: string, name: string): string => `node.${peer}/${name.toLowerCase()}`,
  kv: (key: string): string => `kv.${key}`,
  configKind: (kind: string): string => `config.${kind}`,
  configEntry: (kind: string, name: string): string => `config.${kind}/${name}`,
} as const;

/**
 * Key of a node, or of a service name, in the catalog maps: unique per peer, names compared without case (as
 * Consul's memdb indexes do).
 */
function peerKey(peer: string, name: string): string {
  return `${peer}\u0000${name.toLowerCase()}`;
}
const nodeKey = peerKey;
const serviceNameKey = peerKey;

/** Result of a read: the value and the index a client blocks on next. */
export interface QueryResult<T> {
  index: number;
  value: T;
}

/** One service instance with the node it runs on. */
export interface ServiceInstance {
  node: Node;
  service: NodeService;
}

export interface ConfigEntryRecord {
  entry: Record<string, unknown> & { Kind: string; Name: string };
  CreateIndex: number;
  ModifyIndex: number;
}

interface Tables {
  nodes: Map<string, Node>;
  /** `${peer}\u0000${node ID}` → node key, for the uniqueness check on registration. */
  nodeIds: Map<string, string>;
  services: Map<string, Map<string, NodeService>>;
  checks: Map<string, Map<string, HealthCheck>>;
  /** service name key → set of `${nodeKey}\u0001${serviceID}` */
  byServiceName: Map<string, Set<string>>;
  kv: Map<string, KVEntry>;
  kvTombstones: Map<string, number>;
  config: Map<string, Map<string, ConfigEntryRecord>>;
  index: Map<string, number>;
  clusterId: string;
  /** peering ID → record */
  peerings: Map<string, Peering>;
  secrets: Map<string, PeeringSecrets>;
  /** local peer name → bundle */
  trustBundles: Map<string, PeeringTrustBundle>;
  caRoots: CARootRecord[];
  caSigningKeyPem: string;
  /** service name key (peer + name) → virtual IP offset in 240.0.0.0/4 */
  virtualIps: Map<string, number>;
  /** Offsets of services that are gone, reusable. */
  freeVirtualIps: number[];
  nextVirtualIp: number;
}

function emptyTables(): Tables {
  return {
    nodes: new Map(),
    nodeIds: new Map(),
    services: new Map(),
    checks: new Map(),
    byServiceName: new Map(),
    kv: new Map(),
    kvTombstones: new Map(),
    config: new Map(),
    index: new Map(),
    clusterId: '',
    peerings: new Map(),
    secrets: new Map(),
    trustBundles: new Map(),
    caRoots: [],
    caSigningKeyPem: '',
    virtualIps: new Map(),
    freeVirtualIps: [],
    nextVirtualIp: 1,
  };
}

const SNAPSHOT_VERSION = 1;
/** 240.0.0.0/4, Consul's virtual IP range: base address and number of addresses. */
const VIRTUAL_IP_BASE = 240 * 2 ** 24;
const VIRTUAL_IP_RANGE = 2 ** 28;
/** Services whose instance lists are kept between reads; past this the memo starts over. */
const INSTANCE_MEMO_MAX = 4096;

/**
 * The in-memory state machine: catalog, KV and config entries with Consul's index semantics. It knows nothing of
 * where commands come from (the log) or who reads (HTTP, DNS): writes arrive through {@link apply} in index order;
 * reads take a {@link WatchSet} to record what a blocking query must wait on.
 *
 * NOTE: apply() must be deterministic (same state + command → same state) and must not throw for bad input: it
 * answers an error result and leaves state untouched, so every server replaying the log agrees.
 */
export class StateStore {
  #t: Tables = emptyTables();
  #lastIndex = 0;
  /** Wakes blocking queries; fired after each apply. */
  readonly hub = new WatchHub();
  /** Bumped topics of the command being applied. */
  #fired = new Set<string>();
  #firedKeys: string[] = [];
  readonly #abandon = new AbortController();
  /** serviceInstances results by service, valid while the service's index holds. */
  readonly #instanceMemo = new Map<string, QueryResult<ServiceInstance[]>>();

  get lastIndex(): number {
    return this.#lastIndex;
  }

  get clusterId(): string {
    return this.#t.clusterId;
  }

  // ---------------------------------------------------------------- writes

  /** Applies one committed command at `index`. */
  apply(index: number, cmd: Command): ApplyResult {
    this.#lastIndex = Math.max(this.#lastIndex, index);
    this.#fired = new Set();
    this.#firedKeys = [];
    let result: ApplyResult;
    switch (cmd.Type) {
      case 'cluster-init':
        if (this.#t.clusterId === '') {
          this.#t.clusterId = cmd.ClusterID;
          this.#bump(IDX.system, index);
        }
        result = { ok: true, value: this.#t.clusterId };
        break;
      case 'register':
        result = this.#applyRegister(index, cmd);
        break;
      case 'deregister':
        result = this.#applyDeregister(index, cmd.PeerName, cmd.Node, cmd.ServiceID, cmd.CheckID);
        break;
      case 'check-update':
        result = this.#applyCheckUpdate(index, cmd);
        break;
      case 'kv':
        result = this.#applyKv(index, cmd);
        break;
      case 'config-set':
        result = this.#applyConfigSet(index, cmd.Entry, cmd.Cas);
        break;
      case 'config-delete':
        result = this.#applyConfigDelete(index, cmd.Kind, cmd.Name, cmd.Cas);
        break;
      case 'ca-init':
        if (this.#t.caRoots.length === 0) {
          this.#t.caRoots = cmd.Roots.map((r) => ({ ...r, CreateIndex: index, ModifyIndex: index }));
          this.#t.caSigningKeyPem = cmd.SigningKeyPem;
          this.#bump(IDX.caRoots, index);
        }
        result = { ok: true, value: true };
        break;
      case 'peering-token':
      case 'peering-exchange-secret':
      case 'peering-establish':
      case 'peering-promote-secret':
      case 'peering-delete':
      case 'peering-terminated':
      case 'peering-remove':
      case 'peering-trust-bundle':
      case 'peering-server-addresses':
        result = this.#applyPeering(index, cmd);
        break;
      case 'peering-import-service':
        result = this.#applyImportService(index, cmd);
        break;
      case 'peering-import-list':
        result = this.#applyImportList(index, cmd.PeerName, cmd.Services);
        break;
    }
    const fired = this.#fired;
    const keys = this.#firedKeys;
    if (fired.size > 0 || keys.length > 0) this.hub.fire(fired, keys);
    return result;
  }

  #bump(key: string, index: number): void {
    this.#t.index.set(key, index);
    this.#fired.add(key);
  }

  #bumpNode(peer: string, name: string, index: number): void {
    this.#bump(IDX.node(peer, name), index);
  }

  /** A node-level change (node record or node check) changes the health of every service on the node. */
  #bumpAllServicesOfNode(peer: string, name: string, index: number): void {
    const services = this.#t.services.get(nodeKey(peer, name));
    if (!services) return;
    for (const svc of services.values()) this.#bump(IDX.service(peer, svc.Service), index);
  }

  #applyRegister(index: number, cmd: Extract<Command, { Type: 'register' }>, imported = false): ApplyResult {
    const peer = cmd.Node.PeerName ?? '';
    const key = nodeKey(peer, cmd.Node.Node);
    const existing = this.#t.nodes.get(key);
    // Validate everything first: a failed register changes nothing.
    // Node IDs are unique per peer for local registrations; imported IDs are the peer's business, and an import
    // must never fail half-way (see #applyImportService).
    // A register that leaves an existing node alone (SkipNodeUpdate) does not write its ID either.
    const writesNode = !existing || !cmd.SkipNodeUpdate;
    if (cmd.Node.ID !== '' && !imported && writesNode) {
      const owner = this.#t.nodeIds.get(`${peer}\u0000${cmd.Node.ID}`);
      const n = owner === undefined ? undefined : this.#t.nodes.get(owner);
      if (n && n.Node.toLowerCase() !== cmd.Node.Node.toLowerCase()) {
        return applyError(
          'ENT_ERR_NODE_ID_TAKEN',
          `failed inserting node: Error while renaming Node ID: "${cmd.Node.ID}": Node name ${n.Node} is reserved by node ${n.ID} with name ${n.Node}`,
        );
      }
    }
    const services = this.#t.services.get(key);
    for (const chk of cmd.Checks) {
      if (chk.ServiceID !== '') {
        const known =
          (cmd.Service && cmd.Service.ID === chk.ServiceID) || (services?.has(chk.ServiceID) ?? false);
        if (!known) {
          return applyError(
            'ENT_ERR_CHECK_SERVICE_UNKNOWN',
            `Failed to register check: ${chk.CheckID}: Unknown service ID "${chk.ServiceID}" for check ID "${chk.CheckID}"`,
          );
        }
      }
    }

    // Node.
    if (writesNode) {
      const next: Node = {
        ...cmd.Node,
        ...(peer === '' ? {} : { PeerName: peer }),
        CreateIndex: existing?.CreateIndex ?? index,
        ModifyIndex: index,
      };
      if (!existing || !sameIgnoringIndexes(existing, next)) {
        if (existing && existing.Node !== next.Node) this.#renameNode(index, existing, next);
        this.#t.nodes.set(key, next);
        this.#indexNodeId(existing, next, key);
        this.#bump(IDX.nodes, index);
        this.#bumpNode(peer, next.Node, index);
        this.#bumpAllServicesOfNode(peer, next.Node, index);
      }
    }
    const nodeName = this.#t.nodes.get(key)?.Node ?? cmd.Node.Node;

    // Service.
    if (cmd.Service) this.#upsertService(index, peer, key, nodeName, cmd.Service);

    // Checks.
    for (const chk of cmd.Checks) this.#upsertCheck(index, peer, key, nodeName, chk);
    return { ok: true, value: true };
  }

  /** Keeps the (peer, node ID) → node key index in step with the nodes table. */
  #indexNodeId(prev: Node | undefined, next: Node | undefined, key: string): void {
    if (prev && prev.ID !== '') {
      const k = `${prev.PeerName ?? ''}\u0000${prev.ID}`;
      if (this.#t.nodeIds.get(k) === key) this.#t.nodeIds.delete(k);
    }
    if (next && next.ID !== '') this.#t.nodeIds.set(`${next.PeerName ?? ''}\u0000${next.ID}`, key);
  }

  #renameNode(index: number, prev: Node, next: Node): void {
    // Only the capitalisation can differ (the key is case-insensitive): keep children pointing at the new name.
    // NOTE: stored objects are never mutated, only replaced: readers (and the HTTP renderer's per-object caches)
    // may hold on to them.
    const checks = this.#t.checks.get(nodeKey(prev.PeerName ?? '', prev.Node));
    for (const chk of [...(checks?.values() ?? [])]) checks?.set(chk.CheckID, { ...chk, Node: next.Node });
    // Check reads (health/state, health/checks) show the node name: their index must move too.
    if (checks && checks.size > 0) this.#bump(IDX.checks, index);
  }

  #upsertService(index: number, peer: string, key: string, nodeName: string, input: ServiceInput): void {
    let services = this.#t.services.get(key);
    if (!services) {
      services = new Map();
      this.#t.services.set(key, services);
    }
    const prev = services.get(input.ID);
    const next: NodeService = {
      ...input,
      ...(peer === '' ? {} : { PeerName: peer }),
      CreateIndex: prev?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (prev && sameIgnoringIndexes(prev, next)) return;
    services.set(input.ID, next);
    if (prev && prev.Service.toLowerCase() !== next.Service.toLowerCase()) {
      this.#unindexService(peer, key, prev);
      this.#bump(IDX.service(peer, prev.Service), index);
    }
    const snKey = serviceNameKey(peer, next.Service);
    let set = this.#t.byServiceName.get(snKey);
    if (!set) {
      set = new Set();
      this.#t.byServiceName.set(snKey, set);
      this.#allocateVirtualIp(snKey);
    }
    set.add(`${key}\u0001${next.ID}`);
    // Service-level checks carry the service's name and tags (replaced, never mutated: see #renameNode).
    const checks = this.#t.checks.get(key);
    for (const chk of [...(checks?.values() ?? [])]) {
      if (chk.ServiceID === next.ID) {
        checks?.set(chk.CheckID, { ...chk, ServiceName: next.Service, ServiceTags: [...next.Tags] });
        this.#bump(IDX.checks, index);
      }
    }
    this.#bump(IDX.services, index);
    this.#bump(IDX.service(peer, next.Service), index);
    this.#bumpNode(peer, nodeName, index);
  }

  #unindexService(peer: string, key: string, svc: NodeService): void {
    const snKey = serviceNameKey(peer, svc.Service);
    const set = this.#t.byServiceName.get(snKey);
    if (!set) return;
    set.delete(`${key}\u0001${svc.ID}`);
    if (set.size === 0) {
      this.#t.byServiceName.delete(snKey);
      this.#freeVirtualIp(snKey);
    }
  }

  /**
   * Gives a service name (per peer) a virtual IP from 240.0.0.0/4 when its first instance appears. Fresh
   * addresses are used first; an address is handed out again only after its service is gone and the range is
   * used up, so answers stay stable. Deterministic: every server replaying the log allocates the same.
   */
  #allocateVirtualIp(snKey: string): void {
    if (this.#t.virtualIps.has(snKey)) return;
    let offset: number | undefined;
    if (this.#t.nextVirtualIp < VIRTUAL_IP_RANGE) {
      offset = this.#t.nextVirtualIp;
      this.#t.nextVirtualIp += 1;
    } else {
      offset = this.#t.freeVirtualIps.shift();
    }
    if (offset !== undefined) this.#t.virtualIps.set(snKey, offset);
  }

  #freeVirtualIp(snKey: string): void {
    const offset = this.#t.virtualIps.get(snKey);
    if (offset === undefined) return;
    this.#t.virtualIps.delete(snKey);
    this.#t.freeVirtualIps.push(offset);
  }

  #upsertCheck(index: number, peer: string, key: string, nodeName: string, input: CheckInput): void {
    let checks = this.#t.checks.get(key);
    if (!checks) {
      checks = new Map();
      this.#t.checks.set(key, checks);
    }
    const prev = checks.get(input.CheckID);
    let serviceName = '';
    let serviceTags: string[] = [];
    if (input.ServiceID !== '') {
      const svc = this.#t.services.get(key)?.get(input.ServiceID);
      if (svc) {
        serviceName = svc.Service;
        serviceTags = [...svc.Tags];
      }
    }
    const next: HealthCheck = {
      ...input,
      Node: nodeName,
      ServiceName: serviceName,
      ServiceTags: serviceTags,
      ...(peer === '' ? {} : { PeerName: peer }),
      CreateIndex: prev?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    if (prev && sameIgnoringIndexes(prev, next)) return;
    checks.set(input.CheckID, next);
    this.#afterCheckChange(index, peer, nodeName, next, prev);
  }

  #afterCheckChange(
    index: number,
    peer: string,
    nodeName: string,
    next: HealthCheck | undefined,
    prev?: HealthCheck,
  ): void {
    this.#bump(IDX.checks, index);
    this.#bumpNode(peer, nodeName, index);
    for (const chk of [next, prev]) {
      if (!chk) continue;
      if (chk.ServiceID === '') this.#bumpAllServicesOfNode(peer, nodeName, index);
      else if (chk.ServiceName !== '') this.#bump(IDX.service(peer, chk.ServiceName), index);
    }
  }

  #applyDeregister(
    index: number,
    peer: string,
    nodeName: string,
    serviceID: string,
    checkID: string,
  ): ApplyResult {
    const key = nodeKey(peer, nodeName);
    const node = this.#t.nodes.get(key);
    if (!node) return { ok: true, value: true };
    if (serviceID !== '') {
      this.#deleteService(index, peer, key, node.Node, serviceID);
    } else if (checkID !== '') {
      const checks = this.#t.checks.get(key);
      const prev = checks?.get(checkID);
      if (checks && prev) {
        checks.delete(checkID);
        this.#afterCheckChange(index, peer, node.Node, undefined, prev);
      }
    } else {
      for (const id of [...(this.#t.services.get(key)?.keys() ?? [])]) {
        this.#deleteService(index, peer, key, node.Node, id);
      }
      for (const chk of [...(this.#t.checks.get(key)?.values() ?? [])]) {
        this.#t.checks.get(key)?.delete(chk.CheckID);
        this.#afterCheckChange(index, peer, node.Node, undefined, chk);
      }
      this.#t.nodes.delete(key);
      this.#indexNodeId(node, undefined, key);
      this.#t.services.delete(key);
      this.#t.checks.delete(key);
      this.#bump(IDX.nodes, index);
      this.#bumpNode(peer, node.Node, index);
    }
    return { ok: true, value: true };
  }

  #deleteService(index: number, peer: string, key: string, nodeName: string, serviceID: string): void {
    const services = this.#t.services.get(key);
    const svc = services?.get(serviceID);
    if (!services || !svc) return;
    // Its checks go with it.
    const checks = this.#t.checks.get(key);
    for (const chk of [...(checks?.values() ?? [])]) {
      if (chk.ServiceID === serviceID) {
        checks?.delete(chk.CheckID);
        this.#bump(IDX.checks, index);
      }
    }
    services.delete(serviceID);
    this.#unindexService(peer, key, svc);
    this.#bump(IDX.services, index);
    this.#bump(IDX.service(peer, svc.Service), index);
    this.#bumpNode(peer, nodeName, index);
  }

  #applyCheckUpdate(index: number, cmd: Extract<Command, { Type: 'check-update' }>): ApplyResult {
    const key = nodeKey('', cmd.Node);
    const checks = this.#t.checks.get(key);
    const prev = checks?.get(cmd.CheckID);
    if (!checks || !prev) {
      return applyError(
        'ENT_ERR_CHECK_NOT_FOUND',
        `Unknown check ID "${cmd.CheckID}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    if (prev.Status === cmd.Status && prev.Output === cmd.Output) return { ok: true, value: true };
    const next: HealthCheck = { ...prev, Status: cmd.Status, Output: cmd.Output, ModifyIndex: index };
    checks.set(cmd.CheckID, next);
    this.#afterCheckChange(index, '', prev.Node, next);
    return { ok: true, value: true };
  }

  #applyKv(index: number, cmd: Extract<Command, { Type: 'kv' }>): ApplyResult {
    const kv = this.#t.kv;
    const prev = kv.get(cmd.Key);
    const del = (key: string): void => {
      kv.delete(key);
      this.#t.kvTombstones.set(key, index);
      this.#bump(IDX.kv(key), index);
      this.#firedKeys.push(key);
    };
    switch (cmd.Verb) {
      case 'set':
      case 'cas': {
        if (cmd.Verb === 'cas') {
          if (cmd.Index === 0 ? prev !== undefined : prev?.ModifyIndex !== cmd.Index) {
            return { ok: true, value: false };
          }
        }
        kv.set(cmd.Key, {
          Key: cmd.Key,
          Flags: cmd.Flags,
          Value: cmd.Value === null ? null : Buffer.from(cmd.Value, 'base64'),
          LockIndex: prev?.LockIndex ?? 0,
          CreateIndex: prev?.CreateIndex ?? index,
          ModifyIndex: index,
        });
        this.#t.kvTombstones.delete(cmd.Key);
        this.#bump(IDX.kv(cmd.Key), index);
        this.#firedKeys.push(cmd.Key);
        break;
      }
      case 'delete':
        if (prev) del(cmd.Key);
        break;
      case 'delete-cas':
        if (!prev || prev.ModifyIndex !== cmd.Index) return { ok: true, value: false };
        del(cmd.Key);
        break;
      case 'delete-tree':
        for (const key of [...kv.keys()]) if (key.startsWith(cmd.Key)) del(key);
        break;
    }
    this.#bump(IDX.kvs, index);
    return { ok: true, value: true };
  }

  #applyConfigSet(index: number, entry: Record<string, unknown>, cas: number | null): ApplyResult {
    const kind = String(entry['Kind']);
    const name = String(entry['Name']);
    let byKind = this.#t.config.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && (cas === 0 ? prev !== undefined : prev?.ModifyIndex !== cas)) {
      return { ok: true, value: false };
    }
    if (!byKind) {
      byKind = new Map();
      this.#t.config.set(kind, byKind);
    }
    byKind.set(name, {
      entry: { ...entry, Kind: kind, Name: name },
      CreateIndex: prev?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    this.#bump(IDX.configEntries, index);
    this.#bump(IDX.configKind(kind), index);
    this.#bump(IDX.configEntry(kind, name), index);
    return { ok: true, value: true };
  }

  #applyConfigDelete(index: number, kind: string, name: string, cas: number | null): ApplyResult {
    const byKind = this.#t.config.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && prev?.ModifyIndex !== cas) return { ok: true, value: false };
    if (byKind && prev) {
      byKind.delete(name);
      this.#bump(IDX.configEntries, index);
      this.#bump(IDX.configKind(kind), index);
      this.#bump(IDX.configEntry(kind, name), index);
    }
    return { ok: true, value: true };
  }

  #peeringByName(name: string): Peering | undefined {
    for (const p of this.#t.peerings.values()) if (p.Name === name) return p;
    return undefined;
  }

  #putPeering(index: number, p: Peering): void {
    this.#t.peerings.set(p.ID, { ...p, ModifyIndex: index });
    this.#bump(IDX.peerings, index);
  }

  #applyPeering(index: number, cmd: PeeringCommand): ApplyResult {
    const fail = (error: string): ApplyResult => applyError('ENT_ERR_PEERING_STATE', error);
    switch (cmd.Type) {
      case 'peering-token': {
        const existing = this.#peeringByName(cmd.Name);
        if (existing && shouldDial(existing)) {
          return fail(
            `cannot create peering with name: "${cmd.Name}"; there is already an established peering`,
          );
        }
        if (existing && !isPeeringActive(existing)) {
          return fail(`cannot write to peering that is marked for deletion`);
        }
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
          CreateIndex: index,
          ModifyIndex: index,
        };
        this.#putPeering(index, p);
        const prev = this.#t.secrets.get(p.ID);
        this.#t.secrets.set(p.ID, {
          EstablishmentSecret: cmd.EstablishmentSecret,
          ActiveStreamSecret: prev?.ActiveStreamSecret ?? '',
          PendingStreamSecret: prev?.PendingStreamSecret ?? '',
        });
        return { ok: true, value: p.ID };
      }
      case 'peering-exchange-secret': {
        const secrets = this.#t.secrets.get(cmd.ID);
        if (!secrets || secrets.EstablishmentSecret === '') {
          return applyError(
            'ENT_ERR_PEERING_SECRET_INVALID',
            'invalid establishment secret: peering was already established',
          );
        }
        if (secrets.EstablishmentSecret !== cmd.EstablishmentSecret)
          return applyError('ENT_ERR_PEERING_SECRET_INVALID', 'invalid establishment secret');
        this.#t.secrets.set(cmd.ID, {
          ...secrets,
          EstablishmentSecret: '',
          PendingStreamSecret: cmd.PendingStreamSecret,
        });
        this.#bump(IDX.peerings, index);
        return { ok: true, value: true };
      }
      case 'peering-establish': {
        const existing = this.#t.peerings.get(cmd.ID) ?? this.#peeringByName(cmd.Name);
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
          CreateIndex: existing?.CreateIndex ?? index,
          ModifyIndex: index,
        };
        this.#putPeering(index, p);
        if (cmd.ActiveStreamSecret !== '') {
          this.#t.secrets.set(p.ID, {
            EstablishmentSecret: '',
            ActiveStreamSecret: cmd.ActiveStreamSecret,
            PendingStreamSecret: '',
          });
        }
        return { ok: true, value: p.ID };
      }
      case 'peering-promote-secret': {
        const p = this.#t.peerings.get(cmd.ID);
        const secrets = this.#t.secrets.get(cmd.ID);
        if (!p || !secrets || secrets.PendingStreamSecret === '')
          return fail('no pending stream secret to promote');
        this.#t.secrets.set(cmd.ID, {
          ...secrets,
          ActiveStreamSecret: secrets.PendingStreamSecret,
          PendingStreamSecret: '',
        });
        this.#putPeering(index, { ...p, Remote: cmd.Remote });
        return { ok: true, value: true };
      }
      case 'peering-delete': {
        const p = this.#peeringByName(cmd.Name);
        // Deleting a missing or already-deleting peering succeeds silently, as in Consul.
        if (!p || p.State === 'DELETING') return { ok: true, value: true };
        this.#putPeering(index, { ...p, State: 'DELETING', DeletedAt: cmd.DeletedAt });
        this.#t.secrets.delete(p.ID);
        return { ok: true, value: true };
      }
      case 'peering-terminated': {
        const p = this.#t.peerings.get(cmd.ID);
        if (!p || p.State === 'DELETING' || p.State === 'TERMINATED') return { ok: true, value: true };
        this.#putPeering(index, { ...p, State: 'TERMINATED' });
        this.#dropImported(index, p.Name);
        return { ok: true, value: true };
      }
      case 'peering-remove': {
        const p = this.#t.peerings.get(cmd.ID);
        if (!p) return { ok: true, value: true };
        if (isPeeringActive(p)) return fail('cannot delete a peering that is still active');
        this.#dropImported(index, p.Name);
        this.#t.peerings.delete(p.ID);
        this.#t.secrets.delete(p.ID);
        this.#bump(IDX.peerings, index);
        return { ok: true, value: true };
      }
      case 'peering-trust-bundle': {
        const p = this.#t.peerings.get(cmd.ID);
        if (!p) return applyError('ENT_ERR_PEERING_NOT_FOUND', `peering ${cmd.ID} not found`);
        if (!isPeeringActive(p)) return fail('cannot write to peering that is marked for deletion');
        const prev = this.#t.trustBundles.get(p.Name);
        const pems = cmd.RootPEMs.map((r) => (r.endsWith('\n') ? r : `${r}\n`));
        this.#t.trustBundles.set(p.Name, {
          PeerName: p.Name,
          TrustDomain: cmd.TrustDomain,
          RootPEMs: pems,
          ExportedPartition: cmd.ExportedPartition,
          CreateIndex: prev?.CreateIndex ?? index,
          ModifyIndex: index,
        });
        this.#bump(IDX.trustBundles, index);
        this.#putPeering(index, { ...p, PeerCAPems: pems });
        return { ok: true, value: true };
      }
      case 'peering-server-addresses': {
        const p = this.#t.peerings.get(cmd.ID);
        if (!p || !isPeeringActive(p)) return fail(`peering ${cmd.ID} is not active`);
        this.#putPeering(index, { ...p, PeerServerAddresses: cmd.Addresses });
        return { ok: true, value: true };
      }
    }
  }

  /**
   * Makes the imported instances of one service equal to `cmd.Nodes`: registers what changed (writes of unchanged
   * objects are no-ops, so indexes do not move), removes instances and checks no longer sent, then nodes left with
   * no service. Every object written carries `PeerName`; nothing outside that peer's data is touched.
   */
  #applyImportService(index: number, cmd: Extract<Command, { Type: 'peering-import-service' }>): ApplyResult {
    const peer = cmd.PeerName;
    const refused = this.#refuseImport(peer);
    if (refused) return refused;
    for (const inst of cmd.Nodes) {
      if (inst.Service.Service.toLowerCase() !== cmd.ServiceName.toLowerCase()) {
        return applyError(
          'ENT_ERR_BAD_REQUEST',
          `instance ${inst.Service.ID} of service "${inst.Service.Service}" does not belong to "${cmd.ServiceName}"`,
        );
      }
    }
    const keep = new Set<string>();
    const touchedNodes = new Set<string>();
    for (const inst of cmd.Nodes) {
      const node = { ...inst.Node, PeerName: peer };
      const service = { ...inst.Service, PeerName: peer };
      const checks = inst.Checks.map((c) => ({ ...c, Node: node.Node, PeerName: peer }));
      const r = this.#applyRegister(
        index,
        { Type: 'register', Node: node, SkipNodeUpdate: false, Service: service, Checks: checks },
        true,
      );
      if (!r.ok) return r;
      const key = nodeKey(peer, node.Node);
      keep.add(`${key}\u0001${service.ID}`);
      touchedNodes.add(key);
      // Service checks the peer no longer sends.
      const sent = new Set(checks.map((c) => c.CheckID));
      for (const chk of [...(this.#t.checks.get(key)?.values() ?? [])]) {
        if (chk.ServiceID === service.ID && !sent.has(chk.CheckID)) {
          this.#t.checks.get(key)?.delete(chk.CheckID);
          this.#afterCheckChange(index, peer, node.Node, undefined, chk);
        }
      }
    }
    for (const ref of [...(this.#t.byServiceName.get(serviceNameKey(peer, cmd.ServiceName)) ?? [])]) {
      if (keep.has(ref)) continue;
      const sep = ref.indexOf('\u0001');
      const key = ref.slice(0, sep);
      const node = this.#t.nodes.get(key);
      if (node) {
        this.#deleteService(index, peer, key, node.Node, ref.slice(sep + 1));
        touchedNodes.add(key);
      }
    }
    this.#dropEmptyImportedNodes(index, peer, touchedNodes);
    return { ok: true, value: true };
  }

  /** Imports are accepted only for an active peering: a stream racing a delete cannot leave orphaned data. */
  #refuseImport(peer: string): ApplyResult | undefined {
    if (peer === '') return applyError('ENT_ERR_BAD_REQUEST', 'import needs a peer name');
    const p = this.#peeringByName(peer);
    if (!p || !isPeeringActive(p))
      return applyError('ENT_ERR_PEERING_STATE', `peering "${peer}" is not active`);
    return undefined;
  }

  #applyImportList(index: number, peer: string, services: string[]): ApplyResult {
    const refused = this.#refuseImport(peer);
    if (refused) return refused;
    const listed = new Set<string>();
    for (const s of services) {
      listed.add(s.toLowerCase());
      listed.add(`${s}-sidecar-proxy`.toLowerCase());
    }
    const touched = new Set<string>();
    for (const [key, byId] of this.#t.services) {
      const node = this.#t.nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer || peer === '') continue;
      for (const svc of [...byId.values()]) {
        if (!listed.has(svc.Service.toLowerCase())) {
          this.#deleteService(index, peer, key, node.Node, svc.ID);
          touched.add(key);
        }
      }
    }
    this.#dropEmptyImportedNodes(index, peer, touched);
    return { ok: true, value: true };
  }

  #dropEmptyImportedNodes(index: number, peer: string, keys: Iterable<string>): void {
    for (const key of keys) {
      const node = this.#t.nodes.get(key);
      if (node && (this.#t.services.get(key)?.size ?? 0) === 0)
        this.#applyDeregister(index, peer, node.Node, '', '');
    }
  }

  /** Deletes every node (with its services and checks) imported from `peerName`, and its trust bundle. */
  #dropImported(index: number, peerName: string): void {
    for (const node of [...this.#t.nodes.values()]) {
      if ((node.PeerName ?? '') === peerName && peerName !== '') {
        this.#applyDeregister(index, peerName, node.Node, '', '');
      }
    }
    if (this.#t.trustBundles.delete(peerName)) this.#bump(IDX.trustBundles, index);
  }

  // ---------------------------------------------------------------- reads

  /** Highest index among `keys` (recorded in `ws`), never below 1 so blocking clients never spin on 0. */
  maxIndex(ws: WatchSet | undefined, ...keys: string[]): number {
    let max = 0;
    for (const key of keys) {
      ws?.add(key);
      max = Math.max(max, this.#t.index.get(key) ?? 0);
    }
    return Math.max(1, max);
  }

  nodes(ws: WatchSet | undefined, peer: string): QueryResult<Node[]> {
    const index = this.maxIndex(ws, IDX.nodes);
    const out: Node[] = [];
    for (const n of this.#t.nodes.values()) if ((n.PeerName ?? '') === peer) out.push(n);
    out.sort((a, b) => cmp(a.Node, b.Node));
    return { index, value: out };
  }

  node(ws: WatchSet | undefined, peer: string, name: string): QueryResult<Node | null> {
    const index = this.maxIndex(ws, IDX.node(peer, name));
    return { index, value: this.#t.nodes.get(nodeKey(peer, name)) ?? null };
  }

  /** Services of one node, sorted by ID. */
  nodeServices(
    ws: WatchSet | undefined,
    peer: string,
    name: string,
  ): QueryResult<{ node: Node; services: NodeService[] } | null> {
    const index = this.maxIndex(ws, IDX.node(peer, name));
    const key = nodeKey(peer, name);
    const node = this.#t.nodes.get(key);
    if (!node) return { index, value: null };
    const services = [...(this.#t.services.get(key)?.values() ?? [])].sort((a, b) => cmp(a.ID, b.ID));
    return { index, value: { node, services } };
  }

  nodeChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    const index = this.maxIndex(ws, IDX.node(peer, name));
    const checks = [...(this.#t.checks.get(nodeKey(peer, name))?.values() ?? [])].sort((a, b) =>
      cmp(a.CheckID, b.CheckID),
    );
    return { index, value: checks };
  }

  /** All services: name → union of tags, plus each name's kind-bearing instances. */
  services(ws: WatchSet | undefined, peer: string): QueryResult<ServiceInstance[]> {
    const index = this.maxIndex(ws, IDX.services);
    const out: ServiceInstance[] = [];
    for (const [key, services] of this.#t.services) {
      const node = this.#t.nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer) continue;
      for (const service of services.values()) out.push({ node, service });
    }
    return { index, value: out };
  }

  /**
   * Instances of one service, sorted by node then service ID. The list is rebuilt only when the service's index
   * moved (every change to its instances, their nodes or checks bumps it), so hot reads cost a map lookup.
   * NOTE: callers must treat the returned array as read-only.
   */
  serviceInstances(ws: WatchSet | undefined, peer: string, name: string): QueryResult<ServiceInstance[]> {
    const index = this.maxIndex(ws, IDX.service(peer, name));
    const key = serviceNameKey(peer, name);
    const memo = this.#instanceMemo.get(key);
    if (memo?.index === index) return memo;
    const out: ServiceInstance[] = [];
    for (const ref of this.#t.byServiceName.get(key) ?? []) {
      const sep = ref.indexOf('\u0001');
      const nk = ref.slice(0, sep);
      const node = this.#t.nodes.get(nk);
      const service = this.#t.services.get(nk)?.get(ref.slice(sep + 1));
      if (node && service) out.push({ node, service });
    }
    out.sort((a, b) => cmp(a.node.Node, b.node.Node) || cmp(a.service.ID, b.service.ID));
    const result = { index, value: out };
    if (this.#instanceMemo.size >= INSTANCE_MEMO_MAX) this.#instanceMemo.clear();
    this.#instanceMemo.set(key, result);
    return result;
  }

  /** Node-level and service-level checks of one instance, node checks first, each group sorted by CheckID. */
  instanceChecks(node: Node, serviceID: string): HealthCheck[] {
    const checks = this.#t.checks.get(nodeKey(node.PeerName ?? '', node.Node));
    if (!checks) return [];
    const out = [...checks.values()].filter((c) => c.ServiceID === '' || c.ServiceID === serviceID);
    out.sort((a, b) => cmp(a.ServiceID, b.ServiceID) || cmp(a.CheckID, b.CheckID));
    return out;
  }

  serviceChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    const index = this.maxIndex(ws, IDX.service(peer, name));
    const out: HealthCheck[] = [];
    for (const { node, service } of this.serviceInstances(undefined, peer, name).value) {
      for (const chk of this.#t.checks.get(nodeKey(peer, node.Node))?.values() ?? []) {
        if (chk.ServiceID === service.ID) out.push(chk);
      }
    }
    return { index, value: out };
  }

  checksInState(ws: WatchSet | undefined, peer: string, state: string): QueryResult<HealthCheck[]> {
    const index = this.maxIndex(ws, IDX.checks);
    const out: HealthCheck[] = [];
    for (const [key, checks] of this.#t.checks) {
      const node = this.#t.nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer) continue;
      for (const chk of checks.values()) if (state === 'any' || chk.Status === state) out.push(chk);
    }
    out.sort((a, b) => cmp(a.Node, b.Node) || cmp(a.CheckID, b.CheckID));
    return { index, value: out };
  }

  /** One check of the local catalog (agent endpoints). */
  check(node: string, checkID: string): HealthCheck | undefined {
    return this.#t.checks.get(nodeKey('', node))?.get(checkID);
  }

  kvGet(ws: WatchSet | undefined, key: string): QueryResult<KVEntry | null> {
    ws?.add(IDX.kv(key));
    const entry = this.#t.kv.get(key) ?? null;
    const index = entry?.ModifyIndex ?? this.#t.kvTombstones.get(key) ?? this.#t.index.get(IDX.kvs) ?? 1;
    return { index: Math.max(1, index), value: entry };
  }

  /** Entries whose key starts with `prefix`, sorted by key; the index covers deletions under the prefix too. */
  kvList(ws: WatchSet | undefined, prefix: string): QueryResult<KVEntry[]> {
    ws?.addPrefix(prefix);
    let index = 0;
    const out: KVEntry[] = [];
    for (const entry of this.#t.kv.values()) {
      if (!entry.Key.startsWith(prefix)) continue;
      out.push(entry);
      index = Math.max(index, entry.ModifyIndex);
    }
    for (const [key, idx] of this.#t.kvTombstones) if (key.startsWith(prefix)) index = Math.max(index, idx);
    if (index === 0) index = this.#t.index.get(IDX.kvs) ?? 1;
    out.sort((a, b) => cmp(a.Key, b.Key));
    return { index: Math.max(1, index), value: out };
  }

  configEntry(ws: WatchSet | undefined, kind: string, name: string): QueryResult<ConfigEntryRecord | null> {
    const index = this.maxIndex(ws, IDX.configEntry(kind, name));
    return { index, value: this.#t.config.get(kind)?.get(name) ?? null };
  }

  configEntries(ws: WatchSet | undefined, kind: string): QueryResult<ConfigEntryRecord[]> {
    const index = this.maxIndex(ws, IDX.configKind(kind));
    const out = [...(this.#t.config.get(kind)?.values() ?? [])].sort((a, b) =>
      cmp(a.entry.Name, b.entry.Name),
    );
    return { index, value: out };
  }

  peerings(ws: WatchSet | undefined): QueryResult<Peering[]> {
    const index = this.maxIndex(ws, IDX.peerings);
    return { index, value: [...this.#t.peerings.values()].sort((a, b) => cmp(a.Name, b.Name)) };
  }

  peering(ws: WatchSet | undefined, name: string): QueryResult<Peering | null> {
    const index = this.maxIndex(ws, IDX.peerings);
    return { index, value: this.#peeringByName(name) ?? null };
  }

  peeringById(id: string): Peering | undefined {
    return this.#t.peerings.get(id);
  }

  /** Secrets of a peering. Callers compare them in constant time and never log them. */
  peeringSecrets(id: string): PeeringSecrets | undefined {
    return this.#t.secrets.get(id);
  }

  trustBundle(ws: WatchSet | undefined, peerName: string): QueryResult<PeeringTrustBundle | null> {
    const index = this.maxIndex(ws, IDX.trustBundles);
    return { index, value: this.#t.trustBundles.get(peerName) ?? null };
  }

  /** Names of services imported from `peerName` (instances present), sorted. */
  importedServiceNames(peerName: string): string[] {
    const names = new Set<string>();
    for (const inst of this.services(undefined, peerName).value) names.add(inst.service.Service);
    return [...names].sort();
  }

  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]> {
    const index = this.maxIndex(ws, IDX.caRoots);
    return { index, value: this.#t.caRoots };
  }

  /** The virtual IP of a service (per peer), e.g. `240.0.0.3`; undefined when it has no instance. */
  virtualIp(peer: string, name: string): string | undefined {
    const offset = this.#t.virtualIps.get(serviceNameKey(peer, name));
    if (offset === undefined) return undefined;
    const ip = VIRTUAL_IP_BASE + offset;
    return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
  }

  /** The active root's private key (PEM). Never rendered, never logged. */
  get caSigningKeyPem(): string {
    return this.#t.caSigningKeyPem;
  }

  // ---------------------------------------------------------------- snapshots

  /** Serializes the whole state as of {@link lastIndex}. */
  snapshot(): Buffer {
    const t = this.#t;
    const data = {
      Version: SNAPSHOT_VERSION,
      LastIndex: this.#lastIndex,
      ClusterID: t.clusterId,
      Nodes: [...t.nodes.values()],
      Services: [...t.services.entries()].flatMap(([key, m]) =>
        [...m.values()].map((s) => [key, s] as const),
      ),
      Checks: [...t.checks.entries()].flatMap(([key, m]) => [...m.values()].map((c) => [key, c] as const)),
      KV: [...t.kv.values()].map((e) => ({
        ...e,
        Value: e.Value === null ? null : e.Value.toString('base64'),
      })),
      KVTombstones: [...t.kvTombstones.entries()],
      Config: [...t.config.values()].flatMap((m) => [...m.values()]),
      Index: [...t.index.entries()],
      Peerings: [...t.peerings.values()],
      Secrets: [...t.secrets.entries()],
      TrustBundles: [...t.trustBundles.values()],
      CARoots: t.caRoots,
      CASigningKeyPem: t.caSigningKeyPem,
      VirtualIPs: [...t.virtualIps.entries()],
      FreeVirtualIPs: t.freeVirtualIps,
      NextVirtualIP: t.nextVirtualIp,
    };
    return Buffer.from(JSON.stringify(data));
  }

  /** Replaces all state with a snapshot; blocking queries are woken so they re-read. */
  restore(index: number, buf: Buffer): void {
    const data = JSON.parse(buf.toString('utf8')) as SnapshotData;
    if (data.Version !== SNAPSHOT_VERSION)
      throw new Error(`unsupported snapshot version ${String(data.Version)}`);
    const t = emptyTables();
    t.clusterId = data.ClusterID;
    for (const n of data.Nodes) {
      const key = nodeKey(n.PeerName ?? '', n.Node);
      t.nodes.set(key, n);
      if (n.ID !== '') t.nodeIds.set(`${n.PeerName ?? ''}\u0000${n.ID}`, key);
    }
    for (const [key, s] of data.Services) {
      let m = t.services.get(key);
      if (!m) t.services.set(key, (m = new Map<string, NodeService>()));
      m.set(s.ID, s);
      const snKey = serviceNameKey(s.PeerName ?? '', s.Service);
      let set = t.byServiceName.get(snKey);
      if (!set) t.byServiceName.set(snKey, (set = new Set()));
      set.add(`${key}\u0001${s.ID}`);
    }
    for (const [key, c] of data.Checks) {
      let m = t.checks.get(key);
      if (!m) t.checks.set(key, (m = new Map<string, HealthCheck>()));
      m.set(c.CheckID, c);
    }
    for (const e of data.KV)
      t.kv.set(e.Key, { ...e, Value: e.Value === null ? null : Buffer.from(e.Value, 'base64') });
    t.kvTombstones = new Map(data.KVTombstones);
    for (const rec of data.Config) {
      let m = t.config.get(rec.entry.Kind);
      if (!m) t.config.set(rec.entry.Kind, (m = new Map<string, ConfigEntryRecord>()));
      m.set(rec.entry.Name, rec);
    }
    t.index = new Map(data.Index);
    for (const p of data.Peerings) t.peerings.set(p.ID, p);
    t.secrets = new Map(data.Secrets);
    for (const b of data.TrustBundles) t.trustBundles.set(b.PeerName, b);
    t.caRoots = data.CARoots;
    t.caSigningKeyPem = data.CASigningKeyPem;
    t.virtualIps = new Map(data.VirtualIPs);
    t.freeVirtualIps = data.FreeVirtualIPs;
    t.nextVirtualIp = data.NextVirtualIP;
    this.#t = t;
    this.#instanceMemo.clear();
    this.#lastIndex = Math.max(index, data.LastIndex);
    this.hub.fire(t.index.keys());
  }

  // ---------------------------------------------------------------- lifecycle

  /** Wakes every blocking query for good (the store is going away). */
  abandon(): void {
    this.#abandon.abort(new Error('state store abandoned'));
  }

  /** Aborted once the store is abandoned (shutdown): waits on it end at once. */
  get abandoned(): AbortSignal {
    return this.#abandon.signal;
  }
}

type PeeringCommand = Extract<
  Command,
  {
    Type:
      | 'peering-token'
      | 'peering-exchange-secret'
      | 'peering-establish'
      | 'peering-promote-secret'
      | 'peering-delete'
      | 'peering-terminated'
      | 'peering-remove'
      | 'peering-trust-bundle'
      | 'peering-server-addresses';
  }
>;

interface SnapshotData {
  Version: number;
  LastIndex: number;
  ClusterID: string;
  Nodes: Node[];
  Services: [string, NodeService][];
  Checks: [string, HealthCheck][];
  KV: (Omit<KVEntry, 'Value'> & { Value: string | null })[];
  KVTombstones: [string, number][];
  Config: ConfigEntryRecord[];
  Index: [string, number][];
  Peerings: Peering[];
  Secrets: [string, PeeringSecrets][];
  TrustBundles: PeeringTrustBundle[];
  CARoots: CARootRecord[];
  CASigningKeyPem: string;
  VirtualIPs: [string, number][];
  FreeVirtualIPs: number[];
  NextVirtualIP: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Structural equality ignoring CreateIndex/ModifyIndex: re-registering an identical object is not a change. */
function sameIgnoringIndexes(a: object, b: object): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: object): string {
  return JSON.stringify(v, (k, val: unknown) =>
    k === 'CreateIndex' || k === 'ModifyIndex' ? undefined : val,
  );
}

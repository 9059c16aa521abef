import type { HealthCheck, HealthStatus, Node, NodeService } from '../../types/index.js';
import { IDX } from '../index-table.js';
import { applyError, applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import { cmp, peerKey, sameIgnoringIndexes } from './keys.js';
import type { ServiceOriginalsTable } from './service-originals.js';
import type { VirtualIpTable } from './virtual-ips.js';

/** A node, service or check as a write carries it: indexes are assigned by the store. */
export type NodeInput = Omit<Node, 'CreateIndex' | 'ModifyIndex'>;
export type ServiceInput = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
export type CheckInput = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>;

export type RegisterCommand = {
  Type: 'register';
  Node: NodeInput;
  SkipNodeUpdate: boolean;
  Service: ServiceInput | null;
  Checks: CheckInput[];
  /**
   * (v2) The service as its agent registered it, before central config was merged into `Service`: kept beside it
   * (`ServiceOriginalsTable`) so the agent can merge again after a restart. Only with `Service`, local catalog only;
   * a local register of a service without it drops the one kept.
   */
  Original?: ServiceInput;
};

export type CatalogCommand =
  | RegisterCommand
  | { Type: 'deregister'; PeerName: string; Node: string; ServiceID: string; CheckID: string }
  | { Type: 'check-update'; Node: string; CheckID: string; Status: HealthStatus; Output: string };

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

interface CatalogSection {
  Nodes: Node[];
  Services: [string, NodeService][];
  Checks: [string, HealthCheck][];
}

/** One service name of a catalog and the kinds (`''` for typical services) its instances have, sorted. */
export interface ServiceNameKinds {
  readonly name: string;
  readonly kinds: readonly string[];
}

/** Services whose instance lists are kept between reads; past this the memo starts over. */
const INSTANCE_MEMO_MAX = 4096;

const nodeKey = peerKey;
const serviceNameKey = peerKey;

/**
 * Nodes, services and checks, per peer (imported data carries `PeerName`). Index keys: `nodes`, `services`,
 * `checks`, `node.<peer>/<name>`, `service.<peer>/<name>`. A node-level change (node record, node check) bumps the
 * key of every service on that node, because it changes their health.
 */
export class CatalogTable implements Table<CatalogCommand> {
  readonly name = 'catalog';
  readonly commands = ['register', 'deregister', 'check-update'] as const;
  /** v2 of `register` adds the optional `Original`; a v1 entry has none, so it decodes unchanged. */
  readonly upgrades = { register: [(v1: Record<string, unknown>) => v1] };
  readonly #deps: TableDeps;
  readonly #vips: VirtualIpTable;
  readonly #originals: ServiceOriginalsTable;
  #nodes = new Map<string, Node>();
  /** `${peer}\u0000${node ID}` → node key, for the uniqueness check on registration. */
  #nodeIds = new Map<string, string>();
  #services = new Map<string, Map<string, NodeService>>();
  #checks = new Map<string, Map<string, HealthCheck>>();
  /** service name key → set of `${nodeKey}\u0001${serviceID}` */
  #byServiceName = new Map<string, Set<string>>();
  /** serviceInstances results by service, valid while the service's index holds. */
  readonly #instanceMemo = new Map<string, QueryResult<ServiceInstance[]>>();
  /**
   * peer → service name (as registered) → kind → number of instances, kept in step by every write so the names
   * of a catalog are read without a scan. Bounded by the catalog: a name goes with its last instance, a peer
   * with its last name.
   */
  #nameKinds = new Map<string, Map<string, Map<string, number>>>();
  /** serviceNames results per peer, valid while the peer's `service-names` index holds (one per peer with names). */
  readonly #namesMemo = new Map<string, QueryResult<readonly ServiceNameKinds[]>>();

  constructor(deps: TableDeps, vips: VirtualIpTable, originals: ServiceOriginalsTable) {
    this.#deps = deps;
    this.#vips = vips;
    this.#originals = originals;
  }

  apply(ctx: ApplyContext, cmd: CatalogCommand): ApplyResult {
    switch (cmd.Type) {
      case 'register':
        return this.register(ctx, cmd, false);
      case 'deregister':
        return this.deregister(ctx, cmd.PeerName, cmd.Node, cmd.ServiceID, cmd.CheckID);
      case 'check-update':
        return this.#checkUpdate(ctx, cmd);
    }
  }

  // ---------------------------------------------------------------- writes (also used by imports)

  /**
   * Registers a node with an optional service and checks. `imported`: a peer's data, whose node IDs are the
   * peer's business (an import must never fail half-way).
   */
  register(ctx: ApplyContext, cmd: RegisterCommand, imported: boolean): ApplyResult {
    const peer = cmd.Node.PeerName ?? '';
    const key = nodeKey(peer, cmd.Node.Node);
    const existing = this.#nodes.get(key);
    // Validate everything first: a failed register changes nothing.
    // A register that leaves an existing node alone (SkipNodeUpdate) does not write its ID either.
    const writesNode = !existing || !cmd.SkipNodeUpdate;
    if (cmd.Node.ID !== '' && !imported && writesNode) {
      const owner = this.#nodeIds.get(`${peer}\u0000${cmd.Node.ID}`);
      const n = owner === undefined ? undefined : this.#nodes.get(owner);
      if (n && n.Node.toLowerCase() !== cmd.Node.Node.toLowerCase()) {
        return applyError(
          'ENT_ERR_NODE_ID_TAKEN',
          `failed inserting node: Error while renaming Node ID: "${cmd.Node.ID}": Node name ${n.Node} is reserved by node ${n.ID} with name ${n.Node}`,
        );
      }
    }
    const services = this.#services.get(key);
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

    if (writesNode) {
      const next: Node = {
        ...cmd.Node,
        ...(peer === '' ? {} : { PeerName: peer }),
        CreateIndex: existing?.CreateIndex ?? ctx.index,
        ModifyIndex: ctx.index,
      };
      if (!existing || !sameIgnoringIndexes(existing, next)) {
        if (existing && existing.Node !== next.Node) this.#renameNode(ctx, existing, next);
        this.#nodes.set(key, next);
        this.#indexNodeId(existing, next, key);
        ctx.bump(IDX.nodes);
        ctx.bump(IDX.node(peer, next.Node));
        this.#bumpAllServicesOfNode(ctx, peer, next.Node);
      }
    }
    const nodeName = this.#nodes.get(key)?.Node ?? cmd.Node.Node;
    if (cmd.Service) {
      this.#upsertService(ctx, peer, key, nodeName, cmd.Service);
      if (peer === '' && !imported) {
        if (cmd.Original) this.#originals.set(key, cmd.Service.ID, cmd.Original);
        else this.#originals.delete(key, cmd.Service.ID);
      }
    }
    for (const chk of cmd.Checks) this.#upsertCheck(ctx, peer, key, nodeName, chk);
    return applyOk();
  }

  /** Deletes a service, a check, or (both empty) the node with everything on it. A missing node is no error. */
  deregister(
    ctx: ApplyContext,
    peer: string,
    nodeName: string,
    serviceID: string,
    checkID: string,
  ): ApplyResult {
    const key = nodeKey(peer, nodeName);
    const node = this.#nodes.get(key);
    if (!node) return applyOk();
    if (serviceID !== '') {
      this.deleteService(ctx, peer, key, node.Node, serviceID);
    } else if (checkID !== '') {
      const checks = this.#checks.get(key);
      const prev = checks?.get(checkID);
      if (checks && prev) {
        checks.delete(checkID);
        this.#afterCheckChange(ctx, peer, node.Node, undefined, prev);
      }
    } else {
      for (const id of [...(this.#services.get(key)?.keys() ?? [])]) {
        this.deleteService(ctx, peer, key, node.Node, id);
      }
      for (const chk of [...(this.#checks.get(key)?.values() ?? [])]) {
        this.#checks.get(key)?.delete(chk.CheckID);
        this.#afterCheckChange(ctx, peer, node.Node, undefined, chk);
      }
      this.#nodes.delete(key);
      this.#indexNodeId(node, undefined, key);
      this.#services.delete(key);
      this.#checks.delete(key);
      ctx.bump(IDX.nodes);
      ctx.bump(IDX.node(peer, node.Node));
      ctx.retire(IDX.node(peer, node.Node));
    }
    return applyOk();
  }

  deleteService(ctx: ApplyContext, peer: string, key: string, nodeName: string, serviceID: string): void {
    const services = this.#services.get(key);
    const svc = services?.get(serviceID);
    if (!services || !svc) return;
    // Its checks go with it.
    const checks = this.#checks.get(key);
    for (const chk of [...(checks?.values() ?? [])]) {
      if (chk.ServiceID === serviceID) {
        checks?.delete(chk.CheckID);
        ctx.bump(IDX.checks);
      }
    }
    services.delete(serviceID);
    if (peer === '') this.#originals.delete(key, serviceID);
    this.#countInstance(ctx, peer, svc, -1);
    ctx.bump(IDX.services);
    ctx.bump(IDX.service(peer, svc.Service));
    ctx.bump(IDX.node(peer, nodeName));
    this.#unindexService(ctx, peer, key, svc);
  }

  /** Deletes the service checks of `serviceID` on node `key` whose IDs are not in `keep`. */
  dropServiceChecksExcept(
    ctx: ApplyContext,
    peer: string,
    key: string,
    nodeName: string,
    serviceID: string,
    keep: ReadonlySet<string>,
  ): void {
    for (const chk of [...(this.#checks.get(key)?.values() ?? [])]) {
      if (chk.ServiceID === serviceID && !keep.has(chk.CheckID)) {
        this.#checks.get(key)?.delete(chk.CheckID);
        this.#afterCheckChange(ctx, peer, nodeName, undefined, chk);
      }
    }
  }

  /** Deletes the nodes among `keys` that have no service left (imported nodes exist for their services). */
  dropNodesWithoutServices(ctx: ApplyContext, peer: string, keys: Iterable<string>): void {
    for (const key of keys) {
      const node = this.#nodes.get(key);
      if (node && (this.#services.get(key)?.size ?? 0) === 0) this.deregister(ctx, peer, node.Node, '', '');
    }
  }

  /** Deletes every node (with its services and checks) of `peer`; never the local catalog. */
  dropPeer(ctx: ApplyContext, peer: string): void {
    if (peer === '') return;
    for (const node of [...this.#nodes.values()]) {
      if ((node.PeerName ?? '') === peer) this.deregister(ctx, peer, node.Node, '', '');
    }
  }

  /** `${nodeKey}\u0001${serviceID}` references of a service name's instances. */
  instanceRefs(peer: string, name: string): ReadonlySet<string> {
    return this.#byServiceName.get(serviceNameKey(peer, name)) ?? new Set();
  }

  /** Node key and node of a `${nodeKey}\u0001${serviceID}` reference. */
  nodeOfRef(ref: string): { key: string; node: Node | undefined; serviceID: string } {
    const sep = ref.indexOf('\u0001');
    const key = ref.slice(0, sep);
    return { key, node: this.#nodes.get(key), serviceID: ref.slice(sep + 1) };
  }

  /** Every (node key, node, service) of `peer`, for import-list pruning. */
  *servicesOfPeer(peer: string): Generator<{ key: string; node: Node; service: NodeService }> {
    for (const [key, byId] of this.#services) {
      const node = this.#nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer) continue;
      for (const service of [...byId.values()]) yield { key, node, service };
    }
  }

  #checkUpdate(ctx: ApplyContext, cmd: Extract<CatalogCommand, { Type: 'check-update' }>): ApplyResult {
    const key = nodeKey('', cmd.Node);
    const checks = this.#checks.get(key);
    const prev = checks?.get(cmd.CheckID);
    if (!checks || !prev) {
      return applyError(
        'ENT_ERR_CHECK_NOT_FOUND',
        `Unknown check ID "${cmd.CheckID}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    if (prev.Status === cmd.Status && prev.Output === cmd.Output) return applyOk();
    const next: HealthCheck = { ...prev, Status: cmd.Status, Output: cmd.Output, ModifyIndex: ctx.index };
    checks.set(cmd.CheckID, next);
    this.#afterCheckChange(ctx, '', prev.Node, next);
    return applyOk();
  }

  /** A node-level change (node record or node check) changes the health of every service on the node. */
  #bumpAllServicesOfNode(ctx: ApplyContext, peer: string, name: string): void {
    const services = this.#services.get(nodeKey(peer, name));
    if (!services) return;
    for (const svc of services.values()) ctx.bump(IDX.service(peer, svc.Service));
  }

  /** Keeps the (peer, node ID) → node key index in step with the nodes table. */
  #indexNodeId(prev: Node | undefined, next: Node | undefined, key: string): void {
    if (prev && prev.ID !== '') {
      const k = `${prev.PeerName ?? ''}\u0000${prev.ID}`;
      if (this.#nodeIds.get(k) === key) this.#nodeIds.delete(k);
    }
    if (next && next.ID !== '') this.#nodeIds.set(`${next.PeerName ?? ''}\u0000${next.ID}`, key);
  }

  #renameNode(ctx: ApplyContext, prev: Node, next: Node): void {
    // Only the capitalisation can differ (the key is case-insensitive): keep children pointing at the new name.
    // NOTE: stored objects are never mutated, only replaced: readers (and the HTTP renderer's per-object caches)
    // may hold on to them.
    const checks = this.#checks.get(nodeKey(prev.PeerName ?? '', prev.Node));
    for (const chk of [...(checks?.values() ?? [])]) checks?.set(chk.CheckID, { ...chk, Node: next.Node });
    // Check reads (health/state, health/checks) show the node name: their index must move too.
    if (checks && checks.size > 0) ctx.bump(IDX.checks);
  }

  #upsertService(ctx: ApplyContext, peer: string, key: string, nodeName: string, input: ServiceInput): void {
    let services = this.#services.get(key);
    if (!services) {
      services = new Map();
      this.#services.set(key, services);
    }
    const prev = services.get(input.ID);
    const next: NodeService = {
      ...input,
      ...(peer === '' ? {} : { PeerName: peer }),
      CreateIndex: prev?.CreateIndex ?? ctx.index,
      ModifyIndex: ctx.index,
    };
    if (prev && sameIgnoringIndexes(prev, next)) return;
    services.set(input.ID, next);
    if (!prev || prev.Service !== next.Service || prev.Kind !== next.Kind) {
      if (prev) this.#countInstance(ctx, peer, prev, -1);
      this.#countInstance(ctx, peer, next, 1);
    }
    if (prev && prev.Service.toLowerCase() !== next.Service.toLowerCase()) {
      ctx.bump(IDX.service(peer, prev.Service));
      this.#unindexService(ctx, peer, key, prev);
    }
    const snKey = serviceNameKey(peer, next.Service);
    let set = this.#byServiceName.get(snKey);
    if (!set) {
      set = new Set();
      this.#byServiceName.set(snKey, set);
      this.#vips.allocate(snKey);
    }
    set.add(`${key}\u0001${next.ID}`);
    // Service-level checks carry the service's name and tags (replaced, never mutated: see #renameNode).
    const checks = this.#checks.get(key);
    for (const chk of [...(checks?.values() ?? [])]) {
      if (chk.ServiceID === next.ID) {
        checks?.set(chk.CheckID, { ...chk, ServiceName: next.Service, ServiceTags: [...next.Tags] });
        ctx.bump(IDX.checks);
      }
    }
    ctx.bump(IDX.services);
    ctx.bump(IDX.service(peer, next.Service));
    ctx.bump(IDX.node(peer, nodeName));
  }

  /**
   * Counts an instance in (`+1`) or out (`-1`) of its (name, kind) pair. A pair that appears or disappears moves
   * the peer's `service-names` key (a services change in the same command moves the `services` key it falls back
   * to); the key is retired with the peer's last name. `ctx` undefined: restoring, nothing to bump.
   */
  #countInstance(ctx: ApplyContext | undefined, peer: string, svc: NodeService, delta: 1 | -1): void {
    let names = this.#nameKinds.get(peer);
    if (!names) this.#nameKinds.set(peer, (names = new Map<string, Map<string, number>>()));
    let kinds = names.get(svc.Service);
    if (!kinds) names.set(svc.Service, (kinds = new Map<string, number>()));
    const n = (kinds.get(svc.Kind) ?? 0) + delta;
    if (n > 0) kinds.set(svc.Kind, n);
    else kinds.delete(svc.Kind);
    if (kinds.size === 0) names.delete(svc.Service);
    if (!ctx || (n !== 0 && !(n === 1 && delta === 1))) return;
    ctx.bump(IDX.serviceNames(peer));
    if (names.size === 0) {
      this.#nameKinds.delete(peer);
      this.#namesMemo.delete(peer);
      ctx.bump(IDX.services);
      ctx.retire(IDX.serviceNames(peer));
    }
  }

  /** Removes an instance from its name's index; the name's last instance frees its virtual IP and index key. */
  #unindexService(ctx: ApplyContext, peer: string, key: string, svc: NodeService): void {
    const snKey = serviceNameKey(peer, svc.Service);
    const set = this.#byServiceName.get(snKey);
    if (!set) return;
    set.delete(`${key}\u0001${svc.ID}`);
    if (set.size === 0) {
      this.#byServiceName.delete(snKey);
      this.#vips.release(snKey);
      // The services key moves with this change, so reads of the gone name fall back to it (see IndexTable).
      ctx.bump(IDX.services);
      ctx.retire(IDX.service(peer, svc.Service));
    }
  }

  #upsertCheck(ctx: ApplyContext, peer: string, key: string, nodeName: string, input: CheckInput): void {
    let checks = this.#checks.get(key);
    if (!checks) {
      checks = new Map();
      this.#checks.set(key, checks);
    }
    const prev = checks.get(input.CheckID);
    let serviceName = '';
    let serviceTags: string[] = [];
    if (input.ServiceID !== '') {
      const svc = this.#services.get(key)?.get(input.ServiceID);
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
      CreateIndex: prev?.CreateIndex ?? ctx.index,
      ModifyIndex: ctx.index,
    };
    if (prev && sameIgnoringIndexes(prev, next)) return;
    checks.set(input.CheckID, next);
    this.#afterCheckChange(ctx, peer, nodeName, next, prev);
  }

  #afterCheckChange(
    ctx: ApplyContext,
    peer: string,
    nodeName: string,
    next: HealthCheck | undefined,
    prev?: HealthCheck,
  ): void {
    ctx.bump(IDX.checks);
    ctx.bump(IDX.node(peer, nodeName));
    for (const chk of [next, prev]) {
      if (!chk) continue;
      if (chk.ServiceID === '') this.#bumpAllServicesOfNode(ctx, peer, nodeName);
      else if (chk.ServiceName !== '') ctx.bump(IDX.service(peer, chk.ServiceName));
    }
  }

  // ---------------------------------------------------------------- reads

  nodes(ws: WatchSet | undefined, peer: string): QueryResult<Node[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.nodes);
    const out: Node[] = [];
    for (const n of this.#nodes.values()) if ((n.PeerName ?? '') === peer) out.push(n);
    out.sort((a, b) => cmp(a.Node, b.Node));
    return { index, value: out };
  }

  node(ws: WatchSet | undefined, peer: string, name: string): QueryResult<Node | null> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.node(peer, name));
    return { index, value: this.#nodes.get(nodeKey(peer, name)) ?? null };
  }

  /** Services of one node, sorted by ID. */
  nodeServices(
    ws: WatchSet | undefined,
    peer: string,
    name: string,
  ): QueryResult<{ node: Node; services: NodeService[] } | null> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.node(peer, name));
    const key = nodeKey(peer, name);
    const node = this.#nodes.get(key);
    if (!node) return { index, value: null };
    const services = [...(this.#services.get(key)?.values() ?? [])].sort((a, b) => cmp(a.ID, b.ID));
    return { index, value: { node, services } };
  }

  nodeChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.node(peer, name));
    const checks = [...(this.#checks.get(nodeKey(peer, name))?.values() ?? [])].sort((a, b) =>
      cmp(a.CheckID, b.CheckID),
    );
    return { index, value: checks };
  }

  /** Every instance of a peer's (or the local, `''`) catalog. */
  services(ws: WatchSet | undefined, peer: string): QueryResult<ServiceInstance[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.services);
    const out: ServiceInstance[] = [];
    for (const [key, services] of this.#services) {
      const node = this.#nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer) continue;
      for (const service of services.values()) out.push({ node, service });
    }
    return { index, value: out };
  }

  /**
   * The service names of a peer's (or the local, `''`) catalog with the kinds of their instances, sorted by name.
   * Kept up to date by every write and memoised by the peer's `service-names` index, which moves only when a
   * (name, kind) pair appears or disappears: a health change or an added instance of a known service costs no
   * rebuild. NOTE: callers must treat the result as read-only.
   */
  serviceNames(ws: WatchSet | undefined, peer: string): QueryResult<readonly ServiceNameKinds[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.serviceNames(peer));
    const memo = this.#namesMemo.get(peer);
    if (memo?.index === index) return memo;
    const value: ServiceNameKinds[] = [];
    for (const [name, kinds] of this.#nameKinds.get(peer) ?? []) {
      value.push({ name, kinds: [...kinds.keys()].sort(cmp) });
    }
    value.sort((a, b) => cmp(a.name, b.name));
    const result = { index, value };
    if (this.#nameKinds.has(peer)) this.#namesMemo.set(peer, result);
    return result;
  }

  /**
   * Instances of one service, sorted by node then service ID. The list is rebuilt only when the service's index
   * moved (every change to its instances, their nodes or checks bumps it), so hot reads cost a map lookup.
   * NOTE: callers must treat the returned array as read-only.
   */
  serviceInstances(ws: WatchSet | undefined, peer: string, name: string): QueryResult<ServiceInstance[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.service(peer, name));
    const key = serviceNameKey(peer, name);
    const memo = this.#instanceMemo.get(key);
    if (memo?.index === index) return memo;
    const out: ServiceInstance[] = [];
    for (const ref of this.#byServiceName.get(key) ?? []) {
      const { node, key: nk, serviceID } = this.nodeOfRef(ref);
      const service = this.#services.get(nk)?.get(serviceID);
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
    const checks = this.#checks.get(nodeKey(node.PeerName ?? '', node.Node));
    if (!checks) return [];
    const out = [...checks.values()].filter((c) => c.ServiceID === '' || c.ServiceID === serviceID);
    out.sort((a, b) => cmp(a.ServiceID, b.ServiceID) || cmp(a.CheckID, b.CheckID));
    return out;
  }

  serviceChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.service(peer, name));
    const out: HealthCheck[] = [];
    for (const { node, service } of this.serviceInstances(undefined, peer, name).value) {
      for (const chk of this.#checks.get(nodeKey(peer, node.Node))?.values() ?? []) {
        if (chk.ServiceID === service.ID) out.push(chk);
      }
    }
    return { index, value: out };
  }

  checksInState(ws: WatchSet | undefined, peer: string, state: string): QueryResult<HealthCheck[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.checks);
    const out: HealthCheck[] = [];
    for (const [key, checks] of this.#checks) {
      const node = this.#nodes.get(key);
      if (!node || (node.PeerName ?? '') !== peer) continue;
      for (const chk of checks.values()) if (state === 'any' || chk.Status === state) out.push(chk);
    }
    out.sort((a, b) => cmp(a.Node, b.Node) || cmp(a.CheckID, b.CheckID));
    return { index, value: out };
  }

  /** One check of the local catalog (agent endpoints). */
  check(node: string, checkID: string): HealthCheck | undefined {
    return this.#checks.get(nodeKey('', node))?.get(checkID);
  }

  /** The virtual IP of a service (per peer), e.g. `240.0.0.3`; undefined when it has no instance. */
  virtualIp(peer: string, name: string): string | undefined {
    return this.#vips.address(serviceNameKey(peer, name));
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): CatalogSection {
    return {
      Nodes: [...this.#nodes.values()],
      Services: [...this.#services.entries()].flatMap(([key, m]) =>
        [...m.values()].map((s): [string, NodeService] => [key, s]),
      ),
      Checks: [...this.#checks.entries()].flatMap(([key, m]) =>
        [...m.values()].map((c): [string, HealthCheck] => [key, c]),
      ),
    };
  }

  restore(section: unknown): void {
    const s = section as CatalogSection | undefined;
    this.#nodes = new Map();
    this.#nodeIds = new Map();
    this.#services = new Map();
    this.#checks = new Map();
    this.#byServiceName = new Map();
    this.#instanceMemo.clear();
    this.#nameKinds = new Map();
    this.#namesMemo.clear();
    for (const n of s?.Nodes ?? []) {
      const key = nodeKey(n.PeerName ?? '', n.Node);
      this.#nodes.set(key, n);
      if (n.ID !== '') this.#nodeIds.set(`${n.PeerName ?? ''}\u0000${n.ID}`, key);
    }
    for (const [key, svc] of s?.Services ?? []) {
      let m = this.#services.get(key);
      if (!m) this.#services.set(key, (m = new Map<string, NodeService>()));
      m.set(svc.ID, svc);
      this.#countInstance(undefined, svc.PeerName ?? '', svc, 1);
      const snKey = serviceNameKey(svc.PeerName ?? '', svc.Service);
      let set = this.#byServiceName.get(snKey);
      if (!set) this.#byServiceName.set(snKey, (set = new Set()));
      set.add(`${key}\u0001${svc.ID}`);
    }
    for (const [key, c] of s?.Checks ?? []) {
      let m = this.#checks.get(key);
      if (!m) this.#checks.set(key, (m = new Map<string, HealthCheck>()));
      m.set(c.CheckID, c);
    }
  }
}

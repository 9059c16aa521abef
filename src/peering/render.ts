import type { Peering, PeeringState } from '../types/index.js';
import { p99, type StreamStatus, type StreamTracker } from './tracker.js';

/** ACTIVE and FAILING are computed from the stream tracker; the other states are stored. */
export function effectiveState(p: Peering, status: StreamStatus | undefined): PeeringState {
  if (p.State === 'DELETING' || p.State === 'TERMINATED') return p.State;
  if (status?.connected) return 'ACTIVE';
  if (status && status.disconnectError !== '') return 'FAILING';
  return p.State;
}

function time(d: Date | undefined): string | null {
  return d ? d.toISOString() : null;
}

/**
 * Consul's Peering JSON (api.Peering), plus Entente's `Diagnostics`: why a peering is not ACTIVE (a stable
 * `Reason` and a human `Message`), the address last tried and when, replication lag, and `Imports`: what the peer
 * has imported against its caps and the updates refused by them. Consul clients ignore the extra key.
 */
export function renderPeering(p: Peering, tracker: StreamTracker): Record<string, unknown> {
  const s = tracker.get(p.ID);
  const state = effectiveState(p, s);
  const imported = s?.importedServices ?? [];
  const exported = s?.exportedServices ?? [];
  const reason = state === 'ACTIVE' ? undefined : (s?.reason ?? defaultReason(state));
  return {
    ID: p.ID,
    Name: p.Name,
    ...(p.DeletedAt ? { DeletedAt: p.DeletedAt } : {}),
    ...(Object.keys(p.Meta).length > 0 ? { Meta: p.Meta } : {}),
    State: state,
    ...(p.PeerID ? { PeerID: p.PeerID } : {}),
    ...(p.PeerCAPems.length > 0 ? { PeerCAPems: p.PeerCAPems } : {}),
    ...(p.PeerServerName ? { PeerServerName: p.PeerServerName } : {}),
    ...(p.PeerServerAddresses.length > 0 ? { PeerServerAddresses: p.PeerServerAddresses } : {}),
    StreamStatus: {
      ImportedServices: imported.length > 0 ? imported : null,
      ExportedServices: exported.length > 0 ? exported : null,
      LastHeartbeat: time(s?.lastRecvHeartbeat),
      LastReceive: time(s?.lastRecvResourceSuccess ?? s?.lastRecvHeartbeat),
      LastSend: time(s?.lastSendSuccess),
    },
    CreateIndex: p.CreateIndex,
    ModifyIndex: p.ModifyIndex,
    Remote: { Partition: p.Remote.Partition, Datacenter: p.Remote.Datacenter },
    ImportedServiceCount: imported.length,
    ExportedServiceCount: exported.length,
    Diagnostics: {
      ...(reason ? { Reason: reason, Message: s?.message || defaultMessage(p, state) } : {}),
      ...(s?.lastAttemptAddress
        ? { LastAttemptAddress: s.lastAttemptAddress, LastAttemptAt: time(s.lastAttemptAt) }
        : {}),
      ...(s?.lastNack ? { LastNack: time(s.lastNack), LastNackMessage: s.lastNackMessage } : {}),
      ReplicationLagMs: { Last: s?.lag.lastMs ?? null, P99: p99(s?.lag.samples ?? []) ?? null },
      ...(s ? imports(s) : {}),
    },
  };
}

/**
 * `Diagnostics.Imports` (Entente): the services and instances imported from the peer and the caps
 * (`peering.import_max_services` / `import_max_instances`), the updates refused by each cap (NACKed, not stored),
 * and the last refusal's time and NACK message. Absent before a stream has run.
 */
function imports(s: StreamStatus): Record<string, unknown> {
  const usage = s.imports?.();
  const refused = s.importsRefused.services + s.importsRefused.instances;
  if (!usage && refused === 0) return {};
  return {
    Imports: {
      ...(usage
        ? {
            Services: usage.services,
            MaxServices: usage.maxServices,
            Instances: usage.instances,
            MaxInstances: usage.maxInstances,
          }
        : {}),
      Refused: { Services: s.importsRefused.services, Instances: s.importsRefused.instances },
      ...(s.lastImportRefused
        ? { LastRefused: time(s.lastImportRefused), LastRefusedMessage: s.lastImportRefusedMessage }
        : {}),
    },
  };
}

function defaultReason(state: PeeringState): string | undefined {
  if (state === 'PENDING') return 'WAITING_FOR_DIALER';
  if (state === 'ESTABLISHING') return 'DIALING';
  if (state === 'TERMINATED') return 'PEER_TERMINATED';
  if (state === 'DELETING') return 'DELETING';
  return undefined;
}

function defaultMessage(p: Peering, state: PeeringState): string {
  switch (state) {
    case 'PENDING':
      return `a token was generated for "${p.Name}"; waiting for the peer to establish the peering with it`;
    case 'ESTABLISHING':
      return 'the secret was exchanged; connecting the replication stream';
    case 'TERMINATED':
      return 'the peer deleted this peering; delete it here too, then generate a new token to peer again';
    case 'DELETING':
      return 'this peering is being deleted';
    case 'ACTIVE':
    case 'FAILING':
    case 'UNDEFINED':
      return '';
  }
}

/** Target IDs and SNI names as Consul computes them (structs.ChainID, connect.ServiceSNI). */

export interface TargetOpts {
  service: string;
  subset: string;
  namespace: string;
  partition: string;
  datacenter: string;
  peer: string;
}

/**
 * `ChainID`: `<svc>.<ns>.<partition>.<dc>`, with a subset `<subset>.<svc>.<ns>.<partition>.<dc>`, and for a peer
 * `<svc>.<ns>.<partition>.external.<peer>` (the importer's partition; it mimics SNI syntax but is not one).
 */
export function chainId(o: TargetOpts): string {
  if (o.peer !== '') return `${o.service}.${o.namespace}.${o.partition}.external.${o.peer}`;
  if (o.subset === '') return `${o.service}.${o.namespace}.${o.partition}.${o.datacenter}`;
  return `${o.subset}.${o.service}.${o.namespace}.${o.partition}.${o.datacenter}`;
}

/**
 * `connect.ServiceSNI`: `[<subset>.]<svc>.<ns>.<dc>.internal.<td>` in the default partition, else
 * `[<subset>.]<svc>.<ns>.<partition>.<dc>.internal-v1.<td>`.
 */
export function serviceSni(
  service: string,
  subset: string,
  namespace: string,
  partition: string,
  datacenter: string,
  trustDomain: string,
): string {
  const ns = namespace === '' ? 'default' : namespace;
  const ap = partition === '' ? 'default' : partition;
  const head = subset === '' ? [service] : [subset, service];
  if (ap === 'default') return [...head, ns, datacenter, 'internal', trustDomain].join('.');
  return [...head, ns, ap, datacenter, 'internal-v1', trustDomain].join('.');
}

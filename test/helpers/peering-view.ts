/**
 * What an importer should see of an exporter's service, reduced to what peering replicates exactly: per
 * instance (node, service ID) the worst check status (Consul exporters send one flattened check). Used to test
 * and measure exact convergence.
 */
export interface HealthRow {
  Node: { Node: string };
  Service: { ID: string };
  Checks: { Status: string }[];
}

const RANK: Record<string, number> = { critical: 0, warning: 1, passing: 2 };

/** Sorted `node/service-id=status` lines. */
export function healthView(rows: readonly HealthRow[]): string[] {
  return rows
    .map((r) => {
      let worst = 'passing';
      for (const c of r.Checks) if ((RANK[c.Status] ?? 0) < (RANK[worst] ?? 0)) worst = c.Status;
      return `${r.Node.Node}/${r.Service.ID}=${worst}`;
    })
    .sort();
}

/** `GET <base>/v1/health/service/<svc>[?peer=]`: the view and the `X-Consul-LastContact` header (ms). */
export async function fetchHealthView(
  base: string,
  service: string,
  peer?: string,
): Promise<{ view: string[]; lastContactMs: number }> {
  const q = peer === undefined ? '' : `?peer=${encodeURIComponent(peer)}`;
  const res = await fetch(`${base}/v1/health/service/${encodeURIComponent(service)}${q}`);
  if (res.status !== 200)
    throw new Error(`GET health/service/${service}${q}: ${res.status} ${await res.text()}`);
  const rows = (await res.json()) as HealthRow[];
  return { view: healthView(rows), lastContactMs: Number(res.headers.get('X-Consul-LastContact') ?? 'NaN') };
}

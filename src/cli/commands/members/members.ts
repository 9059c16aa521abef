import { ALL_SEGMENTS, type AgentMember } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { columnize } from '../../format/columnize.js';

/** Exit code when no member matches `-status` (Consul returns 2). */
export const EXIT_NO_MEMBERS = 2;

const STATUS_NAMES = ['none', 'alive', 'leaving', 'left', 'failed'] as const;

/** `entente members` (Consul `command/members`): the gossip members of the agent's cluster. */
export const members = defineCommand({
  synopsis: 'Lists the members of an Entente cluster',
  usage: `
Usage: entente members [options]

  Outputs the members of a running Entente agent.
`,
  http: 'client',
  flags: (fs) => ({
    detailed: fs.bool('detailed', false, 'Provides detailed information about nodes.'),
    wan: fs.bool(
      'wan',
      false,
      'If the agent is in server mode, this can be used to return the other peers in the WAN pool.',
    ),
    status: fs.string(
      'status',
      '.*',
      'If provided, output is filtered to only nodes matching the regular expression for status.',
    ),
    segment: fs.string(
      'segment',
      ALL_SEGMENTS,
      '(Enterprise-only) If provided, output is filtered to only nodes in the given segment.',
    ),
    filter: fs.string('filter', '', 'Filter to use with the request'),
  }),
  run: async ({ flags, ui, signal, client }) => {
    let statusRe: RegExp;
    try {
      statusRe = new RegExp(flags.status.value);
    } catch (err) {
      ui.error(`Failed to compile status regexp: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    let list: AgentMember[];
    try {
      list = await api.agent.members(
        { wan: flags.wan.value, segment: flags.segment.value, filter: flags.filter.value },
        { signal },
      );
    } catch (err) {
      ui.error(`Error retrieving members: ${errorText(err)}`);
      return EXIT_ERROR;
    }
    const shown = list
      .map((m) => withDisplayTags(m, flags.segment.value))
      .filter((m) => statusRe.test(statusName(m.Status)));
    if (shown.length === 0) return EXIT_NO_MEMBERS;
    shown.sort(compareMembers);
    ui.output(columnize(flags.detailed.value ? detailedRows(shown) : standardRows(shown)));
    return 0;
  },
});

/** Fills the partition and segment tags the way Consul's command does before printing. */
function withDisplayTags(member: AgentMember, segmentFlag: string): AgentMember {
  const tags: Record<string, string> = { ...(member.Tags ?? {}) };
  if ((tags['ap'] ?? '') === '') tags['ap'] = 'default';
  if (tags['ap'] === 'default') {
    if (segmentFlag === ALL_SEGMENTS && tags['role'] === 'consul') tags['segment'] = '<all>';
    else if ((tags['segment'] ?? '') === '') tags['segment'] = '<default>';
  } else {
    tags['segment'] = '';
  }
  return { ...member, Tags: tags };
}

function statusName(status: number): string {
  return STATUS_NAMES[status] ?? 'unknown';
}

/** Servers first, then the default partition, then by segment, partition and name. */
function compareMembers(a: AgentMember, b: AgentMember): number {
  const ta = a.Tags ?? {};
  const tb = b.Tags ?? {};
  const serverA = ta['role'] === 'consul';
  const serverB = tb['role'] === 'consul';
  if (serverA !== serverB) return serverA ? -1 : 1;
  const defA = isDefault(ta['ap']);
  const defB = isDefault(tb['ap']);
  if (defA !== defB) return defA ? -1 : 1;
  return (
    cmp(ta['segment'] ?? '', tb['segment'] ?? '') ||
    cmp(ta['ap'] ?? '', tb['ap'] ?? '') ||
    cmp(a.Name, b.Name)
  );
}

function isDefault(partition: string | undefined): boolean {
  return partition === undefined || partition === '' || partition === 'default';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's `net.TCPAddr.String()`: IPv6 addresses in brackets. */
function hostPort(member: AgentMember): string {
  return member.Addr.includes(':') ? `[${member.Addr}]:${member.Port}` : `${member.Addr}:${member.Port}`;
}

function standardRows(list: readonly AgentMember[]): string[] {
  const rows = ['Node\x1fAddress\x1fStatus\x1fType\x1fBuild\x1fProtocol\x1fDC\x1fPartition\x1fSegment'];
  for (const m of list) {
    const tags = m.Tags ?? {};
    let build = tags['build'] ?? '';
    if (build === '') build = '< 0.3';
    else if (build.includes(':')) build = build.slice(0, build.indexOf(':'));
    const head = `${m.Name}\x1f${hostPort(m)}\x1f${statusName(m.Status)}`;
    const tail = `${build}\x1f${tags['vsn'] ?? ''}\x1f${tags['dc'] ?? ''}\x1f${tags['ap'] ?? ''}\x1f${tags['segment'] ?? ''}`;
    if (tags['role'] === 'node') rows.push(`${head}\x1fclient\x1f${tail}`);
    else if (tags['role'] === 'consul') rows.push(`${head}\x1fserver\x1f${tail}`);
    else rows.push(`${head}\x1funknown\x1f\x1f\x1f\x1f\x1f`);
  }
  return rows;
}

function detailedRows(list: readonly AgentMember[]): string[] {
  const rows = ['Node\x1fAddress\x1fStatus\x1fTags'];
  for (const m of list) {
    const tags = m.Tags ?? {};
    const pairs = Object.keys(tags)
      .sort()
      .map((k) => `${k}=${tags[k] ?? ''}`)
      .join(',');
    rows.push(`${m.Name}\x1f${hostPort(m)}\x1f${statusName(m.Status)}\x1f${pairs}`);
  }
  return rows;
}

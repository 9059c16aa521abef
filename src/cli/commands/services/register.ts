import type { AgentServiceRegistration } from '../../../api/index.js';
import { defineCommand, errorText, EXIT_ERROR } from '../../command.js';
import { servicesFromFiles } from './service-files.js';

/**
 * `entente services register` (Consul `command/services/register`): registers services with the local agent
 * from flags or from definition files; flags fill in what the files leave out.
 */
export const servicesRegister = defineCommand({
  synopsis: 'Register services with the local agent',
  usage: `
Usage: entente services register [options] [FILE...]

  Register one or more services using the local agent API. Services can
  be registered from standard configuration files (HCL or JSON) or
  using flags. The service is registered and the command returns. The caller
  must remember to call "entente services deregister" or a similar API to
  deregister the service when complete.

      $ entente services register web.json

  Additional flags and more advanced use cases are detailed below.
`,
  http: 'client+server',
  flags: (fs) => ({
    id: fs.string(
      'id',
      '',
      "ID of the service to register for arg-based registration. If this isn't set, it will default to the " +
        '-name value.',
    ),
    name: fs.string('name', '', 'Name of the service to register for arg-based registration.'),
    address: fs.string('address', '', 'Address of the service to register for arg-based registration.'),
    port: fs.int('port', 0, 'Port of the service to register for arg-based registration.'),
    socket: fs.string(
      'socket',
      '',
      'Path to the Unix domain socket to register for arg-based registration (conflicts with address and port).',
    ),
    meta: fs.map(
      'meta',
      'Metadata to set on the service, formatted as key=value. This flag may be specified multiple times to set ' +
        'multiple meta fields.',
    ),
    tag: fs.list(
      'tag',
      'Tag to add to the service. This flag can be specified multiple times to set multiple tags.',
    ),
    kind: fs.string('kind', '', "The services 'kind'"),
  }),
  run: async ({ flags, args, ui, signal, ctx, client }) => {
    const fromFlags = registrationFromFlags(flags);
    if (args.length === 0 && flags.name.value === '') {
      ui.error('Service registration requires at least one argument or flags.');
      return EXIT_ERROR;
    }
    if (args.length > 0 && flags.name.value !== '') {
      ui.error('Service registration requires arguments or -id, not both.');
      return EXIT_ERROR;
    }
    let fromFiles: AgentServiceRegistration[] = [];
    if (args.length > 0) {
      try {
        fromFiles = (await servicesFromFiles(args, ctx)).map((svc) => combineArgs(svc, fromFlags));
      } catch (err) {
        ui.error(`Error: ${errorText(err)}`);
        return EXIT_ERROR;
      }
    }
    const api = await client();
    if (api === undefined) return EXIT_ERROR;
    for (const svc of fromFiles.length > 0 ? fromFiles : [fromFlags]) {
      try {
        await api.agent.serviceRegister(svc, {}, { signal });
      } catch (err) {
        ui.error(`Error registering service ${JSON.stringify(svc.Name ?? '')}: ${errorText(err)}`);
        return EXIT_ERROR;
      }
      ui.output(`Registered service: ${svc.Name ?? ''}`);
    }
    return 0;
  },
});

interface RegisterFlags {
  readonly id: { readonly value: string };
  readonly name: { readonly value: string };
  readonly address: { readonly value: string };
  readonly port: { readonly value: number };
  readonly socket: { readonly value: string };
  readonly meta: { readonly value: Readonly<Record<string, string>> };
  readonly tag: { readonly value: readonly string[] };
  readonly kind: { readonly value: string };
}

/** The registration the flags describe, keys in Go's field order, empty ones omitted (`omitempty`). */
function registrationFromFlags(flags: RegisterFlags): AgentServiceRegistration {
  const reg: Record<string, unknown> = {};
  if (flags.kind.value !== '') reg['Kind'] = flags.kind.value;
  if (flags.id.value !== '') reg['ID'] = flags.id.value;
  if (flags.name.value !== '') reg['Name'] = flags.name.value;
  if (flags.tag.value.length > 0) reg['Tags'] = [...flags.tag.value];
  if (flags.port.value !== 0) reg['Port'] = flags.port.value;
  if (flags.address.value !== '') reg['Address'] = flags.address.value;
  if (flags.socket.value !== '') reg['SocketPath'] = flags.socket.value;
  if (Object.keys(flags.meta.value).length > 0) reg['Meta'] = { ...flags.meta.value };
  return reg;
}

/**
 * Consul's `CombineArgs`: a flag value fills a field the file left empty; meta from flags overrides, tags
 * from flags are appended.
 */
export function combineArgs(
  file: AgentServiceRegistration,
  flags: AgentServiceRegistration,
): AgentServiceRegistration {
  const out: Record<string, unknown> = { ...file };
  for (const key of ['ID', 'Name', 'Address', 'Port', 'Kind', 'SocketPath'] as const) {
    const fromFlag = flags[key];
    const fromFile = file[key];
    if (fromFlag !== undefined && (fromFile === undefined || fromFile === '' || fromFile === 0))
      out[key] = fromFlag;
  }
  if (flags.Meta !== undefined) out['Meta'] = { ...(file.Meta ?? {}), ...flags.Meta };
  if (flags.Tags !== undefined) out['Tags'] = [...(file.Tags ?? []), ...flags.Tags];
  return out;
}

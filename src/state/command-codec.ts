import { applyError, type ApplyResult } from './result.js';
import type { CommandShape, CommandUpgrade, Table } from './table.js';

/** The field of an encoded command that carries its encoding version; absent in entries written before it. */
export const VERSION_FIELD = 'V';

/** A decoded log entry: a command in its current shape, or why it cannot be applied by this server. */
export type Decoded<C> = { ok: true; cmd: C } | { ok: false; result: ApplyResult };

/**
 * The encoding of commands in the log: JSON with `Type` and a per-type version `V`. Each table declares, per
 * command type, the upgrades from older versions (`Table.upgrades`); decoding runs them, so entries written by an
 * older release apply unchanged. Entries written before versions existed have no `V` and are version 1.
 *
 * Mixed versions during a rolling upgrade: a server that meets a version newer than it knows (or a type it does
 * not know) answers `ENT_ERR_COMMAND_UNSUPPORTED` for that entry and changes nothing, deterministically, instead
 * of guessing. Writers should therefore emit a new version only once every server reads it; {@link encode} takes
 * a ceiling per type for that (`maxVersions`), which an HA leader derives from the servers' versions.
 */
export class CommandCodec<C extends CommandShape> {
  readonly #upgrades = new Map<string, readonly CommandUpgrade[]>();
  readonly #known = new Set<string>();

  constructor(tables: readonly Table[]) {
    for (const table of tables) {
      for (const type of table.commands) this.#known.add(type);
      const ups = (table.upgrades ?? {}) as Record<string, readonly CommandUpgrade[] | undefined>;
      for (const [type, list] of Object.entries(ups)) if (list) this.#upgrades.set(type, list);
    }
  }

  /** The version this release writes for `type` (1 + its number of upgrades). */
  currentVersion(type: string): number {
    return (this.#upgrades.get(type)?.length ?? 0) + 1;
  }

  /** Encodes `cmd` at its current version (which must not exceed `maxVersions[type]` when given). */
  encode(cmd: C, maxVersions?: Readonly<Record<string, number>>): Buffer {
    const version = this.currentVersion(cmd.Type);
    const ceiling = maxVersions?.[cmd.Type];
    if (ceiling !== undefined && version > ceiling) {
      throw new Error(
        `command ${cmd.Type} v${String(version)} is newer than every server reads (v${String(ceiling)})`,
      );
    }
    return Buffer.from(JSON.stringify({ ...cmd, [VERSION_FIELD]: version }));
  }

  /** Decodes one log entry, upgrading an older encoding to the current shape. */
  decode(data: Buffer): Decoded<C> {
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return unsupported('the log entry is not JSON');
    }
    if (typeof raw !== 'object' || raw === null || typeof (raw as { Type?: unknown }).Type !== 'string') {
      return unsupported('the log entry has no command type');
    }
    const { [VERSION_FIELD]: v, ...body } = raw as Record<string, unknown>;
    const type = body['Type'] as string;
    if (!this.#known.has(type)) return unsupported(`command type "${type}" is not known to this server`);
    const version = v === undefined ? 1 : v;
    const current = this.currentVersion(type);
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      return unsupported(`command ${type} has an invalid version`);
    }
    if (version > current) {
      return unsupported(
        `command ${type} v${String(version)} is newer than this server reads (v${String(current)}); upgrade it`,
      );
    }
    let cmd = body;
    for (const up of (this.#upgrades.get(type) ?? []).slice(version - 1)) cmd = up(cmd);
    return { ok: true, cmd: cmd as unknown as C };
  }
}

function unsupported(message: string): { ok: false; result: ApplyResult } {
  return { ok: false, result: applyError('ENT_ERR_COMMAND_UNSUPPORTED', message) };
}

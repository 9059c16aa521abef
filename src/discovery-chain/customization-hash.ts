/**
 * `CompiledDiscoveryChain.CustomizationHash`, byte for byte as Consul computes it: `hashstructure.Hash` (the
 * mitchellh/hashstructure release Consul pins, i.e. the v1 walk) of
 * `struct{ OverrideMeshGateway MeshGatewayConfig; OverrideProtocol string; OverrideConnectTimeout time.Duration }`
 * holding only the overrides that changed the result, printed with `%x` and cut to 8 characters.
 *
 * The walk, with FNV-1 (not 1a) 64-bit as the hasher:
 * - string: FNV-1 of its bytes; integer: FNV-1 of its 8 little-endian bytes;
 * - struct: start from the hash of the type's name (`""` for an anonymous struct), then XOR in, per exported
 *   field, FNV-1 of (field-name hash LE ‖ value hash LE). No finishing step (that is the v2 format).
 *
 * Checked against Consul's own expectation: mesh gateway `local`, protocol `grpc`, timeout 22 s → `98809527`.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

function fnv1(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h * FNV_PRIME) & MASK) ^ BigInt(b);
  return h;
}

function le64(x: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, x));
  return b;
}

const hashString = (s: string): bigint => fnv1(Buffer.from(s, 'utf8'));
const hashInt64 = (n: bigint): bigint => fnv1(le64(n));
const ordered = (a: bigint, b: bigint): bigint => fnv1(Buffer.concat([le64(a), le64(b)]));

function hashStruct(typeName: string, fields: readonly (readonly [string, bigint])[]): bigint {
  let h = hashString(typeName);
  for (const [name, value] of fields) h ^= ordered(hashString(name), value);
  return h;
}

/** The applied overrides: each is the zero value unless it changed the compiled chain. */
export interface AppliedOverrides {
  readonly meshGatewayMode: string;
  readonly protocol: string;
  readonly connectTimeoutNs: number;
}

/** Consul's 8-hex-digit customization hash of the applied overrides. */
export function customizationHash(o: AppliedOverrides): string {
  const meshGateway = hashStruct('MeshGatewayConfig', [['Mode', hashString(o.meshGatewayMode)]]);
  const h = hashStruct('', [
    ['OverrideMeshGateway', meshGateway],
    ['OverrideProtocol', hashString(o.protocol)],
    ['OverrideConnectTimeout', hashInt64(BigInt(Math.trunc(o.connectTimeoutNs)))],
  ]);
  return h.toString(16).slice(0, 8);
}

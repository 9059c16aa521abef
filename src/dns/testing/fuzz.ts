import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';

/** Seeded PRNG (mulberry32): fuzz runs are reproducible from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'web.service.consul',
  '_web._tcp.service.consul',
  'v1.web.service.peer1.peer.consul',
  'n1.node.dc1.consul',
  'web.connect.consul',
  'consul',
  'example.com',
  'c0a80105.addr.dc1.consul',
  'web.virtual.peer1.consul',
];
// dns-packet's RecordType union lacks ANY though it encodes it (type 255).
const TYPES = ['A', 'AAAA', 'SRV', 'TXT', 'NS', 'SOA', 'MX', 'ANY', 'AXFR', 'CAA'] as unknown as RecordType[];

/**
 * Generates hostile DNS messages: random bytes, and mutations of valid queries (truncation, bit flips, inserted and
 * deleted bytes, forged section counts, compression-pointer loops, thousands of labels, odd opcodes/types/classes).
 */
export function hostilePacket(rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const kind = int(10);
  if (kind === 0) {
    const b = Buffer.alloc(int(600));
    for (let i = 0; i < b.length; i++) b[i] = int(256);
    return b;
  }
  if (kind === 1) {
    // Huge label count: many one-byte labels, far past 255 octets, sometimes ending in a pointer.
    const labels = 50 + int(3000);
    const parts: number[] = [];
    for (let i = 0; i < labels; i++) parts.push(1, 0x61 + int(26));
    parts.push(rand() < 0.5 ? 0 : 0xc0, 12);
    return Buffer.concat([header(rand), Buffer.from(parts), Buffer.from([0, 1, 0, 1])]);
  }
  if (kind === 2) {
    // Compression pointer loops and chains, pointing anywhere (forwards, at themselves, into the header).
    const body: number[] = [];
    const n = 1 + int(20);
    for (let i = 0; i < n; i++) {
      if (rand() < 0.5) body.push(1 + int(3), 0x61, 0x62, 0x63);
      const target = rand() < 0.5 ? 12 + int(body.length + 4) : int(64);
      body.push(0xc0 | (target >> 8), target & 0xff);
    }
    return Buffer.concat([header(rand), Buffer.from(body), Buffer.from([0, int(256), 0, 1])]);
  }
  const base = dnsPacket.encode({
    type: 'query',
    id: int(65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: pick(TYPES), name: pick(NAMES) }],
    additionals:
      rand() < 0.5
        ? []
        : [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: int(65536),
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options:
                rand() < 0.5
                  ? []
                  : [{ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: '10.0.0.0' }],
            },
          ],
  });
  const b = Buffer.from(base);
  switch (kind) {
    case 3:
      return b.subarray(0, int(b.length));
    case 4: {
      const flips = 1 + int(8);
      for (let i = 0; i < flips; i++) {
        const at = int(b.length);
        b[at] = (b[at] ?? 0) ^ (1 << int(8));
      }
      return b;
    }
    case 5: {
      const at = int(b.length);
      const junk = Buffer.alloc(1 + int(40));
      for (let i = 0; i < junk.length; i++) junk[i] = int(256);
      return rand() < 0.5
        ? Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
        : Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + junk.length))]);
    }
    case 6:
      // Forged counts.
      for (const off of [4, 6, 8, 10]) if (rand() < 0.5) b.writeUInt16BE(int(65536), off);
      return b;
    case 7:
      // Random opcode, flags, qtype and qclass.
      b.writeUInt16BE(int(65536) & 0x7fff, 2);
      b.writeUInt16BE(int(65536), b.length - 4 - (b.length > 30 && rand() < 0.5 ? 11 : 0));
      return b;
    default:
      // A valid query, occasionally, to make sure the server keeps answering in between.
      return b;
  }
}

function header(rand: () => number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(Math.floor(rand() * 65536), 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  if (rand() < 0.3) h.writeUInt16BE(Math.floor(rand() * 4), 10);
  return h;
}

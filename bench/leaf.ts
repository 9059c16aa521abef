/**
 * Leaf certificate issuance per second with the CSR limits off (issue #8), in-process:
 *
 * - issuance: what the agent does per leaf before the `ca-leaf-index` commit: a fresh EC P-256 key and Consul's
 *   CSR for the SPIFFE ID (`createLeafCsr`), the CSR limiter (limits 0: off), the CSR read (`parseCsr`, without
 *   re-checking the self-signature of a CSR made in the same process, as Consul's servers never check it),
 *   Consul's checks and the signed leaf (`signCsr`);
 * - server sign: `parseCsr` (signature checked) + `signCsr` of a CSR made beforehand, as for a CSR from elsewhere;
 * - baseline: a bare `crypto.sign('sha256', tbs, caKey)` of the TBSCertificate of a leaf issued the same way, with
 *   the same CA key: the signature every issuance must pay.
 *
 * Three rounds of 2 s per measure, in alternation, after a 1 s warm-up each; the median round is reported.
 *
 *   node --import tsx bench/leaf.ts
 */
import { X509Certificate, createPrivateKey, sign } from 'node:crypto';

import {
  CsrLimiter,
  createLeafCsr,
  generateRootCA,
  parseCsr,
  serviceSpiffeId,
  signCsr,
  type SigningRoot,
} from '../src/connect/index.js';
import { runBench } from './lib/cleanup.js';
import { fmt, median, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/leaf.ts';
const ROUND_MS = 2_000;
const WARMUP_MS = 1_000;
const ROUNDS = 3;
const CLUSTER = '11111111-2222-3333-4444-555555555555';
const TD = `${CLUSTER}.consul`;
const OFF = { maxPerSecond: 0, maxConcurrent: 0 };

/** The TBSCertificate of a DER certificate: the first element of its outer SEQUENCE. */
function tbsOf(certDer: Buffer): Buffer {
  const outerHeader = certDer[1]! & 0x80 ? 2 + (certDer[1]! & 0x7f) : 2;
  const at = outerHeader;
  const lenByte = certDer[at + 1]!;
  let len = lenByte;
  let header = 2;
  if (lenByte & 0x80) {
    len = 0;
    for (let i = 0; i < (lenByte & 0x7f); i++) len = len * 256 + certDer[at + 2 + i]!;
    header += lenByte & 0x7f;
  }
  return certDer.subarray(at, at + header + len);
}

/** Runs `op` for `ms` (in batches, awaiting between them) and answers operations per second. */
async function opsPerSecond(ms: number, op: () => unknown): Promise<number> {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) await op();
    n += 16;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

await runBench('leaf', async () => {
  printHeader(
    'leaf',
    'leaf certificate issuance per second, CSR limits off, vs a bare signature of the same TBS',
  );
  const { root, signingKeyPem } = await generateRootCA({ clusterId: CLUSTER, datacenter: 'dc1' });
  const ca: SigningRoot = { root, signingKeyPem };
  const caKey = createPrivateKey(signingKeyPem);
  const spiffeId = serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'web' });
  const limiter = new CsrLimiter();
  const signOpts = (): Parameters<typeof signCsr>[1] => ({
    ca,
    datacenter: 'dc1',
    trustDomain: TD,
    ttlMs: 72 * 3_600_000,
    now: Date.now(),
  });

  const sample = signCsr(parseCsr(createLeafCsr(spiffeId).csrDer), signOpts());
  const tbs = tbsOf(Buffer.from(new X509Certificate(sample.CertPEM).raw));
  const csrs = Array.from({ length: 256 }, () => createLeafCsr(spiffeId).csrDer);
  let c = 0;

  const measures: [string, () => unknown][] = [
    ['bare crypto.sign of the same TBS (baseline)', () => sign('sha256', tbs, caKey)],
    [
      'server sign, CSR signature checked (parseCsr + signCsr)',
      () => signCsr(parseCsr(csrs[c++ & 255]!), signOpts()),
    ],
    [
      'issuance as the agent does it (key + CSR + limiter + parse + sign)',
      () =>
        limiter.run(OFF, () =>
          signCsr(parseCsr(createLeafCsr(spiffeId).csrDer, { checkSignature: false }), signOpts()),
        ),
    ],
  ];
  for (const [, op] of measures) await opsPerSecond(WARMUP_MS, op);
  const rounds = measures.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [, op]] of measures.entries()) rounds[i]!.push(await opsPerSecond(ROUND_MS, op));
  }
  const med = rounds.map((xs) => median(xs));
  const base = med[0]!;
  printTable(
    `${ROUNDS} rounds of ${ROUND_MS / 1000} s each, alternating; median round`,
    ['measure', 'per second (median)', 'rounds', 'vs baseline'],
    measures.map(([name], i) => [
      name,
      fmt(med[i]!),
      rounds[i]!.map((x) => fmt(x)).join(' / '),
      ratio(med[i]!, base),
    ]),
  );
  console.log(
    `\nissuance/baseline: ${ratio(med[2]!, base)}; target: issuance ≥ 1,000/s with the CSR limits off`,
  );
  console.log(`leaf TBS: ${tbs.length} bytes; CA key EC P-256; leaf key EC P-256`);
  printReproduce(COMMAND);
});

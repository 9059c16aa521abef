import { randomUUID } from 'node:crypto';
import {
  Client,
  Server,
  ServerCredentials,
  credentials,
  type ChannelCredentials,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import {
  generateRootCA,
  peeringServerName,
  signServerPeeringCert,
  trustDomain,
} from '../../src/connect/index.js';
import { percentile } from './stats.js';

// Baseline for the peering benchmarks: one unary gRPC round trip on loopback with @grpc/grpc-js (the library the
// peering stream uses), client and server in the benchmark process. A 64-byte request and response, the size of an
// ExchangeSecret call; raw bytes, so no protobuf work is counted.

const METHOD = '/bench.Echo/Call';
const identity = (b: Buffer): Buffer => b;
const SERVICE: ServiceDefinition = {
  Call: {
    path: METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface RttResult {
  name: string;
  p50: number;
  p99: number;
  samples: number;
}

function unary(client: Client, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity, identity, payload, (err) => (err ? reject(err) : resolve()));
  });
}

async function measure(
  name: string,
  serverCreds: ServerCredentials,
  clientCreds: ChannelCredentials,
  options: Record<string, string>,
  iterations: number,
  warmup: number,
): Promise<RttResult> {
  const server = new Server();
  server.addService(SERVICE, {
    Call: (call: { request: Buffer }, cb: (err: null, res: Buffer) => void) => cb(null, call.request),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', serverCreds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  const client = new Client(`127.0.0.1:${port}`, clientCreds, options);
  try {
    const payload = Buffer.alloc(64, 7);
    const samples: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      const t0 = performance.now();
      await unary(client, payload);
      if (i >= warmup) samples.push(performance.now() - t0);
    }
    return { name, p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
  } finally {
    client.close();
    server.forceShutdown();
  }
}

/**
 * Sequential unary round trips on one channel: plaintext, and TLS with an EC P-256 Connect-CA-style server
 * certificate verified against its root (as a peering dialer does), after `warmup` calls that set up the channel.
 */
export async function grpcUnaryRtt(iterations = 2_000, warmup = 200): Promise<RttResult[]> {
  const clusterId = randomUUID();
  const domain = trustDomain(clusterId);
  const { root, signingKeyPem } = await generateRootCA({ clusterId, datacenter: 'bench' });
  const leaf = await signServerPeeringCert({ root, signingKeyPem, datacenter: 'bench', trustDomain: domain });
  const serverName = peeringServerName('bench', domain);
  const plain = await measure(
    'gRPC unary, plaintext',
    ServerCredentials.createInsecure(),
    credentials.createInsecure(),
    {},
    iterations,
    warmup,
  );
  const tls = await measure(
    'gRPC unary, TLS (P-256 leaf)',
    ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(leaf.keyPem), cert_chain: Buffer.from(leaf.certPem) }],
      false,
    ),
    credentials.createSsl(Buffer.from(root.RootCert)),
    { 'grpc.ssl_target_name_override': serverName },
    iterations,
    warmup,
  );
  return [plain, tls];
}

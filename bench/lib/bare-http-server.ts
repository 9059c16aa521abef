/**
 * Baseline for health-query.ts and authorize.ts: a bare `node:http` server answering every request with the bytes of
 * the file named by argv[2] (a captured answer body). With argv[3], a JSON file holding a flat `[name, value, ...]`
 * header list, it sends exactly those headers (health-query.ts passes the agent's own, so both servers put the same
 * bytes on the wire); without it, `content-type: application/json` and the length. Its keep-alive timeout is the
 * agent's (30 s), so even Node's `Keep-Alive` header matches. Prints `listening <port>` on stdout, and exits when its
 * stdin closes (the benchmark ended or died) or on SIGTERM.
 *
 * Run as a child: `node bench/lib/bare-http-server.ts <body-file> [<headers-file>]` through tsx.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bare-http-server.ts <body-file> [<headers-file>]');
const body = readFileSync(file);
const headersFile = process.argv[3];
const headers: string[] =
  headersFile === undefined
    ? ['content-type', 'application/json', 'content-length', String(body.length)]
    : (JSON.parse(readFileSync(headersFile, 'utf8')) as string[]);
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
// The agent's (src/http/server.ts), so Node writes the same `Keep-Alive: timeout=30`.
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  process.stdout.write(`listening ${port}\n`);
});
const shutdown = (): void => {
  server.closeAllConnections();
  server.close();
};
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
process.once('SIGTERM', shutdown);

/**
 * Baseline for health-query.ts: a bare `node:http` server answering every request with the bytes of the file named
 * by argv[2] (a captured /v1/health/service/web body) as application/json. Prints `listening <port>` on stdout, and
 * exits when its stdin closes (the benchmark ended or died) or on SIGTERM.
 *
 * Run by health-query.ts as a child: `node bench/lib/bare-http-server.ts <body-file>` through tsx.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bare-http-server.ts <body-file>');
const body = readFileSync(file);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
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

/**
 * Baseline for dns.ts: a bare UDP responder answering every datagram with the bytes of the file named by argv[2]
 * (an answer captured from the agent for the same query), with the query's ID copied in; no parsing, no lookup.
 * Prints `listening <port>` on stdout, and exits when its stdin closes (the benchmark ended or died) or on SIGTERM.
 *
 *   node --import tsx bench/lib/bare-udp-responder.ts <answer-file>
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bare-udp-responder.ts <answer-file>');
const answer = readFileSync(file);
const socket = createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  if (msg.length < 2) return;
  const out = Buffer.allocUnsafe(answer.length);
  answer.copy(out);
  out[0] = msg[0]!;
  out[1] = msg[1]!;
  socket.send(out, rinfo.port, rinfo.address);
});
socket.bind(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${socket.address().port}\n`);
});
let closed = false;
const shutdown = (): void => {
  if (closed) return;
  closed = true;
  socket.close();
  process.stdin.destroy();
};
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
process.once('SIGTERM', shutdown);

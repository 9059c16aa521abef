import { once } from 'node:events';
import type { Server } from 'node:net';

/** The port `server` is bound to (the one the OS chose when 0 was asked); 0 before it listens. */
export function boundPort(server: Server): number {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

/** Starts `server` on `host:port`; rejects with the listen error (EADDRINUSE, EACCES, …). */
export async function listenOn(server: Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  await once(server, 'listening');
}

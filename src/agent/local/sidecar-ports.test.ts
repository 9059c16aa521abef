import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../errors/index.js';
import { SidecarPortRange, type PortHolder } from './sidecar-ports.js';

function range(services: PortHolder[], minPort = 21000, maxPort = 21002): SidecarPortRange {
  return new SidecarPortRange({ minPort, maxPort, localServices: () => services });
}

function isBadRequest(message: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof AppError && err.httpStatus === 400 && err.message === message;
}

test('sidecar ports - reservations in flight never share a port; released ports are given again', () => {
  const r = range([]);
  const a = r.reserve('a-sidecar-proxy');
  const b = r.reserve('b-sidecar-proxy');
  const c = r.reserve('c-sidecar-proxy');
  assert.deepEqual([a.port, b.port, c.port], [21000, 21001, 21002]);
  assert.throws(
    () => r.reserve('d-sidecar-proxy'),
    isBadRequest('no port provided for sidecar_service and none left in the configured range [21000, 21002]'),
  );
  b.release();
  b.release();
  assert.equal(r.reserved, 2);
  assert.equal(r.reserve('d-sidecar-proxy').port, 21001);
});

test('sidecar ports - ports of registered services are skipped; a sidecar keeps the port it has', () => {
  const services: PortHolder[] = [
    { ID: 'web', Port: 21000 },
    { ID: 'api-sidecar-proxy', Port: 21002 },
    { ID: 'outside', Port: 8080 },
  ];
  const r = range(services);
  assert.equal(r.reserve('api-sidecar-proxy').port, 21002, 're-registering keeps the port');
  assert.equal(r.reserve('new-sidecar-proxy').port, 21001);
  assert.throws(() => r.reserve('more-sidecar-proxy'), /none left in the configured range \[21000, 21002\]/);
});

test('sidecar ports - once committed the port is in the catalog, so releasing the lease does not free it', () => {
  const services: PortHolder[] = [];
  const r = range(services, 21000, 21000);
  const lease = r.reserve('a-sidecar-proxy');
  services.push({ ID: 'a-sidecar-proxy', Port: lease.port });
  lease.release();
  assert.throws(() => r.reserve('b-sidecar-proxy'), /none left/);
});

test('sidecar ports - a range bound below 1 disables automatic ports with Consul’s error', () => {
  assert.throws(
    () => range([], 0, 21255).reserve('a-sidecar-proxy'),
    isBadRequest('no port provided for sidecar_service and auto-assignment disabled in config'),
  );
});

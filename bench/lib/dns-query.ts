/**
 * A standard DNS query for `name` (type A, class IN, RD set, ID 0) with an EDNS0 OPT record advertising a 1,232-byte
 * UDP payload, as `dig` and current stub resolvers send it (without EDNS0 the agent, like Consul, answers at most
 * `udp_answer_limit` = 3 A records over UDP). The caller writes the ID into bytes 0-1.
 */
export function dnsQuery(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  // ID, flags (RD), QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1
  const header = Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
  // QTYPE A, QCLASS IN
  const question = Buffer.from([0, 0, 1, 0, 1]);
  // OPT: root name, TYPE 41, CLASS = UDP payload size 1232, TTL 0 (no DO bit), RDLENGTH 0
  const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, question, opt]);
}

import { isIPv6 } from 'node:net';
import type { Request } from 'express';

/**
 * Who a caller is when no key says so: its address as Express sees it (through TRUST_PROXY_HOPS
 * proxies). An IPv6 caller is its /64: one host usually has the whole of one, and would
 * otherwise have more addresses than there are buckets.
 */
export function clientAddress(request: Request): string {
  const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  return isIPv6(address) ? `${prefix64(address)}::/64` : address;
}

function prefix64(address: string): string {
  const [head, tail = ''] = address.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...front, ...Array(8 - front.length - back.length).fill('0'), ...back]
    : front;
  return groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':');
}

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Whether an address is on the public internet: global unicast only, an IPv4 address inside IPv6
 * judged as the IPv4 address it is. Refused: loopback, private, link-local (where cloud metadata
 * answers), carrier-grade NAT, unique-local, multicast, reserved, unspecified, and the IPv6 forms
 * that embed an IPv4 address (NAT64, 6to4, Teredo, IPv4-compatible), which a translator on the
 * way could turn into an inside address.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  // Global unicast is 2000::/3; within it, the ranges ipaddr.js names are special-purpose.
  return v6.match(GLOBAL_UNICAST) && v6.range() === 'unicast';
}

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/** The shape of `dns.lookup` that net.connect calls (with `all: true` when it races families). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Thrown at connect time when a name resolves to an address we may not dial. */
export class PrivateAddressRefused extends Error {
  constructor(readonly hostname: string) {
    super(`${hostname} resolves to an address that is not public`);
    this.name = 'PrivateAddressRefused';
  }
}

/**
 * A lookup for the sockets we open: it resolves as usual, then refuses the connection unless
 * every address is public (or the name is one the operator allowed), so a name that answered
 * public when checked and private when dialled (DNS rebinding) reaches nothing.
 */
export function publicOnlyLookup(
  allowedHosts: ReadonlySet<string>,
  resolve: LookupFunction = dnsLookup as LookupFunction,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error || allowedHosts.has(hostname.toLowerCase())) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      if (!addresses.every(isPublicAddress)) return callback(new PrivateAddressRefused(hostname), address, family);
      callback(null, address, family);
    });
  };
}

/** Every address a name has, through the same lookup the sockets use. */
export function resolveAll(hostname: string, resolve: LookupFunction = dnsLookup as LookupFunction): Promise<string[]> {
  return new Promise((done) => {
    resolve(hostname, { all: true }, (error, address) => {
      if (error) return done([]);
      done(Array.isArray(address) ? address.map((a) => a.address) : [address]);
    });
  });
}

/**
 * A JetStream time (RFC 3339 in UTC with up to nine fraction digits, e.g. a stream's `last_ts`) in
 * µs since the epoch: finer than a Date, and exact as a number.
 */
export function microsOf(time: string): number {
  const [whole, fraction = ''] = time.replace(/Z$/, '').split('.');
  return Date.parse(`${whole}Z`) * 1_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

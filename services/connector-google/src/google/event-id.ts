const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Google event id of a booking: base32hex (a–v, 0–9, as Google demands) of the booking
 * UUID's 16 bytes, 26 characters. Insert with it is idempotent: a retry meets 409 duplicate.
 */
export function eventIdOf(bookingId: string): string {
  const bytes = UUID.test(bookingId) ? Buffer.from(bookingId.replace(/-/g, ''), 'hex') : Buffer.from(bookingId, 'utf8');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}

/** The booking id an event id was derived from, when it is one of ours (a UUID's). */
export function bookingIdOf(eventId: string): string | undefined {
  if (!/^[0-9a-v]{26}$/.test(eventId)) return undefined;
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of eventId) {
    value = ((value << 5) | BASE32HEX.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const hex = Buffer.from(bytes.slice(0, 16)).toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return eventIdOf(id) === eventId ? id : undefined;
}

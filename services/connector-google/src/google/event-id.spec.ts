import { randomUUID } from 'node:crypto';
import { bookingIdOf, eventIdOf } from './event-id';

describe('eventIdOf', () => {
  it('is 26 base32hex characters for a UUID, stable, and reversible', () => {
    for (let i = 0; i < 200; i++) {
      const bookingId = randomUUID();
      const eventId = eventIdOf(bookingId);
      expect(eventId).toMatch(/^[a-v0-9]{26}$/);
      expect(eventIdOf(bookingId)).toBe(eventId);
      expect(bookingIdOf(eventId)).toBe(bookingId);
    }
  });

  it('encodes known bytes as RFC 4648 base32hex', () => {
    expect(eventIdOf('00000000-0000-0000-0000-000000000000')).toBe('0'.repeat(26));
    expect(eventIdOf('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe(`${'v'.repeat(25)}s`);
    expect(eventIdOf('foobar')).toBe('cpnmuoj1e8'); // the RFC's test vector, unpadded and lower-case
  });

  it('gives different bookings different ids, and reads no booking from foreign ids', () => {
    expect(eventIdOf(randomUUID())).not.toBe(eventIdOf(randomUUID()));
    expect(bookingIdOf('abc')).toBeUndefined();
    expect(bookingIdOf('_google_generated_id_123')).toBeUndefined();
  });
});

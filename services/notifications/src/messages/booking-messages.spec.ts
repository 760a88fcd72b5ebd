import { customerText, ownerNotice, reauthNotice, type BookingFacts } from './booking-messages';

const facts: BookingFacts = {
  change: 'confirmed',
  bookingId: '0f2c7a4e-1111-2222-3333-444455556666',
  start: '2026-12-01T15:00:00Z',
  serviceName: 'AC repair',
  memberName: 'Sam',
  customerName: 'Ana Souza',
  customerPhone: '+14155550123',
  timeZone: 'America/New_York',
};

describe('booking messages', () => {
  it('tells the customer the time as the business says it', () => {
    expect(customerText(facts)).toBe(
      'Your AC repair with Sam is confirmed for Tue 1 Dec at 10:00 AM EST. Ref 0f2c7a4e.',
    );
    expect(customerText({ ...facts, change: 'rescheduled' })).toContain('has moved to Tue 1 Dec at 10:00 AM EST');
    expect(customerText({ ...facts, change: 'cancelled' })).toContain('is cancelled');
    expect(customerText({ ...facts, change: 'flagged' })).toBeUndefined();
  });

  it('tells the owner who and when, and why a booking was cancelled or flagged', () => {
    expect(ownerNotice(facts).text).toBe(
      'New booking: AC repair with Ana Souza (+14155550123), Tue 1 Dec at 10:00 AM EST.',
    );
    expect(ownerNotice({ ...facts, change: 'cancelled', cancelReason: 'deleted_in_calendar' }).text).toContain(
      'because its event was deleted from your calendar',
    );
    expect(
      ownerNotice({ ...facts, change: 'flagged', attention: 'moved_in_calendar_over_another_booking' }).text,
    ).toContain('needs your attention (moved in calendar over another booking)');
  });

  it('asks the owner to reconnect a calendar', () => {
    expect(reauthNotice('google').subject).toBe('Reconnect your Google calendar');
  });
});

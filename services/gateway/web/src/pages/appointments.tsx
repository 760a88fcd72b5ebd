import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, query } from '../api';
import { useLiveEvent } from '../live';
import { dayIn, span } from '../time';
import type { Booking, Member, Service } from '../types';
import { attentionText } from '../words';

const DAY_MS = 86_400_000;

interface Props {
  members: Member[];
  services: Service[];
  timeZone: string;
  /** Bumped on each (re)connection of the live stream: what was missed is read again. */
  generation: number;
}

/** The appointments ahead, kept up to date as the AI books, moves and cancels them. */
export function AppointmentsPage({ members, services, timeZone, generation }: Props) {
  const [bookings, setBookings] = useState<Map<string, Booking>>(new Map());
  const [error, setError] = useState('');

  useEffect(() => {
    const from = new Date(Date.now() - DAY_MS).toISOString();
    const to = new Date(Date.now() + 90 * DAY_MS).toISOString();
    get<{ bookings: Booking[] }>(`/v1/bookings?${query({ from, to, pageSize: '200' })}`).then(
      ({ bookings: listed }) => setBookings(new Map(listed.map((booking) => [booking.id, booking]))),
      (failure) => setError(failure.message),
    );
  }, [generation]);

  useLiveEvent(
    useCallback((type: string, booking: Booking) => {
      if (type.startsWith('booking.')) setBookings((current) => new Map(current).set(booking.id, booking));
    }, []),
  );

  const sorted = [...bookings.values()]
    .filter((b) => b.status !== 'pending')
    .sort((a, b) => a.start.localeCompare(b.start));
  const days = new Map<string, Booking[]>();
  for (const booking of sorted)
    days.set(dayIn(booking.start, timeZone), [...(days.get(dayIn(booking.start, timeZone)) ?? []), booking]);
  const flagged = sorted.filter((b) => b.attention && b.status !== 'cancelled').length;

  return (
    <section aria-labelledby="appointments-heading">
      <h2 id="appointments-heading">Appointments</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {flagged > 0 && (
        <p class="banner warning" role="status">
          {flagged} appointment{flagged > 1 ? 's need' : ' needs'} your attention.
        </p>
      )}
      <div aria-live="polite">
        {sorted.length === 0 && <p>No appointments yet. They appear here the moment your receptionist books them.</p>}
        {[...days].map(([day, items]) => (
          <section key={day} aria-label={day}>
            <h3 class="day">{day}</h3>
            <ul class="plain appointments">
              {items.map((booking) => (
                <li
                  key={booking.id}
                  class={`appointment ${booking.status}${booking.attention ? ' flagged' : ''}`}
                  data-booking-id={booking.id}
                >
                  <span class="when">{span(booking.start, booking.end, timeZone)}</span>
                  <span class="who">
                    <strong>{booking.customer.name}</strong>{' '}
                    <a href={`tel:${booking.customer.phone}`}>{booking.customer.phone}</a>
                  </span>
                  <span class="what">
                    {services.find((s) => s.id === booking.serviceId)?.name ?? 'Service'} with{' '}
                    {members.find((m) => m.id === booking.memberId)?.name ?? 'a team member'}
                  </span>
                  {booking.status === 'cancelled' && (
                    <span class="badge">
                      Cancelled{booking.cancelReason ? `: ${booking.cancelReason.replace(/_/g, ' ')}` : ''}
                    </span>
                  )}
                  {booking.attention && booking.status !== 'cancelled' && (
                    <span class="badge error">Needs attention: {attentionText(booking.attention)}</span>
                  )}
                  {booking.notes && <p class="notes">{booking.notes}</p>}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';

type Listener = (type: string, data: any) => void;

const listeners = new Set<Listener>();
const EVENT_TYPES = [
  'booking.confirmed',
  'booking.rescheduled',
  'booking.cancelled',
  'booking.flagged',
  'calendar.changed',
  'connection.status',
  'availability.changed',
];

/**
 * The tenant's live events (GET /v1/events, with the session cookie). EventSource reconnects by
 * itself; `onOpen` runs on each (re)connection, since events missed meanwhile are not replayed.
 */
export function useLiveEvents(enabled: boolean, onOpen: () => void): 'live' | 'connecting' {
  const [state, setState] = useState<'live' | 'connecting'>('connecting');
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/v1/events');
    source.onopen = () => {
      setState('live');
      onOpen();
    };
    source.onerror = () => setState('connecting');
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        const data = JSON.parse((event as MessageEvent).data);
        for (const listener of listeners) listener(type, data);
      });
    }
    return () => source.close();
  }, [enabled]);
  return state;
}

export function useLiveEvent(listener: Listener): void {
  useEffect(() => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, [listener]);
}

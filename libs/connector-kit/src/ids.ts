import { randomUUID } from 'node:crypto';
import { Decline } from '@calldesk/messaging';

/**
 * The ids a connector hands out (connections, calendars) are its own, prefixed by its provider:
 * `caldav:<uuid>`, `google:<uuid>`. Subjects that name no provider (`calendars.setRole`,
 * `connections.disconnect`) reach every connector; each answers only the ids it owns.
 */
export function newProviderId(provider: string): string {
  return `${provider}:${randomUUID()}`;
}

export function isOwnedBy(provider: string, id: string): boolean {
  return id.startsWith(`${provider}:`);
}

/** Leaves the request to the connector that owns `id`: no reply is sent from here. */
export function declineUnlessOwned(provider: string, id: string): void {
  if (!isOwnedBy(provider, id)) throw new Decline();
}

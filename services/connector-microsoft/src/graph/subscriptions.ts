import type { Client } from '@microsoft/microsoft-graph-client';

/**
 * Creates a subscription to a calendar's events. Graph first posts a validation request to both
 * URLs (the gateway echoes the token) and refuses the subscription if it is not answered.
 */
export async function subscribe(
  api: Client,
  signal: AbortSignal,
  calendarId: string,
  options: { notificationUrl: string; clientState: string; expiresAt: Date },
): Promise<{ subscriptionId: string; expiresAt: Date }> {
  const created = await api
    .api('/subscriptions')
    .option('signal', signal)
    .post({
      changeType: 'created,updated,deleted',
      notificationUrl: options.notificationUrl,
      lifecycleNotificationUrl: options.notificationUrl,
      resource: `me/calendars/${calendarId}/events`,
      expirationDateTime: options.expiresAt.toISOString(),
      clientState: options.clientState,
    });
  return { subscriptionId: created.id, expiresAt: new Date(created.expirationDateTime) };
}

export async function renew(api: Client, signal: AbortSignal, subscriptionId: string, expiresAt: Date): Promise<Date> {
  const renewed = await api
    .api(`/subscriptions/${encodeURIComponent(subscriptionId)}`)
    .option('signal', signal)
    .patch({ expirationDateTime: expiresAt.toISOString() });
  return new Date(renewed.expirationDateTime ?? expiresAt);
}

export async function unsubscribe(api: Client, signal: AbortSignal, subscriptionId: string): Promise<void> {
  await api
    .api(`/subscriptions/${encodeURIComponent(subscriptionId)}`)
    .option('signal', signal)
    .delete();
}

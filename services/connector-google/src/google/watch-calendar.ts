import type { calendar_v3 } from '@googleapis/calendar';

/** Opens a push channel on a calendar's events; Google posts to `address` with our token. */
export async function watchCalendar(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  channel: { id: string; token: string; address: string; ttlSeconds: number },
): Promise<{ resourceId: string; expiration: number }> {
  const { data } = await api.events.watch(
    {
      calendarId,
      requestBody: {
        id: channel.id,
        type: 'web_hook',
        address: channel.address,
        token: channel.token,
        params: { ttl: String(channel.ttlSeconds) },
      },
    },
    { signal },
  );
  return {
    resourceId: data.resourceId ?? '',
    expiration: Number(data.expiration ?? Date.now() + channel.ttlSeconds * 1_000),
  };
}

export async function stopChannel(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  channel: { id: string; resourceId: string },
): Promise<void> {
  await api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }, { signal });
}

import type { ProviderTally, Weather } from './realistic-provider';

export interface ProviderEvent {
  eventId: string;
  calendarId: string;
  /** Set on the events booking wrote. */
  bookingId?: string;
  start: string;
  end: string;
}

/** The harness's side of connector-process.ts: its HTTP control on loopback. */
export class ConnectorControl {
  constructor(private readonly url: string) {}

  /** Connects a member with one booking calendar holding `busy` (events the owner already had). */
  async connect(tenantId: string, memberId: string, busy: { start: string; end: string }[]): Promise<string> {
    return (await this.send<{ calendarId: string }>('POST', '/members', { tenantId, memberId, busy })).calendarId;
  }

  /** The owner adds an event in their calendar app; the provider pushes the change. */
  async ownerAdds(calendarId: string, start: string, end: string): Promise<void> {
    await this.send('POST', '/owner-events', { calendarId, start, end });
  }

  async setWeather(weather: Weather): Promise<void> {
    await this.send('PUT', '/weather', weather);
  }

  /** Event writes wait, once written, before their answer, until `releaseWrites`. */
  async holdWrites(): Promise<void> {
    await this.send('POST', '/writes/hold', {});
  }

  /** Lets the held writes answer; says which bookings' writes were held. */
  async releaseWrites(): Promise<string[]> {
    return (await this.send<{ held: string[] }>('POST', '/writes/release', {})).held;
  }

  /** Every event the provider holds in these tenants' calendars. */
  async events(tenantIds: string[]): Promise<ProviderEvent[]> {
    return (await this.send<{ events: ProviderEvent[] }>('POST', '/events', { tenantIds })).events;
  }

  tally(): Promise<ProviderTally> {
    return this.send('GET', '/tally');
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`connector control ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}

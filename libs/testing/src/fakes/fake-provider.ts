import { FakeHttpServer, type FakeResponse, type FaultRule, type RecordedRequest } from './fake-http';

/**
 * What every fake provider gives a test besides its API: its URL, the requests it received,
 * injected faults and slowness, and a wait for its push deliveries in flight.
 */
export abstract class FakeProvider {
  protected readonly http: FakeHttpServer;
  /** Push deliveries in flight. */
  protected readonly pending = new Set<Promise<unknown>>();

  protected constructor(faultBody: (status: number) => unknown, isApiRequest: (request: RecordedRequest) => boolean) {
    this.http = new FakeHttpServer((request, response) => this.route(request, response), faultBody, isApiRequest);
  }

  protected abstract route(request: RecordedRequest, response: FakeResponse): Promise<void>;

  get url(): string {
    return this.http.url;
  }

  /** Every request received, in order. */
  get requests(): RecordedRequest[] {
    return this.http.requests;
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  set delayMs(ms: number) {
    this.http.delayMs = ms;
  }

  inject(fault: FaultRule): void {
    this.http.inject(fault);
  }

  clearFaults(): void {
    this.http.clearFaults();
  }

  /** Waits for push deliveries in flight. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.http.close();
  }
}

import {
  FakeHttpServer,
  type FakeResponse,
  type FaultRule,
  type RecordedAnswer,
  type RecordedRequest,
} from './fake-http';

/** What the user allowed a client: one consent, with its refresh token once issued. */
export interface FakeGrant {
  account: string;
  clientId: string;
  scopes: string[];
  refreshToken?: string;
  revoked: boolean;
}

export interface FakeAccessToken {
  grant: FakeGrant;
  expiresAt: number;
}

/**
 * What every fake OAuth provider gives a test besides its API: its URL, the requests it received,
 * injected faults and slowness, a wait for its push deliveries in flight, and its grants and
 * access tokens, to expire or revoke.
 */
export abstract class FakeProvider<Token extends FakeAccessToken = FakeAccessToken> {
  /** Every grant the fake has made, newest last: what scopes were asked for and given. */
  readonly grants: FakeGrant[] = [];
  protected readonly http: FakeHttpServer;
  /** Push deliveries in flight. */
  protected readonly pending = new Set<Promise<unknown>>();
  protected readonly accessTokens = new Map<string, Token>();

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

  /** Every answer sent, in order: what reached the client, word for word. */
  get answers(): RecordedAnswer[] {
    return this.http.answers;
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

  /** Every access token issued so far (to prove none is stored in clear). */
  issuedAccessTokens(): string[] {
    return [...this.accessTokens.keys()];
  }

  /** Every access token stops working at once (as after an hour). */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
  }

  /** The user revokes access (or the refresh token dies): refreshes answer invalid_grant. */
  revokeGrants(account?: string): void {
    for (const grant of this.grants) if (!account || grant.account === account) grant.revoked = true;
  }
}

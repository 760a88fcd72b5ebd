import { isIP } from 'node:net';
import { classifyProviderError, ProviderError } from '@calldesk/connector-kit';
import { RpcError } from '@calldesk/contracts';
import { CircuitBreakers, DEFAULT_RETRY_POLICY, parseRetryAfter, RetryPolicy } from '@calldesk/resilience';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { boundedBody } from '../bounds/bounded-body';
import type { CaldavConfig } from '../config';
import {
  isPublicAddress,
  PrivateAddressRefused,
  publicOnlyLookup,
  resolveAll,
  type LookupFunction,
} from './public-address';

/** The resolver sockets and destination checks use; tests give one that lies. */
export const DNS_LOOKUP = Symbol('DNS_LOOKUP');

export interface CaldavCredentials {
  username: string;
  password: string;
}

/** Ids for the spans of provider calls: ids only, never URLs (they name users) or content. */
export interface CallIds {
  tenantId?: string;
  memberId?: string;
  calendarId?: string;
}

export interface HttpOptions {
  credentials: CaldavCredentials;
  /** Whose circuit breaker the calls count against: the connection id (the server URL before one exists). */
  breakerKey: string;
  /** The most one call may take, retries and the response's body included. */
  budgetMs?: number;
  /** The most bytes one answer may have, if fewer than CALDAV_MAX_RESPONSE_BYTES (answers parsed whole). */
  maxBytes?: number;
  ids?: CallIds;
}

export type Fetch = typeof fetch;

const MAX_REDIRECTS = 5;
const ADDRESS_CACHE_MS = 5 * 60_000;
// Said to the tenant who is refused: their server may be fine, the operator just has not allowed it.
const SELF_HOSTED =
  'a self-hosted server on http:// or a private network needs CALDAV_ALLOW_PRIVATE_NETWORKS=true on the CalDAV connector';

/**
 * The one door to CalDAV servers: every request goes through the retry policy and the
 * connection's circuit breaker, carries Basic auth (also after a redirect to another host, as
 * iCloud's discovery makes), refuses private networks unless allowed, and is a child span.
 * A 401 and a provider failure (5xx, 429, 408) become a ProviderError here; everything else is
 * the caller's to read. Every response's body is bounded (see boundedBody): at most
 * CALDAV_MAX_RESPONSE_BYTES, all of it within the call's budget.
 *
 * Private networks are refused twice: each URL (every redirect too) is checked before it is
 * asked, and the sockets themselves resolve through a lookup that refuses private addresses, so
 * a name that answers public when checked and private when dialled reaches nothing.
 */
@Injectable()
export class CaldavHttp {
  private readonly policy: RetryPolicy;
  private readonly breakers: CircuitBreakers;
  private readonly addresses = new Map<string, { publicOnly: boolean; until: number }>();
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly dispatcher?: Dispatcher;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: CaldavConfig,
    @Optional() @Inject(DNS_LOOKUP) private readonly resolve?: LookupFunction,
  ) {
    this.policy = new RetryPolicy({
      ...DEFAULT_RETRY_POLICY,
      attemptTimeoutMs: config.CALDAV_ATTEMPT_TIMEOUT_MS,
      budgetMs: 4 * config.CALDAV_ATTEMPT_TIMEOUT_MS,
    });
    this.breakers = new CircuitBreakers({
      failureThreshold: config.CALDAV_BREAKER_FAILURES,
      openMs: config.CALDAV_BREAKER_OPEN_MS,
    });
    this.allowedHosts = new Set(config.CALDAV_PRIVATE_SERVERS);
    if (!config.CALDAV_ALLOW_PRIVATE_NETWORKS)
      this.dispatcher = new Agent({ connect: { lookup: publicOnlyLookup(this.allowedHosts, resolve) } });
  }

  /** A fetch bound to one account, for tsdav's helpers and our own requests. */
  fetchFor(options: HttpOptions): Fetch {
    const authorization = `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`;
    const breaker = this.breakers.for(options.breakerKey);
    return (async (input: string | URL | Request, init: RequestInit = {}) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const method = (init.method ?? 'GET').toUpperCase();
      const attributes = {
        ...spanAttributes({ ...options.ids, provider: 'caldav' }),
        'http.request.method': method,
        'server.address': url.hostname,
      };
      return withSpan(`caldav ${method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const deadline = Date.now() + Math.min(options.budgetMs ?? Infinity, this.policy.options.budgetMs);
        const response = await this.policy.run((signal) => this.send(url, method, init, authorization, signal), {
          classify: classifyProviderError,
          breaker,
          budgetMs: options.budgetMs,
          provider: 'caldav',
          operation: method,
        });
        span.setAttribute('http.response.status_code', response.status);
        return boundedBody(response, {
          maxBytes: Math.min(options.maxBytes ?? Infinity, this.config.CALDAV_MAX_RESPONSE_BYTES),
          deadline,
        });
      });
    }) as Fetch;
  }

  /** Checks that a server URL may be called at all (scheme and address). */
  async checkDestination(url: URL): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (this.config.CALDAV_ALLOW_PRIVATE_NETWORKS || this.allowedHosts.has(host)) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw RpcError.invalidArgument('serverUrl', 'serverUrl must be an http or https URL');
      return;
    }
    if (url.protocol !== 'https:')
      throw RpcError.invalidArgument('serverUrl', `serverUrl must be an https URL; ${SELF_HOSTED}`);
    const cached = this.addresses.get(host);
    let publicOnly = cached && cached.until > Date.now() ? cached.publicOnly : undefined;
    if (publicOnly === undefined) {
      const found = isIP(host) ? [host] : await resolveAll(host, this.resolve);
      publicOnly = found.length > 0 && found.every(isPublicAddress);
      this.addresses.set(host, { publicOnly, until: Date.now() + ADDRESS_CACHE_MS });
    }
    if (!publicOnly) throw notPublic();
  }

  /** fetch through our dispatcher; a socket the lookup refused is the tenant's URL, not an outage. */
  private async fetch(url: URL, init: RequestInit): Promise<Response> {
    try {
      return (await undiciFetch(url, { ...(init as object), dispatcher: this.dispatcher })) as unknown as Response;
    } catch (error) {
      if ((error as Error).cause instanceof PrivateAddressRefused) throw notPublic();
      throw error;
    }
  }

  private async send(
    url: URL,
    method: string,
    init: RequestInit,
    authorization: string,
    signal: AbortSignal,
  ): Promise<Response> {
    let current = url;
    let currentMethod = method;
    let body = init.body;
    for (let hop = 0; ; hop++) {
      await this.checkDestination(current);
      const headers = new Headers(init.headers);
      headers.set('authorization', authorization);
      const response = await this.fetch(current, {
        ...init,
        method: currentMethod,
        headers,
        body,
        signal,
        redirect: 'manual',
      });
      const location = response.headers.get('location');
      if (
        init.redirect !== 'manual' &&
        [301, 302, 303, 307, 308].includes(response.status) &&
        location &&
        hop < MAX_REDIRECTS
      ) {
        await discard(response);
        current = new URL(location, current);
        if (response.status === 303) {
          currentMethod = 'GET';
          body = undefined;
        }
        continue;
      }
      if (response.status === 401 || response.status === 408 || response.status === 429 || response.status >= 500) {
        await discard(response);
        throw ProviderError.fromStatus(response.status, parseRetryAfter(response.headers.get('retry-after')));
      }
      return response;
    }
  }
}

function notPublic(): RpcError {
  return RpcError.invalidArgument('serverUrl', `serverUrl must name a public server; ${SELF_HOSTED}`);
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

import { OAuthClient, OAuthTokens } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { graphErrorOf, isGraphStatus } from './graph-errors';

/**
 * Every Graph call goes through here (connector-kit's OAuthClient; 429 Retry-After honoured,
 * fractions included). The client is built with our own middleware chain (bearer, then HTTP): no
 * RetryHandler, no RedirectHandler, and the token reaches the configured host whatever its scheme.
 */
@Injectable()
export class GraphClient extends OAuthClient<Client> {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    tokens: OAuthTokens,
  ) {
    super(config, tokens, 'microsoft');
  }

  /** Graph as one access token sees it. */
  api(accessToken: string): Client {
    let next: Middleware | undefined;
    const bearer: Middleware = {
      execute: async (context: Context) => {
        const headers = (context.options?.headers ?? {}) as Record<string, string>;
        context.options = { ...context.options, headers: { ...headers, Authorization: `Bearer ${accessToken}` } };
        await next!.execute(context);
      },
      setNext: (middleware) => {
        next = middleware;
      },
    };
    bearer.setNext!(new HTTPMessageHandler());
    return Client.initWithMiddleware({
      baseUrl: this.config.MICROSOFT_GRAPH_URL,
      defaultVersion: 'v1.0',
      middleware: bearer,
    });
  }

  protected errorOf(error: unknown): Error {
    return graphErrorOf(error);
  }

  protected isUnauthorized(failure: Error): boolean {
    return isGraphStatus(failure, 401);
  }
}

/** A Graph link (@odata.nextLink, @odata.deltaLink) as the client takes it: path and query below the version. */
export function relativeLink(link: string): string {
  const url = new URL(link);
  return `${url.pathname.replace(/^\/(v1\.0|beta)/, '')}${url.search}`;
}

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CaldavConfig } from '../config';
import { CaldavHttp } from './caldav-http';
import type { LookupFunction } from './public-address';

const config = (privateServers: string[] = []) =>
  ({
    CALDAV_ATTEMPT_TIMEOUT_MS: 1_000,
    CALDAV_BREAKER_FAILURES: 100,
    CALDAV_BREAKER_OPEN_MS: 1_000,
    CALDAV_ALLOW_PRIVATE_NETWORKS: false,
    CALDAV_PRIVATE_SERVERS: privateServers,
  }) as CaldavConfig;

/**
 * Server-side request forgery: whatever a tenant types as their server, and wherever its DNS or
 * its redirects point, no connection of ours reaches an inside address. A loopback listener
 * counts every connection that gets to it.
 */
describe('CaldavHttp refuses inside addresses at every step (a loopback listener counts what reaches it)', () => {
  let listener: Server;
  let port: number;
  let reached = 0;
  let redirector: HttpServer;
  let redirectorPort: number;

  beforeAll(async () => {
    listener = createServer((socket) => {
      reached++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    // A server the operator allowed by name, on another loopback address, that sends us inside.
    redirector = createHttpServer((_request, response) =>
      response.writeHead(307, { location: `http://127.0.0.1:${port}/dav/` }).end(),
    );
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.2', resolve));
    redirectorPort = (redirector.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    await new Promise((resolve) => redirector.close(resolve));
  });

  beforeEach(() => (reached = 0));

  const ask = (http: CaldavHttp, url: string) =>
    http.fetchFor({ credentials: { username: 'u', password: 'p' }, breakerKey: url, budgetMs: 3_000 })(url, {
      method: 'PROPFIND',
    });

  it.each([
    ['loopback', 'https://127.0.0.1:PORT/'],
    ['loopback by name', 'https://localhost:PORT/'],
    ['IPv6 loopback', 'https://[::1]:PORT/'],
    ['IPv4-mapped loopback, dotted', 'https://[::ffff:127.0.0.1]:PORT/'],
    ['IPv4-mapped loopback, hex', 'https://[::ffff:7f00:1]:PORT/'],
    ['IPv4-mapped metadata address', 'https://[::ffff:169.254.169.254]:PORT/'],
    ['NAT64 loopback', 'https://[64:ff9b::7f00:1]:PORT/'],
    ['6to4 loopback', 'https://[2002:7f00:1::1]:PORT/'],
    ['private', 'https://10.0.0.1:PORT/'],
    ['link-local metadata', 'https://169.254.169.254:PORT/'],
    ['decimal loopback', 'https://2130706433:PORT/'],
  ])('%s: %s is refused as not public, and nothing connects', async (_family, template) => {
    await expect(ask(new CaldavHttp(config()), template.replace('PORT', String(port)))).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'serverUrl' },
    });
    expect(reached).toBe(0);
  });

  it('a name that answers public when checked and loopback when dialled (DNS rebinding) reaches nothing', async () => {
    let asked = 0;
    const rebinding: LookupFunction = (_hostname, options, callback) => {
      const address = asked++ === 0 ? '93.184.216.34' : '127.0.0.1';
      if (options.all) callback(null, [{ address, family: 4 }]);
      else callback(null, address, 4);
    };
    await expect(ask(new CaldavHttp(config(), rebinding), `https://rebind.example:${port}/`)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(reached).toBe(0);
  });

  it('an allowed server redirecting inside is refused at the redirect, and nothing else connects', async () => {
    const http = new CaldavHttp(config(['127.0.0.2']));
    await expect(ask(http, `http://127.0.0.2:${redirectorPort}/`)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(reached).toBe(0);
  });

  it('the listener does count a connection we are allowed to make', async () => {
    await ask(new CaldavHttp(config(['127.0.0.1'])), `http://127.0.0.1:${port}/`).catch(() => undefined);
    expect(reached).toBeGreaterThan(0);
  });
});

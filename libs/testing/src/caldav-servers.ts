import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { davRequest, getBasicAuthHeaders, makeCalendar, propfind } from 'tsdav';
import { freePort, trackChild } from './processes';

export type CaldavServerKind = 'radicale' | 'xandikos';

/**
 * A real CalDAV server from Debian (radicale, xandikos) on a free loopback port, with its storage
 * in a temporary directory. `.ci/run` installs both; locally: apt-get install radicale xandikos.
 */
export interface CaldavTestServer {
  kind: CaldavServerKind;
  /** What a user types as the server URL. */
  url: string;
  port: number;
  username: string;
  password: string;
  /**
   * Whether a wrong password is refused: Radicale runs with htpasswd authentication; Xandikos has
   * no authentication at all (any username and password get in).
   */
  checksPasswords: boolean;
  /** The user's calendar home. */
  homeUrl: string;
  /** A second CalDAV client, as the owner's phone or another app would be. */
  client: CaldavTestClient;
  /** Changes the user's password, as the owner revoking an app-specific password would (Radicale only). */
  setPassword(password: string): Promise<void>;
  /** Creates a calendar under the home (MKCALENDAR), with its time zone where the server keeps one. */
  makeCalendar(slug: string, options?: { name?: string; timeZone?: string }): Promise<string>;
  /** Stops the server, keeping its storage, as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  start(): Promise<void>;
  /** Stops it for good and removes its storage. */
  close(): Promise<void>;
}

export interface StoredCalendarObject {
  url: string;
  etag?: string;
  data: string;
}

export interface CaldavTestClient {
  put(
    url: string,
    ics: string,
    condition?: { ifNoneMatch?: '*'; ifMatch?: string },
  ): Promise<{ status: number; etag?: string }>;
  get(url: string): Promise<StoredCalendarObject | undefined>;
  delete(url: string): Promise<number>;
  /** Every object of a calendar, whole. */
  list(calendarUrl: string): Promise<StoredCalendarObject[]>;
}

export function startCaldavServer(kind: CaldavServerKind): Promise<CaldavTestServer> {
  return kind === 'radicale' ? startRadicale() : startXandikos();
}

/**
 * Radicale 3.1 with htpasswd (plain) authentication, owner-only rights and no failed-login delay,
 * on 127.0.0.1 or another loopback `host` (for a connector that must refuse 127.0.0.1 itself).
 */
export async function startRadicale(
  options: { username?: string; password?: string; host?: string } = {},
): Promise<CaldavTestServer> {
  const username = options.username ?? 'owner';
  const password = options.password ?? 'correct horse battery staple';
  const host = options.host ?? '127.0.0.1';
  const dir = await mkdtemp(path.join(tmpdir(), 'calldesk-radicale-'));
  const port = await freePort();
  await writeFile(path.join(dir, 'users'), `${username}:${password}\n`);
  await writeFile(
    path.join(dir, 'config'),
    [
      '[server]',
      `hosts = ${host}:${port}`,
      'ssl = False',
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${path.join(dir, 'users')}`,
      'htpasswd_encryption = plain',
      'delay = 0',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${path.join(dir, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = warning',
      '',
    ].join('\n'),
  );
  const url = `http://${host}:${port}/`;
  const server = await managed('radicale', ['--config', path.join(dir, 'config')], url, dir);
  const headers = getBasicAuthHeaders({ username, password });
  const homeUrl = `${url}${username}/`;
  // Radicale creates a principal's collection when its owner first looks at it.
  await propfind({ url: homeUrl, depth: '0', headers, props: { 'd:resourcetype': {} } });
  const setPassword = (next: string) => writeFile(path.join(dir, 'users'), `${username}:${next}\n`);
  return caldavTestServer({
    kind: 'radicale',
    url,
    port,
    username,
    password,
    checksPasswords: true,
    homeUrl,
    headers,
    setPassword,
    ...server,
  });
}

/** Xandikos with its default layout (/user/calendars/calendar/); it has no authentication. */
export async function startXandikos(): Promise<CaldavTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'calldesk-xandikos-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const server = await managed(
    'xandikos',
    ['--defaults', '-d', path.join(dir, 'data'), '-l', '127.0.0.1', '-p', String(port)],
    url,
    dir,
  );
  const username = 'user';
  const password = 'any password';
  const headers = getBasicAuthHeaders({ username, password });
  const setPassword = async () => {
    throw new Error('xandikos has no authentication');
  };
  return caldavTestServer({
    kind: 'xandikos',
    url,
    port,
    username,
    password,
    checksPasswords: false,
    homeUrl: `${url}user/calendars/`,
    headers,
    setPassword,
    ...server,
  });
}

interface Managed {
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function managed(command: string, args: string[], url: string, dir: string): Promise<Managed> {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const output: string[] = [];
    const spawned = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    trackChild(spawned);
    spawned.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    spawned.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    let failed: Error | undefined;
    spawned.once('error', (error) => (failed = error));
    exited = new Promise((resolve) => spawned.once('close', () => resolve()));
    child = spawned;
    const deadline = Date.now() + 15_000;
    while (!(await answers(url))) {
      if (failed || spawned.exitCode !== null || Date.now() > deadline) {
        spawned.kill('SIGKILL');
        const why = failed
          ? failed.message
          : spawned.exitCode !== null
            ? `exited with ${spawned.exitCode}`
            : 'did not answer within 15 s';
        throw new Error(
          `${command} on ${url} ${why} (install it: apt-get install ${command}): ${output.join('').trim().slice(-2_000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    start,
    stop,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function caldavTestServer(
  server: Omit<CaldavTestServer, 'client' | 'makeCalendar'> & { headers: Record<string, string> },
): CaldavTestServer {
  const { headers, ...rest } = server;
  const client = testClient(headers);
  return {
    ...rest,
    client,
    async makeCalendar(slug, options = {}) {
      const url = `${server.homeUrl}${slug}/`;
      const props: Record<string, unknown> = { 'd:displayname': options.name ?? slug };
      if (options.timeZone) props['c:calendar-timezone'] = { _cdata: vtimezone(options.timeZone) };
      const [response] = await makeCalendar({ url, headers, props });
      if (response && response.status >= 300) throw new Error(`MKCALENDAR ${url} answered ${response.status}`);
      return url;
    },
  };
}

function testClient(auth: Record<string, string>): CaldavTestClient {
  return {
    async put(url, ics, condition = {}) {
      const headers: Record<string, string> = { ...auth, 'content-type': 'text/calendar; charset=utf-8' };
      if (condition.ifNoneMatch) headers['if-none-match'] = condition.ifNoneMatch;
      if (condition.ifMatch) headers['if-match'] = condition.ifMatch;
      const response = await fetch(url, { method: 'PUT', headers, body: ics });
      await response.body?.cancel();
      return { status: response.status, etag: response.headers.get('etag') ?? undefined };
    },
    async get(url) {
      const response = await fetch(url, { headers: auth });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return { url, etag: response.headers.get('etag') ?? undefined, data: await response.text() };
    },
    async delete(url) {
      const response = await fetch(url, { method: 'DELETE', headers: auth });
      await response.body?.cancel();
      return response.status;
    },
    async list(calendarUrl) {
      const responses = await davRequest({
        url: calendarUrl,
        init: {
          method: 'REPORT',
          namespace: 'c',
          headers: { ...auth, depth: '1' },
          body: {
            'calendar-query': {
              _attributes: { 'xmlns:c': 'urn:ietf:params:xml:ns:caldav', 'xmlns:d': 'DAV:' },
              'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
              filter: { 'comp-filter': { _attributes: { name: 'VCALENDAR' } } },
            },
          },
        },
      });
      return responses
        .filter((response) => response.href && response.props?.calendarData)
        .map((response) => {
          const data = response.props!.calendarData;
          return {
            url: new URL(response.href!, calendarUrl).href,
            etag: response.props?.getetag ? String(response.props.getetag) : undefined,
            data: typeof data === 'string' ? data : String((data as { _cdata?: string })._cdata ?? ''),
          };
        });
    },
  };
}

/** A minimal VTIMEZONE naming an IANA zone (with its current offset), for a calendar's calendar-timezone. */
function vtimezone(zone: string): string {
  const offset = DateTime.now().setZone(zone).toFormat('ZZZ');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//CallDesk tests//EN',
    'BEGIN:VTIMEZONE',
    `TZID:${zone}`,
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    `TZOFFSETFROM:${offset}`,
    `TZOFFSETTO:${offset}`,
    'END:STANDARD',
    'END:VTIMEZONE',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

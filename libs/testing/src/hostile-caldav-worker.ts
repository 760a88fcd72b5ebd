import type { HostileBehaviour } from './hostile-caldav-server';

export interface HostileWorkerData {
  behaviour: HostileBehaviour;
  host: string;
  username: string;
  password: string;
  /** Int32 counters shared with the test: [connections to the inside listener, bytes of answers sent]. */
  counters: SharedArrayBuffer;
}

/** What the worker posts once both of its listeners are up. */
export interface HostileWorkerReady {
  port: number;
  calendarPath: string;
}

/**
 * The hostile server itself, run in a worker thread (see startHostileCaldavServer): it is sent
 * there as source, so it takes nothing from its module's scope and requires what it uses.
 * Everything but a calendar-query REPORT on its one calendar is answered as a plain CalDAV
 * server would (discovery, the calendar list, the poller's markers); the REPORT gets the
 * behaviour. Its data is made as it is sent, with backpressure: it never holds what it sends.
 */
export function serveHostile(data: HostileWorkerData): void {
  const { once } = require('node:events') as typeof import('node:events');
  const http = require('node:http') as typeof import('node:http');
  const net = require('node:net') as typeof import('node:net');
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');

  const PRINCIPAL = '/mallory/';
  const HOME = '/mallory/calendars/';
  const CALENDAR = '/mallory/calendars/hostile/';
  const HUGE_BYTES = 200 * 1_000_000;
  const MANY_OBJECTS = 100_000;
  const LINK_BYTES_PER_MS = 125_000;
  const OPEN =
    '<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">';
  const CLOSE = '</d:multistatus>';
  const XML = { 'content-type': 'application/xml; charset=utf-8' };
  const counters = new Int32Array(data.counters);
  const authorization = `Basic ${Buffer.from(`${data.username}:${data.password}`).toString('base64')}`;

  const propstat = (prop: string) =>
    `<d:propstat><d:prop>${prop}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`;
  const objectResponse = (uid: string, ics: string) =>
    `<d:response><d:href>${CALENDAR}${uid}.ics</d:href>${propstat(`<d:getetag>"${uid}"</d:getetag><c:calendar-data>${ics}</c:calendar-data>`)}</d:response>`;

  const props: Record<string, string> = {
    '/': `<d:current-user-principal><d:href>${PRINCIPAL}</d:href></d:current-user-principal>`,
    [PRINCIPAL]: `<c:calendar-home-set><d:href>${HOME}</d:href></c:calendar-home-set>`,
    [HOME]: '<d:resourcetype><d:collection/></d:resourcetype>',
    [CALENDAR]: [
      '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>',
      '<d:displayname>Hostile</d:displayname>',
      '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>',
      '<d:current-user-privilege-set><d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege></d:current-user-privilege-set>',
      '<cs:getctag>"ctag-1"</cs:getctag>',
      '<d:sync-token>http://hostile/sync/1</d:sync-token>',
    ].join(''),
  };

  function answerDav(method: string, path: string, response: import('node:http').ServerResponse): void {
    if (method !== 'PROPFIND' || !(path in props)) {
      response.writeHead(404).end();
      return;
    }
    const members = path === HOME ? [HOME, CALENDAR] : [path];
    const body = members
      .map((href) => `<d:response><d:href>${href}</d:href>${propstat(props[href])}</d:response>`)
      .join('');
    response.writeHead(207, XML).end(`${OPEN}${body}${CLOSE}`);
  }

  /**
   * Writes the chunks as the client takes them, at most as fast as a gigabit link carries them
   * (a server on the internet sends no faster), and stops as soon as the client hangs up.
   */
  async function send(response: import('node:http').ServerResponse, chunks: Iterable<string | Buffer>): Promise<void> {
    const closed = once(response, 'close').catch(() => undefined);
    const started = Date.now();
    let sent = 0;
    for (const chunk of chunks) {
      if (response.destroyed) return;
      const bytes = Buffer.byteLength(chunk);
      Atomics.add(counters, 1, bytes);
      sent += bytes;
      if (!response.write(chunk)) await Promise.race([once(response, 'drain'), closed]);
      const early = sent / LINK_BYTES_PER_MS - (Date.now() - started);
      await new Promise((resolve) => (early >= 1 ? setTimeout(resolve, early) : setImmediate(resolve)));
    }
    if (!response.destroyed) response.end();
  }

  function* huge(): Generator<string | Buffer> {
    yield `${OPEN}<d:response><d:href>${CALENDAR}huge.ics</d:href><d:propstat><d:prop><c:calendar-data>`;
    yield 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:huge\r\nDTSTART:20260101T100000Z\r\nDESCRIPTION:';
    const filler = Buffer.alloc(64 * 1_024, 'x');
    for (let written = 0; written < HUGE_BYTES; written += filler.length) yield filler;
    yield `\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>${CLOSE}`;
  }

  /** An event every hour from 2026 on, one object each: a calendar too large to read, not a malformed one. */
  function* many(): Generator<string> {
    yield OPEN;
    const batch = 200;
    for (let first = 0; first < MANY_OBJECTS; first += batch) {
      const responses: string[] = [];
      for (let n = first; n < first + batch; n++) {
        const start = new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString().replace(/[-:]|\.\d{3}/g, '');
        const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e${n}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:${start}\r\nDURATION:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
        responses.push(objectResponse(`e${n}`, ics));
      }
      yield responses.join('');
    }
    yield CLOSE;
  }

  /** An event tomorrow in a zone whose standard time recurs every second since 1970. */
  function secondlyZone(): string {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VTIMEZONE',
      'TZID:Hostile Zone',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'RRULE:FREQ=SECONDLY',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0000',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:secondly',
      'DTSTAMP:20260101T000000Z',
      `DTSTART;TZID=Hostile Zone:${tomorrow}T100000`,
      `DTEND;TZID=Hostile Zone:${tomorrow}T110000`,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    return `${OPEN}${objectResponse('secondly', ics)}${CLOSE}`;
  }

  function misbehave(response: import('node:http').ServerResponse, insidePort: number): void {
    switch (data.behaviour) {
      case 'secondly-zone':
        response.writeHead(207, XML);
        void send(response, [secondlyZone()]);
        return;
      case 'huge':
        response.writeHead(207, XML);
        void send(response, huge());
        return;
      case 'many-objects':
        response.writeHead(207, XML);
        void send(response, many());
        return;
      case 'redirect-inside':
        response.writeHead(307, { location: `http://127.0.0.1:${insidePort}${CALENDAR}` }).end();
        return;
      case 'stall-after-headers':
        response.writeHead(207, XML);
        response.flushHeaders();
        return;
      case 'stall-before-headers':
        return;
    }
  }

  const inside = net.createServer((socket) => {
    Atomics.add(counters, 0, 1);
    socket.destroy();
  });
  inside.listen(0, '127.0.0.1', () => {
    const insidePort = (inside.address() as import('node:net').AddressInfo).port;
    const server = http.createServer((request, response) => {
      request.resume();
      if (request.headers.authorization !== authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="hostile"' }).end();
        return;
      }
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (request.method === 'REPORT' && path === CALENDAR) misbehave(response, insidePort);
      else answerDav(request.method ?? 'GET', path, response);
    });
    server.listen(0, data.host, () => {
      const ready: HostileWorkerReady = {
        port: (server.address() as import('node:net').AddressInfo).port,
        calendarPath: CALENDAR,
      };
      parentPort!.postMessage(ready);
    });
  });
}

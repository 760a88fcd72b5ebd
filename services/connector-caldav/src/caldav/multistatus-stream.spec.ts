import { ReadBudget } from '../bounds/read-budget';
import { CALDAV, DAV, propText, readMultistatus, type MultistatusEntry } from './multistatus-stream';

const answer = (xml: string, chunk = 7) => {
  const bytes = new TextEncoder().encode(xml);
  let at = 0;
  const state = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += chunk)));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { response: new Response(body, { status: 207 }), state };
};

const budget = () => new ReadBudget({ maxObjects: 100, maxObjectChars: 100_000, parseBudgetMs: 1_000 });

const readAll = async (xml: string) => {
  const entries: MultistatusEntry[] = [];
  const summary = await readMultistatus(answer(xml).response, budget(), (entry) => entries.push(entry));
  return { entries, summary };
};

/** Each entry with the etag and calendar data it holds, as a caller of a calendar query reads them. */
const read = async (xml: string) =>
  (await readAll(xml)).entries.map(({ props, ...entry }) => {
    const etag = propText({ ...entry, props }, `${DAV} getetag`);
    const data = propText({ ...entry, props }, `${CALDAV} calendar-data`);
    return { ...entry, ...(etag ? { etag } : {}), ...(data ? { data } : {}) };
  });

describe('readMultistatus', () => {
  // Line ends are normalised as XML requires (CRLF to LF, CDATA too); iCalendar readers take either.
  it('reads hrefs, etags and calendar data by namespace, whatever the prefixes, with CDATA and entities, in chunks of any size', async () => {
    const xml = `<?xml version="1.0"?>
      <multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
        <response><href>/cal/a.ics</href><propstat><prop><getetag>"1"</getetag>
          <C:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nUID:a\r\nEND:VCALENDAR]]></C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>
        <D:response xmlns:D="DAV:"><D:href>/cal/b%20c.ics</D:href><D:propstat><D:prop>
          <x:calendar-data xmlns:x="urn:ietf:params:xml:ns:caldav">BEGIN:VCALENDAR&#13;
SUMMARY:a &amp; b
END:VCALENDAR</x:calendar-data></D:prop></D:propstat></D:response>
      </multistatus>`;
    expect(await read(xml)).toEqual([
      { href: '/cal/a.ics', ok: true, etag: '"1"', data: 'BEGIN:VCALENDAR\nUID:a\nEND:VCALENDAR' },
      { href: '/cal/b%20c.ics', ok: true, data: 'BEGIN:VCALENDAR\r\nSUMMARY:a & b\nEND:VCALENDAR' },
    ]);
  });

  it('takes a response status over the request status, and properties only from successful propstats', async () => {
    const xml = `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
      <d:response><d:href>/cal/x.ics</d:href>
        <d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat>
        <d:propstat><d:prop><d:getetag>"2"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
      <d:response><d:href>/cal/calendar-data-elsewhere.ics</d:href><d:propstat><d:prop><d:displayname><c:calendar-data>no</c:calendar-data></d:displayname></d:prop></d:propstat></d:response>
    </d:multistatus>`;
    expect(await read(xml)).toEqual([
      { href: '/cal/gone.ics', ok: false, status: 404 },
      { href: '/cal/x.ics', ok: true, etag: '"2"' },
      { href: '/cal/calendar-data-elsewhere.ics', ok: true },
    ]);
  });

  it('reads any property: its text, the elements and names inside it, its hrefs; and the sync-token of the answer', async () => {
    const xml = `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
      <d:response><d:href>/home/work/</d:href><d:propstat><d:prop>
        <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
        <d:current-user-privilege-set><d:privilege><d:read/></d:privilege><d:privilege><d:write-content/></d:privilege></d:current-user-privilege-set>
        <c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/></c:supported-calendar-component-set>
        <d:current-user-principal><d:href>/principals/me/</d:href></d:current-user-principal>
        <cs:getctag>"42"</cs:getctag>
      </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
      <d:sync-token>http://server/sync/7</d:sync-token>
    </d:multistatus>`;
    const { entries, summary } = await readAll(xml);
    expect(summary).toEqual({ syncToken: 'http://server/sync/7' });
    const props = entries[0].props;
    expect([...props.get(`${DAV} resourcetype`)!.elements]).toEqual([`${DAV} collection`, `${CALDAV} calendar`]);
    expect(props.get(`${DAV} current-user-privilege-set`)!.elements.has(`${DAV} write-content`)).toBe(true);
    expect(props.get(`${CALDAV} supported-calendar-component-set`)!.names).toEqual(['VEVENT', 'VTODO']);
    expect(props.get(`${DAV} current-user-principal`)!.hrefs).toEqual(['/principals/me/']);
    expect(propText(entries[0], 'http://calendarserver.org/ns/ getctag')).toBe('"42"');
  });

  it.each([
    ['not a multistatus', '<html><body>calendar</body></html>'],
    ['not well formed', '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:response>'],
    ['cut short', '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>'],
    ['empty', ''],
  ])('refuses an answer that is %s: rejected', async (_what, xml) => {
    await expect(read(xml)).rejects.toMatchObject({ name: 'ProviderError', kind: 'rejected' });
  });

  it('stops reading (and drops the answer) as soon as a handler refuses', async () => {
    const many = `<d:multistatus xmlns:d="DAV:">${'<d:response><d:href>/x</d:href></d:response>'.repeat(1_000)}</d:multistatus>`;
    const { response, state } = answer(many, 100);
    let seen = 0;
    const refuse = (): void => {
      if (++seen > 3) throw new Error('enough');
    };
    await expect(
      readMultistatus(
        response,
        new ReadBudget({ maxObjects: 10, maxObjectChars: 100_000, parseBudgetMs: 1_000 }),
        refuse,
      ),
    ).rejects.toThrow('enough');
    expect(seen).toBe(4);
    expect(state.cancelled).toBe(true);
  });

  it.each([
    ['calendar data', '<d:response><d:href>/a</d:href><d:propstat><d:prop><c:calendar-data>'],
    ['an href', '<d:response><d:href>'],
    ['a nested property', '<d:response><d:href>/a</d:href><d:propstat><d:prop><d:resourcetype><d:x>'],
  ])(
    'stops reading %s at the size cap, whatever the server still has to send: calendar_too_large',
    async (_what, opening) => {
      let sent = 0;
      const state = { cancelled: false };
      const filler = new TextEncoder().encode('x'.repeat(16_384));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(
            new TextEncoder().encode(
              `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${opening}`,
            ),
          );
        },
        pull(controller) {
          sent += filler.length;
          controller.enqueue(filler);
        },
        cancel() {
          state.cancelled = true;
        },
      });
      const budget = new ReadBudget({ maxObjects: 10, maxObjectChars: 200_000, parseBudgetMs: 10_000 });
      await expect(readMultistatus(new Response(body, { status: 207 }), budget, () => undefined)).rejects.toMatchObject(
        { details: { reason: 'calendar_too_large' } },
      );
      expect(sent).toBeLessThan(400_000);
      expect(state.cancelled).toBe(true);
    },
  );
});

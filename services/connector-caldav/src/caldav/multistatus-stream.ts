import { ProviderError } from '@calldesk/connector-kit';
import { SaxesParser } from 'saxes';
import type { ReadBudget } from '../bounds/read-budget';

/** One `response` of a multistatus: its href, whether it is a success, and the properties we read. */
export interface MultistatusEntry {
  href?: string;
  ok: boolean;
  etag?: string;
  /** The calendar-data, trimmed; absent when the server sent none. */
  data?: string;
}

const DAV = 'DAV:';
/** Text parsed in one step: a network chunk can be far larger than what the event loop should wait for. */
const STEP_CHARS = 4_096;
const CALDAV = 'urn:ietf:params:xml:ns:caldav';

/**
 * Reads a multistatus body as it arrives and hands each `response` to `onEntry` as soon as it is
 * complete, so that a calendar's objects are neither held twice (text and tree) nor parsed in
 * one go that holds the event loop: every few kilobytes are one step of the read's budget, and a
 * value longer than the budget allows for one object ends the read at once. Elements are
 * matched by namespace, whatever prefixes the server chose. Not a multistatus, or not well formed:
 * `rejected` (an answer we cannot read says nothing of the calendar's free time).
 */
export async function readMultistatus(response: Response, budget: ReadBudget, onEntry: (entry: MultistatusEntry) => void): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) throw new ProviderError('rejected', response.status);
  const parser = entryParser(response.status >= 200 && response.status < 300, onEntry, budget);
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      for (let at = 0; at < text.length; at += STEP_CHARS) await budget.step(() => parser.write(text.slice(at, at + STEP_CHARS)));
    }
    finished = true;
    await budget.step(() => parser.end(decoder.decode()));
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

interface EntryParser {
  write(text: string): void;
  end(text: string): void;
}

type Captured = 'href' | 'status' | 'etag' | 'data';

interface PropStat {
  status?: string;
  etag?: string;
  data?: string;
}

function entryParser(httpOk: boolean, onEntry: (entry: MultistatusEntry) => void, budget: ReadBudget): EntryParser {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const path: string[] = [];
  let failed: Error | undefined;
  // Whether the root is a multistatus: unknown until it opens.
  let rooted: boolean | undefined;
  let entry: { href?: string; status?: string; propstats: PropStat[] } | undefined;
  let propstat: PropStat | undefined;
  let capturing: Captured | undefined;
  let text = '';
  // Characters given to the parser, and how many of them had been when the captured element opened:
  // the parser holds a text until its end, so a value's size is checked on what arrived since.
  let written = 0;
  let capturedFrom = 0;

  parser.on('error', (error) => {
    failed ??= error;
  });
  parser.on('opentag', (tag) => {
    const name = `${tag.uri} ${tag.local}`;
    if (!path.length) rooted = name === `${DAV} multistatus`;
    path.push(name);
    if (!rooted) return;
    const parent = path.at(-2);
    if (name === `${DAV} response` && path.length === 2) entry = { propstats: [] };
    else if (name === `${DAV} propstat` && entry && parent === `${DAV} response`) propstat = {};
    capturing = captured(name, parent, entry !== undefined, propstat !== undefined);
    capturedFrom = written;
    text = '';
  });
  const onText = (chunk: string): void => {
    if (capturing) text += chunk;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const name = path.pop();
    if (capturing && entry) {
      const value = text.trim();
      if (capturing === 'href') entry.href = value;
      else if (propstat && capturing === 'status') propstat.status = value;
      else if (capturing === 'status') entry.status = value;
      else if (propstat && capturing === 'etag') propstat.etag = value;
      else if (propstat && capturing === 'data') propstat.data = value;
      capturing = undefined;
    }
    if (name === `${DAV} propstat` && entry && propstat) {
      entry.propstats.push(propstat);
      propstat = undefined;
    } else if (name === `${DAV} response` && entry && path.length === 1) {
      onEntry(entryOf(entry, httpOk));
      entry = undefined;
    }
  });

  return {
    write(chunk) {
      parser.write(chunk);
      written += chunk.length;
      if (failed || rooted === false) throw new ProviderError('rejected');
      if (capturing) budget.checkObjectSize(written - capturedFrom);
    },
    end(chunk) {
      parser.write(chunk).close();
      if (failed || !rooted) throw new ProviderError('rejected');
    },
  };
}

/** Which of an element's text we keep: the response's href and status, and a propstat's status, etag and calendar-data. */
function captured(name: string, parent: string | undefined, inEntry: boolean, inPropstat: boolean): Captured | undefined {
  if (!inEntry) return undefined;
  if (parent === `${DAV} response`) return name === `${DAV} href` ? 'href' : name === `${DAV} status` ? 'status' : undefined;
  if (parent === `${DAV} propstat`) return name === `${DAV} status` ? 'status' : undefined;
  if (inPropstat && parent === `${DAV} prop`) return name === `${DAV} getetag` ? 'etag' : name === `${CALDAV} calendar-data` ? 'data' : undefined;
  return undefined;
}

/** As RFC 4918 reads it: a response's own status, else the request's; properties from successful propstats only. */
function entryOf(entry: { href?: string; status?: string; propstats: PropStat[] }, httpOk: boolean): MultistatusEntry {
  const ok = entry.status ? isSuccess(entry.status) : httpOk;
  const found = entry.propstats.filter((propstat) => !propstat.status || isSuccess(propstat.status));
  const etag = found.find((propstat) => propstat.etag)?.etag;
  const data = found.find((propstat) => propstat.data)?.data;
  return { href: entry.href, ok, ...(etag ? { etag } : {}), ...(data ? { data } : {}) };
}

function isSuccess(statusLine: string): boolean {
  const code = Number(/^\S+\s+(\d{3})/.exec(statusLine)?.[1]);
  return code >= 200 && code < 300;
}

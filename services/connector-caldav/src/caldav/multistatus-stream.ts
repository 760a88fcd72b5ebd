import { ProviderError } from '@calldesk/connector-kit';
import { SaxesParser } from 'saxes';
import type { ReadBudget } from '../bounds/read-budget';

/** One `response` of a multistatus: its href, whether it is a success, and its properties. */
export interface MultistatusEntry {
  href?: string;
  ok: boolean;
  /** The response's own status code, when it has one (an href gone from a sync or a multiget). */
  status?: number;
  /** The properties of its successful propstats, by `namespace local-name` (see DAV and CALDAV). */
  props: ReadonlyMap<string, DavProperty>;
}

/** What we read of one property: enough for every property we ask for, whatever its shape. */
export interface DavProperty {
  /** Its text, trimmed (the text of elements inside it included). */
  text: string;
  /** The `namespace local-name` of every element inside it, at any depth (resourcetype, privileges). */
  elements: ReadonlySet<string>;
  /** The `name` attributes of elements inside it (the comps of a supported component set). */
  names: readonly string[];
  /** The hrefs inside it (a principal, a calendar home). */
  hrefs: readonly string[];
}

/** What the multistatus says of itself, beside its responses. */
export interface MultistatusSummary {
  /** A sync-collection answer's new token. */
  syncToken?: string;
}

export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CALENDARSERVER = 'http://calendarserver.org/ns/';
// Names as `namespace local-name`, made once: they are compared for every element of every answer.
const MULTISTATUS = `${DAV} multistatus`;
const RESPONSE = `${DAV} response`;
const PROPSTAT = `${DAV} propstat`;
const PROP = `${DAV} prop`;
const HREF = `${DAV} href`;
const STATUS = `${DAV} status`;
const SYNC_TOKEN = `${DAV} sync-token`;
const NO_ELEMENTS: ReadonlySet<string> = new Set();
const NO_STRINGS: readonly string[] = [];
/** Text parsed in one step: a network chunk can be far larger than what the event loop should wait for. */
const STEP_CHARS = 4_096;

/**
 * Reads a multistatus body as it arrives and hands each `response` to `onEntry` as soon as it is
 * complete, so that a calendar's objects are neither held twice (text and tree) nor parsed in
 * one go that holds the event loop: every few kilobytes are one step of the read's budget, and a
 * property longer than the budget allows for one object ends the read at once. Elements are
 * matched by namespace, whatever prefixes the server chose. Not a multistatus, or not well formed:
 * `rejected` (an answer we cannot read says nothing of the calendar's free time).
 */
export async function readMultistatus(
  response: Response,
  budget: ReadBudget,
  onEntry: (entry: MultistatusEntry) => void,
): Promise<MultistatusSummary> {
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
      for (let at = 0; at < text.length; at += STEP_CHARS)
        await budget.step(() => parser.write(text.slice(at, at + STEP_CHARS)));
    }
    finished = true;
    return await budget.step(() => parser.end(decoder.decode()));
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

interface EntryParser {
  write(text: string): void;
  end(text: string): MultistatusSummary;
}

interface PropertyBeingRead {
  name: string;
  text: string;
  // Made when first needed: most properties (an etag, calendar data) hold no elements.
  elements: Set<string> | undefined;
  names: string[] | undefined;
  hrefs: string[] | undefined;
}

interface PropStat {
  status?: string;
  props: (DavProperty & { name: string })[];
}

interface Entry {
  href?: string;
  status?: string;
  propstats: PropStat[];
}

function entryParser(httpOk: boolean, onEntry: (entry: MultistatusEntry) => void, budget: ReadBudget): EntryParser {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const path: string[] = [];
  const summary: MultistatusSummary = {};
  let failed: Error | undefined;
  // Whether the root is a multistatus: unknown until it opens.
  let rooted: boolean | undefined;
  let entry: Entry | undefined;
  let propstat: PropStat | undefined;
  let property: PropertyBeingRead | undefined;
  /** Depth of the property element in `path`, while one is read. */
  let propertyDepth = 0;
  /** Text of an element whose whole text we keep (an href, a status, a sync-token), or of a property's href. */
  let text: string | undefined;
  // Characters given to the parser, and how many of them had been when the value being read began:
  // the parser holds a text until its end, so a value's size is checked on what arrived since.
  let written = 0;
  let valueFrom = 0;

  parser.on('error', (error) => {
    failed ??= error;
  });
  parser.on('opentag', (tag) => {
    const name = `${tag.uri} ${tag.local}`;
    const parent = path.at(-1);
    if (!path.length) rooted = name === MULTISTATUS;
    path.push(name);
    if (!rooted) return;
    if (property) {
      (property.elements ??= new Set()).add(name);
      const named = tag.attributes.name;
      if (named) (property.names ??= []).push(typeof named === 'string' ? named : named.value);
      if (name === HREF) text = '';
      return;
    }
    if (path.length === 2) {
      if (name === RESPONSE) entry = { propstats: [] };
      else if (name === SYNC_TOKEN) startText();
    } else if (entry && parent === RESPONSE) {
      if (name === PROPSTAT) propstat = { props: [] };
      else if (name === HREF || name === STATUS) startText();
    } else if (propstat && parent === PROPSTAT) {
      if (name === STATUS) startText();
    } else if (propstat && parent === PROP && path.at(-3) === PROPSTAT) {
      property = { name, text: '', elements: undefined, names: undefined, hrefs: undefined };
      propertyDepth = path.length;
      valueFrom = written;
    }
  });
  const onText = (chunk: string): void => {
    if (property) property.text += chunk;
    if (text !== undefined) text += chunk;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const name = path.pop()!;
    if (property) {
      if (path.length >= propertyDepth) {
        if (name === HREF && text !== undefined) (property.hrefs ??= []).push(text.trim());
        text = undefined;
        return;
      }
      propstat!.props.push({
        name: property.name,
        text: property.text.trim(),
        elements: property.elements ?? NO_ELEMENTS,
        names: property.names ?? NO_STRINGS,
        hrefs: property.hrefs ?? NO_STRINGS,
      });
      property = undefined;
      return;
    }
    const value = text?.trim();
    text = undefined;
    if (path.length === 1 && name === SYNC_TOKEN) summary.syncToken = value;
    else if (name === HREF && entry && path.length === 2) entry.href = value;
    else if (name === STATUS && propstat && path.length === 3) propstat.status = value;
    else if (name === STATUS && entry && path.length === 2) entry.status = value;
    else if (name === PROPSTAT && entry && propstat) {
      entry.propstats.push(propstat);
      propstat = undefined;
    } else if (name === RESPONSE && entry && path.length === 1) {
      onEntry(entryOf(entry, httpOk));
      entry = undefined;
    }
  });

  function startText(): void {
    text = '';
    valueFrom = written;
  }

  return {
    write(chunk) {
      parser.write(chunk);
      written += chunk.length;
      if (failed || rooted === false) throw new ProviderError('rejected');
      if (property || text !== undefined) budget.checkObjectSize(written - valueFrom);
    },
    end(chunk) {
      parser.write(chunk).close();
      if (failed || !rooted) throw new ProviderError('rejected');
      return summary;
    },
  };
}

/** As RFC 4918 reads it: a response's own status, else the request's; properties from successful propstats only. */
function entryOf(entry: Entry, httpOk: boolean): MultistatusEntry {
  const status = entry.status ? statusCode(entry.status) : undefined;
  const ok = status !== undefined ? isSuccess(status) : httpOk;
  const props = new Map<string, DavProperty>();
  for (const propstat of entry.propstats) {
    if (propstat.status && !isSuccess(statusCode(propstat.status))) continue;
    for (const property of propstat.props) if (!props.has(property.name)) props.set(property.name, property);
  }
  return { href: entry.href, ok, ...(status !== undefined ? { status } : {}), props };
}

function statusCode(statusLine: string): number {
  return Number(/^\S+\s+(\d{3})/.exec(statusLine)?.[1]);
}

function isSuccess(code: number): boolean {
  return code >= 200 && code < 300;
}

/** The text of a property, if the entry has it and it is not empty. */
export function propText(entry: MultistatusEntry, name: string): string | undefined {
  return entry.props.get(name)?.text || undefined;
}

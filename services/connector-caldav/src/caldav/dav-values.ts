import { ProviderError } from '@calldesk/connector-kit';
import type { DAVResponse } from 'tsdav';

/** The XML namespaces of our request bodies, as tsdav's compact XML wants them. */
export const NAMESPACES = {
  'xmlns:d': 'DAV:',
  'xmlns:c': 'urn:ietf:params:xml:ns:caldav',
  'xmlns:cs': 'http://calendarserver.org/ns/',
  'xmlns:ca': 'http://apple.com/ns/ical/',
};

/** A property's text, whether the server sent it plain, as CDATA, or tsdav read it as a number. */
export function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    const node = value as { _cdata?: unknown; _text?: unknown };
    if (typeof node._cdata === 'string') return node._cdata;
    if (node._text !== undefined) return textOf(node._text);
  }
  return undefined;
}

/** An href from a response, made absolute against the URL it answers for. */
export function absoluteHref(href: string, base: string): string {
  return new URL(href, base).href;
}

/** Hrefs come encoded one way or another: compare their decoded paths. */
export function sameResource(a: string, b: string): boolean {
  return decodedPath(a) === decodedPath(b);
}

export function decodedPath(url: string | URL): string {
  const path = (typeof url === 'string' ? new URL(url, 'http://x/') : url).pathname;
  try {
    return decodeURIComponent(path).replace(/\/+$/, '');
  } catch {
    return path.replace(/\/+$/, '');
  }
}

/**
 * A multistatus whose top-level status says the request failed (tsdav answers those as one
 * response with the HTTP status) becomes our error; a 207 passes.
 */
export function checkMultistatus(responses: DAVResponse[]): DAVResponse[] {
  const first = responses[0];
  if (responses.length === 1 && first && first.props === undefined && first.status >= 300) {
    throw ProviderError.fromStatus(first.status);
  }
  return responses;
}

/** Runs a tsdav helper; its own errors (which may quote the server's answer) become a bare one. */
export async function viaTsdav<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ProviderError' || error.name === 'RpcError' || 'code' in error)) throw error;
    throw new ProviderError('rejected');
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake server received it, for tests to assert what was asked for. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON or form body when there is one, else the raw text (or undefined). */
  body: unknown;
  at: number;
}

/**
 * A failure the fake answers instead of doing the work, `times` times (default once), for the
 * requests it matches (default: every provider API request, never the OAuth endpoints).
 */
export interface FaultRule {
  status: number;
  /** Seconds (Graph sends fractions) or an HTTP date. */
  retryAfter?: string;
  /** The provider-shaped error body; the fake fills in a typical one when absent. */
  body?: unknown;
  times?: number;
  /** Hold the answer this long first. */
  delayMs?: number;
  match?: (request: RecordedRequest) => boolean;
}

export type Route = (request: RecordedRequest, response: FakeResponse) => Promise<void> | void;

/** One answer a fake server sent, for tests to assert what reached the client (privacy checks). */
export interface RecordedAnswer {
  method: string;
  path: string;
  status: number;
  body: string;
}

/** What a route answers with. */
export class FakeResponse {
  answered = false;
  constructor(
    private readonly raw: ServerResponse,
    private readonly sent: (status: number, body: string) => void = () => undefined,
  ) {}

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(body), { 'content-type': 'application/json; charset=UTF-8', ...headers });
  }

  send(status: number, body = '', headers: Record<string, string> = {}): void {
    if (this.answered) return;
    this.answered = true;
    this.sent(status, body);
    this.raw.writeHead(status, headers).end(body);
  }

  redirect(location: string): void {
    this.send(302, '', { location });
  }
}

/**
 * The plumbing both fake providers share: a real HTTP server on 127.0.0.1 that records every
 * request, applies injected faults and slowness, and hands the rest to the fake's routes.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly answers: RecordedAnswer[] = [];
  private readonly faults: FaultRule[] = [];
  /** Every provider API answer waits this long (slowness). */
  delayMs = 0;
  private server?: Server;
  url = '';

  constructor(
    private readonly route: Route,
    private readonly defaultFaultBody: (status: number) => unknown,
    private readonly isApiRequest: (request: RecordedRequest) => boolean,
  ) {}

  async listen(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  inject(fault: FaultRule): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private async handle(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    const request = await record(raw);
    this.requests.push(request);
    const reply = new FakeResponse(response, (status, body) =>
      this.answers.push({ method: request.method, path: request.path, status, body }),
    );
    try {
      if (this.isApiRequest(request)) {
        const fault = this.faults.find((rule) => (rule.times ?? 1) > 0 && (rule.match?.(request) ?? true));
        if (fault) {
          fault.times = (fault.times ?? 1) - 1;
          if (fault.delayMs) await sleep(fault.delayMs);
          const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
          reply.json(fault.status, fault.body ?? this.defaultFaultBody(fault.status), headers);
          return;
        }
        if (this.delayMs) await sleep(this.delayMs);
      }
      await this.route(request, reply);
      if (!reply.answered)
        reply.json(404, { error: { code: 404, message: `no route for ${request.method} ${request.path}` } });
    } catch (error) {
      reply.json(500, { error: { code: 500, message: (error as Error).message } });
    }
  }
}

async function record(raw: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(raw.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: raw.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: Object.fromEntries(url.searchParams),
    headers,
    body: parseBody(text, headers['content-type'] ?? ''),
    at: Date.now(),
  };
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return undefined;
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A delivery of a push message to a subscriber's URL, as the fake made it. */
export interface Delivery {
  url: string;
  status: number | 'error';
  at: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * POSTs a push message the way the providers do: on a 5xx or a failed connection it tries again
 * with backoff (a few times, then drops it: delivery is not guaranteed).
 */
export async function deliver(
  url: string,
  init: { headers: Record<string, string>; body: string },
  log: Delivery[],
  options: { attempts?: number; timeoutMs?: number } = {},
): Promise<Delivery> {
  const attempts = options.attempts ?? 4;
  let delivery: Delivery = { url, status: 'error', at: Date.now(), headers: init.headers, body: init.body };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      delivery = { ...delivery, status: response.status, at: Date.now(), body: init.body };
      (delivery as Delivery & { responseText?: string }).responseText = await response.text();
      log.push(delivery);
      if (response.status < 500) return delivery;
    } catch {
      delivery = { ...delivery, status: 'error', at: Date.now() };
      log.push(delivery);
    }
    if (attempt < attempts) await sleep(100 * 2 ** attempt);
  }
  return delivery;
}

/** Google-style partial responses: keeps only the fields a `fields` selector names. */
export function selectFields(value: unknown, selector: string | undefined): unknown {
  if (!selector) return value;
  return applyTree(value, parseFields(selector));
}

type FieldTree = Map<string, FieldTree>;

function parseFields(selector: string): FieldTree {
  let position = 0;
  const parseList = (): FieldTree => {
    const tree: FieldTree = new Map();
    for (;;) {
      let name = '';
      while (position < selector.length && !',()'.includes(selector[position])) name += selector[position++];
      let subtree: FieldTree = new Map();
      if (selector[position] === '(') {
        position++;
        subtree = parseList();
        position++; // ')'
      }
      addPath(tree, name.trim().split('/').filter(Boolean), subtree);
      if (selector[position] !== ',') return tree;
      position++;
    }
  };
  return parseList();
}

function addPath(tree: FieldTree, path: string[], leaf: FieldTree): void {
  if (!path.length) return;
  const [head, ...rest] = path;
  const existing = tree.get(head);
  if (!rest.length) {
    if (!existing || leaf.size === 0) tree.set(head, leaf.size === 0 ? new Map() : leaf);
    else leaf.forEach((value, key) => existing.set(key, value));
    return;
  }
  const next = existing && existing.size > 0 ? existing : new Map<string, FieldTree>();
  tree.set(head, next);
  addPath(next, rest, leaf);
}

function applyTree(value: unknown, tree: FieldTree): unknown {
  if (tree.size === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => applyTree(item, tree));
  if (tree.has('*')) return value;
  const out: Record<string, unknown> = {};
  for (const [key, subtree] of tree) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = applyTree(field, subtree);
  }
  return out;
}

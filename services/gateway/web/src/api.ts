/** The gateway's HTTP API as the dashboard calls it: same origin, the session cookie, and its CSRF token on changes. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

export function rememberCsrfToken(token: string): void {
  csrfToken = token;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const json = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      json?.error?.code ?? 'internal',
      json?.error?.message ?? `the server answered ${response.status}`,
    );
  }
  return json as T;
}

export const get = <T = unknown>(path: string) => api<T>('GET', path);

export function query(values: Record<string, string | undefined>): string {
  const entries = Object.entries(values).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
  );
  return new URLSearchParams(entries).toString();
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeText {
  to: string;
  from: string;
  body: string;
}

export interface FakeMail {
  to: string;
  subject: string;
  text: string;
}

export interface FakeMessageProviders {
  /** Base URL for SMS_API_URL (Twilio's /2010-04-01 shape) and EMAIL_API_URL (SendGrid's /v3). */
  smsUrl: string;
  emailUrl: string;
  texts: FakeText[];
  mails: FakeMail[];
  /** The next `count` requests answer 500, as a provider's outage would. */
  failNext(count: number): void;
  stop(): Promise<void>;
}

/**
 * A Twilio-compatible Messages API and a SendGrid-compatible mail API on loopback, keeping what
 * was accepted. Both check the credentials' shape (Basic for SMS, Bearer for mail).
 */
export async function startFakeMessageProviders(): Promise<FakeMessageProviders> {
  const texts: FakeText[] = [];
  const mails: FakeMail[] = [];
  let failures = 0;
  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await read(request);
    if (failures > 0) {
      failures--;
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"internal"}');
      return;
    }
    if (request.method === 'POST' && /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(request.url ?? '')) {
      if (!request.headers.authorization?.startsWith('Basic ')) return void response.writeHead(401).end();
      const form = new URLSearchParams(body);
      texts.push({ to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '' });
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: `SM${randomUUID().replace(/-/g, '')}`, status: 'queued' }));
      return;
    }
    if (request.method === 'POST' && request.url === '/v3/mail/send') {
      if (!request.headers.authorization?.startsWith('Bearer ')) return void response.writeHead(401).end();
      const mail = JSON.parse(body);
      mails.push({ to: mail.personalizations[0].to[0].email, subject: mail.subject, text: mail.content[0].value });
      response.writeHead(202, { 'x-message-id': randomUUID() }).end();
      return;
    }
    response.writeHead(404).end();
  };
  // A body it cannot read is the client's mistake: 400, as the providers answer.
  const server = createServer((request, response) => {
    answer(request, response).catch(() => (response.headersSent ? response.destroy() : response.writeHead(400).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    smsUrl: `${base}/2010-04-01`,
    emailUrl: base,
    texts,
    mails,
    failNext: (count) => void (failures = count),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { healthRpc } from '@calldesk/contracts';
import { startPrivateNatsServer, type PrivateNatsServer } from '@calldesk/testing';
import { Bus } from './bus';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A NATS that speaks only TLS, with a certificate from a CA of the test's own: the Bus's TLS settings reach it. */
describe('Bus over TLS (a nats-server requiring TLS and a user)', () => {
  let dir: string;
  let nats: PrivateNatsServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'calldesk-nats-tls-'));
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=test-ca',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    );
    await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file('san.ext'),
      '-out',
      file('server.pem'),
    );
    await writeFile(
      file('nats.conf'),
      `tls { cert_file: "${file('server.pem')}", key_file: "${file('server.key')}" }\nauthorization { users: [ { user: "booking", password: "s3cret-for-tests" } ] }\n`,
    );
    nats = await startPrivateNatsServer({ configFile: file('nats.conf') });
  }, 30_000);

  afterAll(async () => {
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects with NATS_TLS_CA and a password, and is refused without the CA', async () => {
    const identity = { user: 'booking', password: 's3cret-for-tests', tlsCaFile: path.join(dir, 'ca.pem') };
    const bus = await Bus.connect({
      url: nats.url,
      service: 'booking',
      requestTimeoutMs: 2_000,
      logger: quiet,
      identity,
    });
    const rpc = { ...healthRpc('booking'), subject: 'test.tls.health' };
    bus.serve(rpc, async () => ({ service: 'booking', ok: true, instance: 'tls', dependencies: [] }));
    await bus.connection.flush();
    await expect(bus.request(rpc, {})).resolves.toMatchObject({ instance: 'tls' });
    await bus.drain();
    await expect(
      Bus.connect({
        url: nats.url,
        service: 'booking',
        requestTimeoutMs: 2_000,
        logger: quiet,
        identity: { user: 'booking', password: 's3cret-for-tests' },
      }),
    ).rejects.toThrow();
  });
});

import { Bus } from '@calldesk/messaging';
import { writeFileSync } from 'node:fs';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { createTestDatabase, type TestDatabase } from './database';
import { captureOutput, type CapturedOutput } from './fakes/capture-output';
import { startInProcessHttpService, type InProcessHttpService } from './fakes/in-process-http';
import { startInProcessService, type InProcessOptions, type InProcessService } from './in-process-service';
import { testNatsUrl } from './nats';

export interface ConnectorSuiteOptions<Fake> {
  fake: () => Promise<Fake>;
  /** The connector under test, pointed at the fake and at the gateway's URL. */
  connector: (fake: Fake, gatewayUrl: string) => Omit<InProcessOptions, 'databaseUrl'>;
  /** Set in process.env for the suite, and restored after it. */
  env?: Record<string, string>;
}

/** What the suite's beforeAll started; read it in tests and hooks, not when the suite is declared. */
export interface ConnectorSuite<Fake> {
  database: TestDatabase;
  fake: Fake;
  routing: InProcessService;
  availability: InProcessService;
  gateway: InProcessHttpService;
  connector: InProcessService;
  client: Bus;
  raw: NatsConnection;
  /** Everything the suite wrote to stdout and stderr (DUMP_LOGS=file keeps it). */
  output: CapturedOutput;
  /** Every NATS message of the suite (subject, headers, body), for privacy checks. */
  natsMessages: string[];
}

/**
 * Declares the beforeAll/afterAll of a connector's integration suite: a test database, the fake
 * provider, routing, availability and the gateway in-process, the connector itself, a test client,
 * and captured output and NATS traffic. Hooks a spec declares after this one run after it.
 */
export function connectorSuite<Fake extends { close(): Promise<void> }>(
  options: ConnectorSuiteOptions<Fake>,
): ConnectorSuite<Fake> {
  const suite = { natsMessages: [] as string[] } as ConnectorSuite<Fake>;
  let savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    savedEnv = Object.fromEntries(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
    suite.output = captureOutput();
    suite.database = await createTestDatabase();
    const databaseUrl = suite.database.url;
    suite.fake = await options.fake();
    suite.raw = await natsConnect({ servers: await testNatsUrl() });
    suite.raw.subscribe('>', {
      callback: (_error, msg) => {
        const headers = msg.headers
          ? msg.headers
              .keys()
              .map((k) => `${k}:${msg.headers!.values(k).join(',')}`)
              .join(';')
          : '';
        suite.natsMessages.push(`${msg.subject} ${headers} ${new TextDecoder().decode(msg.data)}`);
      },
    });
    Object.assign(process.env, options.env);
    suite.routing = await startInProcessService({ service: 'routing', databaseUrl });
    suite.availability = await startInProcessService({ service: 'availability', databaseUrl });
    suite.gateway = await startInProcessHttpService({ service: 'gateway', databaseUrl });
    suite.connector = await startInProcessService({ ...options.connector(suite.fake, suite.gateway.url), databaseUrl });
    suite.client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await suite.client?.drain();
    await suite.connector?.close();
    await suite.gateway?.close();
    await suite.availability?.close();
    await suite.routing?.close();
    await suite.raw?.drain();
    await suite.fake?.close();
    await suite.database?.drop();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    suite.output?.restore();
    if (process.env.DUMP_LOGS) writeFileSync(process.env.DUMP_LOGS, suite.output.text());
  });

  return suite;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { NATS_PING } from '@calldesk/messaging';
import { trackChild, waitFor } from './processes';
import { freeLoopbackPorts } from './loopback-ports';
import { NATS_SERVER } from './nats';

interface Node {
  name: string;
  url: string;
  monitorUrl: string;
  configFile: string;
  process?: ChildProcess;
  exited?: Promise<void>;
}

/**
 * Three nats-servers in one cluster, each with JetStream and a store of its own, on loopback
 * ports: what deploy/nats/values.yaml runs, so that R3 streams and buckets keep their quorum
 * while any one server is down. A node is killed with SIGKILL and started again on the same
 * ports and store, as a crashed pod comes back with its volume.
 */
export class NatsCluster {
  private constructor(
    private readonly nodes: Node[],
    private readonly log: (node: string, line: string) => void,
  ) {}

  /** `authorization`: a nats-server authorization block every node is given (users and their permissions). */
  static async start(
    folder: string,
    log: (node: string, line: string) => void,
    authorization = '',
  ): Promise<NatsCluster> {
    const ports = await freeLoopbackPorts(9);
    const routes = [0, 1, 2].map((i) => `nats-route://127.0.0.1:${ports[3 + i]}`);
    const nodes = [0, 1, 2].map((i): Node => {
      const name = `nats-${i + 1}`;
      const store = path.join(folder, name);
      mkdirSync(store, { recursive: true });
      const configFile = path.join(folder, `${name}.conf`);
      writeFileSync(
        configFile,
        [
          `server_name: ${name}`,
          `listen: "127.0.0.1:${ports[i]}"`,
          `http: "127.0.0.1:${ports[6 + i]}"`,
          // As deploy/nats/values.yaml: a client that stops answering is dropped within about 15 s.
          `ping_interval: "${NATS_PING.intervalMs / 1_000}s"`,
          `ping_max: ${NATS_PING.maxOut}`,
          `jetstream { store_dir: "${store}", max_memory_store: 1GB, max_file_store: 8GB }`,
          `cluster { name: calldesk-chaos, listen: "127.0.0.1:${ports[3 + i]}", routes: [${routes.map((r) => `"${r}"`).join(', ')}] }`,
          authorization,
        ].join('\n'),
      );
      return { name, url: `nats://127.0.0.1:${ports[i]}`, monitorUrl: `http://127.0.0.1:${ports[6 + i]}`, configFile };
    });
    const cluster = new NatsCluster(nodes, log);
    await Promise.all(nodes.map((_, i) => cluster.start(i)));
    await cluster.ready();
    return cluster;
  }

  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  name(index: number): string {
    return this.nodes[index].name;
  }

  /** The node of a server name, as JetStream names a leader. */
  indexOf(name: string): number {
    const index = this.nodes.findIndex((node) => node.name === name);
    if (index < 0) throw new Error(`no node ${name}`);
    return index;
  }

  pid(index: number): number | undefined {
    return this.nodes[index].process?.pid;
  }

  /** Starts (or starts again) a node with its config and store; resolves once it takes clients. */
  async start(index: number): Promise<void> {
    const node = this.nodes[index];
    const child = spawn(NATS_SERVER, ['-c', node.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    createInterface({ input: child.stderr! }).on('line', (line) => this.log(node.name, line));
    node.process = child;
    node.exited = new Promise((resolve) => child.once('close', () => resolve()));
    await waitFor(async () => (await fetch(`${node.monitorUrl}/varz`)).ok, { timeoutMs: 15_000, intervalMs: 100 });
  }

  /** kill -9, as a crash or a lost machine would end it. */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index];
    node.process?.kill('SIGKILL');
    await node.exited;
    node.process = undefined;
  }

  /**
   * Every running node says JetStream is healthy (`/healthz`: in touch with a meta leader, its
   * streams and consumers current).
   */
  async ready(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const answers = await Promise.all(
          this.nodes
            .filter((node) => node.process)
            .map((node) => fetch(`${node.monitorUrl}/healthz`).then((r) => r.ok)),
        );
        return answers.every(Boolean);
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        // SIGINT: nats-server shuts down the same way on SIGTERM but then exits 1.
        node.process?.kill('SIGINT');
        await node.exited;
      }),
    );
  }
}

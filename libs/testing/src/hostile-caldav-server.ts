import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { serveHostile, type HostileWorkerData, type HostileWorkerReady } from './hostile-caldav-worker';

/**
 * What a hostile CalDAV server does when asked for calendar objects (a calendar-query REPORT);
 * everything before that (discovery, the calendar list, the poller's ctag) it answers as a real
 * server would, so a connector connects to it through its real discovery and listing.
 */
export type HostileBehaviour =
  /** One event in a custom VTIMEZONE whose observance recurs every second from 1970. */
  | 'secondly-zone'
  /** 200 MB of calendar data in one object, generated as it is sent. */
  | 'huge'
  /** 100,000 small objects, generated as they are sent. */
  | 'many-objects'
  /** A redirect to http://127.0.0.1 (another port), where a listener counts every connection. */
  | 'redirect-inside'
  /** The headers of a 207, then nothing, the connection held open. */
  | 'stall-after-headers'
  /** Nothing at all: the request is read and never answered. */
  | 'stall-before-headers';

export const HOSTILE_BEHAVIOURS: readonly HostileBehaviour[] = [
  'secondly-zone',
  'huge',
  'many-objects',
  'redirect-inside',
  'stall-after-headers',
  'stall-before-headers',
];

export interface HostileCaldavServer {
  behaviour: HostileBehaviour;
  /** What a user types as the server URL. */
  url: string;
  username: string;
  password: string;
  /** The one calendar of the account. */
  calendarUrl: string;
  /** Connections that reached the inside listener the redirect points at. */
  insideConnections(): number;
  /** Bytes of calendar-query answers handed to the socket so far. */
  sentBytes(): number;
  /** Stops the server, dropping every connection (stalled ones too). */
  close(): Promise<void>;
}

/**
 * A CalDAV server that misbehaves in one way, on `host` (127.0.0.2 by default, so that a
 * connector can allow it by name while 127.0.0.1 stays refused). It runs in a worker thread:
 * making and sending its data is its own work, not the event loop's of the test that measures
 * how the connector under attack serves everyone else.
 */
export async function startHostileCaldavServer(
  behaviour: HostileBehaviour,
  options: { host?: string } = {},
): Promise<HostileCaldavServer> {
  const counters = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const data: HostileWorkerData = {
    behaviour,
    host: options.host ?? '127.0.0.2',
    username: 'mallory',
    password: 'hostile',
    counters,
  };
  const worker = new Worker(`(${serveHostile.toString()})(require('node:worker_threads').workerData)`, {
    eval: true,
    workerData: data,
  });
  const [ready] = (await once(worker, 'message')) as [HostileWorkerReady];
  const url = `http://${data.host}:${ready.port}/`;
  const read = new Int32Array(counters);
  return {
    behaviour,
    url,
    username: data.username,
    password: data.password,
    calendarUrl: new URL(ready.calendarPath, url).href,
    insideConnections: () => Atomics.load(read, 0),
    sentBytes: () => Atomics.load(read, 1),
    close: async () => {
      await worker.terminate();
    },
  };
}

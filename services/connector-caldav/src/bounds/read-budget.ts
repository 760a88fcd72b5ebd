import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CaldavConfig } from '../config';
import { ReadRefused } from './read-refused';

export interface ReadLimits {
  /** Calendar objects one read may take. */
  maxObjects: number;
  /**
   * Characters of one object's calendar data (or any other value read from the XML), at most.
   * A UTF-8 object has no more characters than bytes, so this refuses no object within as many bytes.
   */
  maxObjectChars: number;
  /** Milliseconds of our own work (reading the XML, parsing and expanding objects) one read may take. */
  parseBudgetMs: number;
}

/**
 * Work done on one calendar's content never holds the event loop for long: each step is
 * short (an XML chunk, one object), and the read yields to the rest of the process once it has
 * worked for SLICE_MS in a row. Only our own work counts against the budget, not the waits for the
 * server or for others' turns, so a slow server is the deadline's business and a costly calendar
 * this budget's.
 */
export class ReadBudget {
  private spentMs = 0;
  private sliceMs = 0;
  private objectsRead = 0;

  constructor(private readonly limits: ReadLimits) {}

  /** Runs one short step of work and counts its time; past the budget the read is refused. */
  async step<T>(work: () => T): Promise<T> {
    const start = performance.now();
    const result = work();
    const took = performance.now() - start;
    this.spentMs += took;
    this.sliceMs += took;
    if (this.spentMs > this.limits.parseBudgetMs) {
      throw new ReadRefused(
        'calendar_too_complex',
        `reading the calendar took more than ${this.limits.parseBudgetMs} ms`,
      );
    }
    if (this.sliceMs >= SLICE_MS) {
      this.sliceMs = 0;
      await nextTurn();
    }
    return result;
  }

  /** Refuses a value (one object's data) longer than maxObjectChars, as soon as it grows past it. */
  checkObjectSize(chars: number): void {
    if (chars > this.limits.maxObjectChars) {
      throw new ReadRefused(
        'calendar_too_large',
        `the calendar has an object of more than ${Math.round(this.limits.maxObjectChars / 1024)} KiB`,
      );
    }
  }

  /**
   * Counts one object read from the server, whichever query of the read it came in: the cap is
   * on the work, so a server answering every query with thousands is refused at maxObjects in all.
   */
  objectRead(): void {
    this.countObjects(++this.objectsRead);
  }

  /** Refuses a read of more than maxObjects objects. */
  countObjects(count: number): void {
    if (count > this.limits.maxObjects) {
      throw new ReadRefused(
        'calendar_too_large',
        `the calendar has more than ${this.limits.maxObjects} objects to read`,
      );
    }
  }
}

/** A budget for one read of a calendar (or a connection's calendar list) under the connector's settings. */
export function readBudget(
  config: Pick<CaldavConfig, 'CALDAV_MAX_OBJECTS' | 'CALDAV_MAX_OBJECT_BYTES' | 'CALDAV_PARSE_BUDGET_MS'>,
): ReadBudget {
  return new ReadBudget({
    maxObjects: config.CALDAV_MAX_OBJECTS,
    maxObjectChars: config.CALDAV_MAX_OBJECT_BYTES,
    parseBudgetMs: config.CALDAV_PARSE_BUDGET_MS,
  });
}

/** The longest the read works before letting other requests run. */
const SLICE_MS = 2;

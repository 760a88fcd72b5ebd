export interface Moment {
  /** Milliseconds since the epoch. */
  at: number;
  what: string;
}

/** What happened when, as the SRE reads it in the report; each moment is also printed as it happens. */
export class Timeline {
  readonly moments: Moment[] = [];

  constructor(
    readonly origin: number,
    private readonly echo: (line: string) => void,
  ) {}

  note(what: string): number {
    return this.noteAt(Date.now(), what);
  }

  /** A moment learnt afterwards (e.g. from the calls' records), put in its place. */
  noteAt(at: number, what: string): number {
    this.moments.push({ at, what });
    this.moments.sort((a, b) => a.at - b.at);
    this.echo(`${seconds(at - this.origin)}  ${what}`);
    return at;
  }
}

/** "+12.3 s" */
export function seconds(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1_000).toFixed(1)} s`;
}

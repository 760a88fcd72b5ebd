/**
 * Concurrent callers asking the same question share one answer: the work for a key runs once
 * while it is in flight, and the next caller after it settles starts a fresh run. Used where a
 * crowd of requests for one slot would otherwise ask routing, availability or Postgres the same
 * thing a hundred times over.
 */
export class SharedCalls<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let call = this.running.get(key);
    if (!call) {
      call = (async () => work())().finally(() => this.running.delete(key));
      this.running.set(key, call);
    }
    return call;
  }

  get size(): number {
    return this.running.size;
  }
}

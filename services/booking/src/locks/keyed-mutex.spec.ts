import { KeyedMutex } from './keyed-mutex';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let inside = 0;
    const work = (name: string) =>
      mutex.run('calendar-1', async () => {
        inside++;
        expect(inside).toBe(1);
        log.push(`${name} in`);
        await tick();
        log.push(`${name} out`);
        inside--;
        return name;
      });
    expect(await Promise.all([work('a'), work('b'), work('c')])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('runs different keys alongside each other', async () => {
    const mutex = new KeyedMutex();
    let concurrent = 0;
    let most = 0;
    await Promise.all(
      ['x', 'y', 'z'].map((key) =>
        mutex.run(key, async () => {
          most = Math.max(most, ++concurrent);
          await tick();
          concurrent--;
        }),
      ),
    );
    expect(most).toBe(3);
  });

  it('releases the key when work throws, and forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run('k', async () => 'next')).resolves.toBe('next');
    expect(mutex.size).toBe(0);
  });

  it('tells a caller when the work queued so far has run, without queueing it', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const first = mutex.run('k', async () => {
      await tick();
      log.push('first');
    });
    const passed = mutex.passed('k').then(() => log.push('passed'));
    const second = mutex.run('k', async () => {
      await tick();
      await tick();
      log.push('second');
    });
    await Promise.all([first, passed, second]);
    expect(log).toEqual(['first', 'passed', 'second']);
    await expect(mutex.passed('idle')).resolves.toBeUndefined();
  });
});

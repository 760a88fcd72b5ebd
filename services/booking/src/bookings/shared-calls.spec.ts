import { SharedCalls } from './shared-calls';

describe('SharedCalls', () => {
  it('runs the work once for concurrent callers with one key, and gives them all its answer', async () => {
    const calls = new SharedCalls<number>();
    let runs = 0;
    let finish!: (value: number) => void;
    const work = () => {
      runs++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const answers = Promise.all([calls.run('a', work), calls.run('a', work), calls.run('a', work)]);
    finish(7);
    expect(await answers).toEqual([7, 7, 7]);
    expect(runs).toBe(1);
  });

  it('runs other keys on their own, and runs a key afresh once its call has settled', async () => {
    const calls = new SharedCalls<string>();
    let runs = 0;
    const work = (answer: string) => async () => {
      runs++;
      return answer;
    };
    expect(await Promise.all([calls.run('a', work('x')), calls.run('b', work('y'))])).toEqual(['x', 'y']);
    expect(await calls.run('a', work('z'))).toBe('z');
    expect(runs).toBe(3);
    expect(calls.size).toBe(0);
  });

  it('shares a failure with every waiting caller, and forgets it', async () => {
    const calls = new SharedCalls<number>();
    const failing = () => Promise.reject(new Error('down'));
    const throwing = (): Promise<number> => {
      throw new Error('at once');
    };
    await expect(Promise.all([calls.run('k', failing), calls.run('k', failing)])).rejects.toThrow('down');
    await expect(calls.run('k', throwing)).rejects.toThrow('at once');
    await expect(calls.run('k', async () => 1)).resolves.toBe(1);
    expect(calls.size).toBe(0);
  });
});

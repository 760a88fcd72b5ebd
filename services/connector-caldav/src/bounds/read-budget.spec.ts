import { ReadBudget } from './read-budget';

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('ReadBudget', () => {
  it('lets other work run between steps once a read has worked for a few milliseconds', async () => {
    const budget = new ReadBudget({ maxObjects: 10, maxObjectChars: 1_000, parseBudgetMs: 1_000 });
    let others = 0;
    const other = setInterval(() => others++, 0);
    for (let i = 0; i < 20; i++) await budget.step(() => busyFor(2));
    clearInterval(other);
    expect(others).toBeGreaterThanOrEqual(5);
  });

  it('counts only the work, not the waits between steps, and refuses past the budget: calendar_too_complex', async () => {
    const budget = new ReadBudget({ maxObjects: 10, maxObjectChars: 1_000, parseBudgetMs: 30 });
    await budget.step(() => busyFor(10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await budget.step(() => busyFor(10));
    await expect(budget.step(() => busyFor(15))).rejects.toMatchObject({
      code: 'failed_precondition',
      details: { reason: 'calendar_too_complex' },
    });
  });

  it('refuses more objects than the cap: calendar_too_large', () => {
    const budget = new ReadBudget({ maxObjects: 3, maxObjectChars: 1_000, parseBudgetMs: 1_000 });
    expect(() => budget.countObjects(3)).not.toThrow();
    expect(() => budget.countObjects(4)).toThrow(
      expect.objectContaining({ details: { reason: 'calendar_too_large', provider: 'caldav' } }),
    );
  });

  it('refuses an object longer than the cap: calendar_too_large', () => {
    const budget = new ReadBudget({ maxObjects: 3, maxObjectChars: 1_000, parseBudgetMs: 1_000 });
    expect(() => budget.checkObjectSize(1_000)).not.toThrow();
    expect(() => budget.checkObjectSize(1_001)).toThrow(
      expect.objectContaining({ details: { reason: 'calendar_too_large', provider: 'caldav' } }),
    );
  });

  it("counts the objects of all the read's queries together: calendar_too_large past the cap", () => {
    const budget = new ReadBudget({ maxObjects: 3, maxObjectChars: 1_000, parseBudgetMs: 1_000 });
    for (let i = 0; i < 3; i++) budget.objectRead();
    expect(() => budget.objectRead()).toThrow(
      expect.objectContaining({ details: { reason: 'calendar_too_large', provider: 'caldav' } }),
    );
  });
});

import { compileProfile, localSpan } from './compile-profile';
import { DEFAULT_RULES } from './rules';

const base = { timeZone: 'Europe/London', weeklyHours: [], overrides: [], rules: DEFAULT_RULES, blocked: [] };

describe('compileProfile', () => {
  it('reads an end at or before the start as the next day, and 24:00 as midnight', () => {
    expect(localSpan('22:00', '02:00')).toEqual({ fromMinute: 1320, toMinute: 1560 });
    expect(localSpan('09:00', '00:00')).toEqual({ fromMinute: 540, toMinute: 1440 });
    expect(localSpan('00:00', '24:00')).toEqual({ fromMinute: 0, toMinute: 1440 });
  });

  it('turns rules into milliseconds', () => {
    const schedule = compileProfile({
      ...base,
      rules: { ...DEFAULT_RULES, bufferAfterMinutes: 5, slotStepMinutes: 15 },
    });
    expect(schedule.rules).toEqual({
      minimumNoticeMs: 0,
      maximumAdvanceMs: 60 * 86_400_000,
      bufferBeforeMs: 0,
      bufferAfterMs: 300_000,
      slotStepMs: 900_000,
    });
  });

  it('refuses a profile that was never validated', () => {
    expect(() => compileProfile({ ...base, timeZone: 'Nowhere' })).toThrow(/validateProfile/);
    expect(() => compileProfile({ ...base, weeklyHours: [{ weekday: 1, start: '9:00', end: '17:00' }] })).toThrow(
      /validateProfile/,
    );
    expect(() => compileProfile({ ...base, blocked: [{ rrule: 'FREQ=HOURLY', from: '09:00', to: '10:00' }] })).toThrow(
      /validateProfile/,
    );
  });
});

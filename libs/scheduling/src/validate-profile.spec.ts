import { type FieldError, validateProfile, validateServiceDuration } from './validate-profile';

const valid = {
  timeZone: 'America/New_York',
  weeklyHours: [
    { weekday: 2, start: '13:00', end: '17:00' },
    { weekday: 1, start: '09:00', end: '17:00' },
    { weekday: 2, start: '09:00', end: '12:00' },
    { weekday: 5, start: '22:00', end: '02:00' },
  ],
  overrides: [
    { date: '2026-12-31', windows: [{ start: '10:00', end: '12:00' }] },
    { date: '2026-12-24', windows: [] },
  ],
  rules: { minimumNoticeMinutes: 60, bufferAfterMinutes: 10 },
  blocked: [
    { start: '2026-03-10T12:00:00-04:00', end: '2026-03-10T13:00:00-04:00', label: 'dentist' },
    { date: '2026-07-03' },
    {
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      from: '12:00',
      to: '13:00',
      exceptDates: ['2026-12-24', '2026-03-11', '2026-12-24'],
    },
    { rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25', from: '00:00', to: '24:00' },
  ],
};

function errorsOf(input: unknown): FieldError[] {
  const result = validateProfile(input);
  return result.ok ? [] : result.errors;
}

function withChange(change: Record<string, unknown>): unknown {
  return { ...valid, ...change };
}

describe('validateProfile', () => {
  it('accepts a valid profile, sorts windows and fills in the rules', () => {
    const result = validateProfile(valid);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.profile.weeklyHours.map(({ weekday, start }) => `${weekday} ${start}`)).toEqual([
      '1 09:00',
      '2 09:00',
      '2 13:00',
      '5 22:00',
    ]);
    expect(result.profile.overrides.map((override) => override.date)).toEqual(['2026-12-24', '2026-12-31']);
    expect(result.profile.rules).toEqual({
      minimumNoticeMinutes: 60,
      maximumAdvanceDays: 60,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 10,
    });
    expect(result.profile.blocked[0]).toEqual(valid.blocked[0]);
    expect(result.profile.blocked[2]).toEqual({ ...valid.blocked[2], exceptDates: ['2026-03-11', '2026-12-24'] });
  });

  it('accepts a profile with nothing but a zone', () => {
    expect(validateProfile({ timeZone: 'Asia/Kolkata' }).ok).toBe(true);
  });

  it.each<[string, unknown, FieldError]>([
    [
      'an unknown zone',
      withChange({ timeZone: 'Europe/Atlantis' }),
      { field: 'timeZone', message: expect.stringContaining('IANA') },
    ],
    [
      'a bad time',
      withChange({ weeklyHours: [{ weekday: 1, start: '9:00', end: '17:00' }] }),
      { field: 'weeklyHours[0].start', message: expect.any(String) },
    ],
    [
      '24:00 as a start',
      withChange({ weeklyHours: [{ weekday: 1, start: '24:00', end: '02:00' }] }),
      { field: 'weeklyHours[0].start', message: expect.any(String) },
    ],
    [
      'a weekday of 0',
      withChange({ weeklyHours: [{ weekday: 0, start: '09:00', end: '17:00' }] }),
      { field: 'weeklyHours[0].weekday', message: expect.any(String) },
    ],
    [
      'a weekday of 8',
      withChange({ weeklyHours: [{ weekday: 8, start: '09:00', end: '17:00' }] }),
      { field: 'weeklyHours[0].weekday', message: expect.any(String) },
    ],
    [
      'an end equal to the start',
      withChange({ weeklyHours: [{ weekday: 1, start: '09:00', end: '09:00' }] }),
      { field: 'weeklyHours[0].end', message: expect.stringContaining('differ') },
    ],
    [
      'overlapping windows on one weekday',
      withChange({
        weeklyHours: [
          { weekday: 3, start: '09:00', end: '12:00' },
          { weekday: 3, start: '11:00', end: '13:00' },
        ],
      }),
      { field: 'weeklyHours[1].start', message: 'overlaps weeklyHours[0]' },
    ],
    [
      "a window overlapping the previous day's overnight spill",
      withChange({
        weeklyHours: [
          { weekday: 1, start: '22:00', end: '03:00' },
          { weekday: 2, start: '02:00', end: '05:00' },
        ],
      }),
      { field: 'weeklyHours[1].start', message: 'overlaps weeklyHours[0]' },
    ],
    [
      "Monday overlapping Sunday night's spill",
      withChange({
        weeklyHours: [
          { weekday: 1, start: '00:30', end: '05:00' },
          { weekday: 7, start: '23:00', end: '01:00' },
        ],
      }),
      { field: 'weeklyHours[1].start', message: 'overlaps weeklyHours[0]' },
    ],
    [
      "an override overlapping the previous day's spill",
      withChange({ overrides: [{ date: '2026-03-14', windows: [{ start: '01:00', end: '04:00' }] }] }),
      { field: 'overrides[0].windows[0].start', message: 'overlaps weeklyHours[3]' },
    ],
    [
      "an override spilling into the next day's hours",
      withChange({ overrides: [{ date: '2026-03-08', windows: [{ start: '20:00', end: '10:00' }] }] }),
      { field: 'overrides[0].windows[0].start', message: 'overlaps weeklyHours[1]' },
    ],
    [
      'overlapping windows in an override',
      withChange({
        overrides: [
          {
            date: '2026-03-10',
            windows: [
              { start: '09:00', end: '12:00' },
              { start: '11:59', end: '13:00' },
            ],
          },
        ],
      }),
      { field: 'overrides[0].windows[1].start', message: 'overlaps overrides[0].windows[0]' },
    ],
    [
      'a bad date',
      withChange({ overrides: [{ date: '2026-02-30', windows: [] }] }),
      { field: 'overrides[0].date', message: expect.any(String) },
    ],
    [
      'a date overridden twice',
      withChange({
        overrides: [
          { date: '2026-03-10', windows: [] },
          { date: '2026-03-10', windows: [] },
        ],
      }),
      { field: 'overrides[1].date', message: 'appears twice' },
    ],
    [
      'negative notice',
      withChange({ rules: { minimumNoticeMinutes: -1 } }),
      { field: 'rules.minimumNoticeMinutes', message: expect.any(String) },
    ],
    [
      'notice over a year',
      withChange({ rules: { minimumNoticeMinutes: 525_601 } }),
      { field: 'rules.minimumNoticeMinutes', message: expect.any(String) },
    ],
    [
      'advance over 3650 days',
      withChange({ rules: { maximumAdvanceDays: 3651 } }),
      { field: 'rules.maximumAdvanceDays', message: expect.any(String) },
    ],
    [
      'an advance of 0 days',
      withChange({ rules: { maximumAdvanceDays: 0 } }),
      { field: 'rules.maximumAdvanceDays', message: expect.any(String) },
    ],
    [
      'a buffer over a day',
      withChange({ rules: { bufferBeforeMinutes: 1441 } }),
      { field: 'rules.bufferBeforeMinutes', message: expect.any(String) },
    ],
    [
      'a fractional buffer',
      withChange({ rules: { bufferAfterMinutes: 2.5 } }),
      { field: 'rules.bufferAfterMinutes', message: expect.any(String) },
    ],
    [
      'a step under 5 minutes',
      withChange({ rules: { slotStepMinutes: 4 } }),
      { field: 'rules.slotStepMinutes', message: expect.any(String) },
    ],
    [
      'a step over a day',
      withChange({ rules: { slotStepMinutes: 1441 } }),
      { field: 'rules.slotStepMinutes', message: expect.any(String) },
    ],
    [
      'a bad RRULE',
      withChange({ blocked: [{ rrule: 'FREQ=SOMETIMES', from: '12:00', to: '13:00' }] }),
      { field: 'blocked[0].rrule', message: expect.any(String) },
    ],
    [
      'a bad except date',
      withChange({ blocked: [{ rrule: 'FREQ=DAILY', from: '12:00', to: '13:00', exceptDates: ['soon'] }] }),
      { field: 'blocked[0].exceptDates[0]', message: expect.any(String) },
    ],
    [
      'a recurring window of no length',
      withChange({ blocked: [{ rrule: 'FREQ=DAILY', from: '12:00', to: '12:00' }] }),
      { field: 'blocked[0].to', message: expect.any(String) },
    ],
    [
      'a blocked date that is no date',
      withChange({ blocked: [{ date: '2026-3-1' }] }),
      { field: 'blocked[0].date', message: expect.any(String) },
    ],
    [
      'a blocked interval ending before it starts',
      withChange({ blocked: [{ start: '2026-03-10T13:00:00Z', end: '2026-03-10T12:00:00Z' }] }),
      { field: 'blocked[0].end', message: 'must be after start' },
    ],
    [
      'a blocked interval without offsets',
      withChange({ blocked: [{ start: '2026-03-10T12:00:00', end: '2026-03-10T13:00:00Z' }] }),
      { field: 'blocked[0].start', message: expect.stringContaining('offset') },
    ],
    [
      'a blocked item of two kinds',
      withChange({ blocked: [{ date: '2026-03-10', rrule: 'FREQ=DAILY', from: '12:00', to: '13:00' }] }),
      { field: 'blocked[0]', message: expect.any(String) },
    ],
    [
      'a blocked item of no kind',
      withChange({ blocked: [{ label: 'lunch' }] }),
      { field: 'blocked[0]', message: expect.any(String) },
    ],
    [
      'a list that is not a list',
      withChange({ weeklyHours: { weekday: 1 } }),
      { field: 'weeklyHours', message: 'must be a list' },
    ],
  ])('refuses %s', (_, input, error) => {
    expect(errorsOf(input)).toContainEqual(error);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf({
      timeZone: 'Nowhere',
      weeklyHours: [{ weekday: 9, start: 'noon', end: '13:00' }],
      rules: { slotStepMinutes: 0 },
    });
    expect(errors.map((error) => error.field).sort()).toEqual([
      'rules.slotStepMinutes',
      'timeZone',
      'weeklyHours[0].start',
      'weeklyHours[0].weekday',
    ]);
  });

  it('refuses a body that is not an object', () => {
    expect(errorsOf(null)).toEqual([{ field: '', message: 'must be an object' }]);
  });
});

describe('validateServiceDuration', () => {
  it('accepts 1 minute to 24 hours', () => {
    expect(validateServiceDuration(30)).toEqual([]);
    expect(validateServiceDuration(1440)).toEqual([]);
    expect(validateServiceDuration(0)).toEqual([{ field: 'durationMinutes', message: expect.any(String) }]);
    expect(validateServiceDuration(1441, 'service.durationMinutes')).toEqual([
      { field: 'service.durationMinutes', message: expect.any(String) },
    ]);
  });
});

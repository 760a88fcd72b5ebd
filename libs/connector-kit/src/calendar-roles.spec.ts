import { assignRoles, changeRole, type MemberCalendarRole } from './calendar-roles';

describe('assignRoles', () => {
  const discovered = [
    { key: 'read-only', writable: false },
    { key: 'home', writable: true },
    { key: 'work', writable: true },
  ];

  it('makes the first writable calendar the booking one and every other block time', () => {
    expect(Object.fromEntries(assignRoles(discovered, new Map(), false))).toEqual({
      'read-only': 'blocking',
      home: 'booking',
      work: 'blocking',
    });
  });

  it('prefers the primary calendar', () => {
    const withPrimary = discovered.map((c) => ({ ...c, primary: c.key === 'work' }));
    expect(assignRoles(withPrimary, new Map(), false).get('work')).toBe('booking');
  });

  it('keeps the roles of calendars seen before, and adds new ones as blocking', () => {
    const roles = assignRoles(
      [...discovered, { key: 'new', writable: true }],
      new Map([
        ['work', 'booking'],
        ['home', 'ignored'],
      ] as const),
      false,
    );
    expect(Object.fromEntries(roles)).toEqual({
      'read-only': 'blocking',
      home: 'ignored',
      work: 'booking',
      new: 'blocking',
    });
  });

  it('takes no booking calendar when the member has one at another connection', () => {
    expect([...assignRoles(discovered, new Map(), true).values()]).not.toContain('booking');
  });

  it('demotes a booking calendar that became read-only and chooses another', () => {
    const roles = assignRoles(
      [
        { key: 'home', writable: false },
        { key: 'work', writable: true },
      ],
      new Map([['home', 'booking']] as const),
      false,
    );
    expect(Object.fromEntries(roles)).toEqual({ home: 'blocking', work: 'booking' });
  });

  it('leaves a member with only read-only calendars without a booking calendar', () => {
    expect([...assignRoles([{ key: 'a', writable: false }], new Map(), false).values()]).toEqual(['blocking']);
  });
});

describe('changeRole', () => {
  const calendars: MemberCalendarRole[] = [
    { calendarId: 'caldav:a', role: 'booking', writable: true },
    { calendarId: 'caldav:b', role: 'blocking', writable: true },
    { calendarId: 'caldav:c', role: 'blocking', writable: false },
  ];

  it('moves the booking role, the old booking calendar then blocks', () => {
    expect(changeRole(calendars, 'caldav:b', 'booking')).toEqual([
      { calendarId: 'caldav:a', role: 'blocking' },
      { calendarId: 'caldav:b', role: 'booking' },
    ]);
  });

  it('refuses a read-only booking calendar, and leaving the member without one', () => {
    expect(() => changeRole(calendars, 'caldav:c', 'booking')).toThrow(
      expect.objectContaining({
        code: 'failed_precondition',
        details: expect.objectContaining({ reason: 'read_only' }),
      }),
    );
    expect(() => changeRole(calendars, 'caldav:a', 'ignored')).toThrow(
      expect.objectContaining({ code: 'failed_precondition' }),
    );
  });

  it('ignores and blocks others freely, and changes nothing for the same role', () => {
    expect(changeRole(calendars, 'caldav:b', 'ignored')).toEqual([{ calendarId: 'caldav:b', role: 'ignored' }]);
    expect(changeRole(calendars, 'caldav:b', 'blocking')).toEqual([]);
  });

  it('answers not_found for a calendar not the member’s', () => {
    expect(() => changeRole(calendars, 'caldav:z', 'blocking')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

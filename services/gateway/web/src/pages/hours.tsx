import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get } from '../api';
import { RRULE_DAYS, span, WEEKDAYS, zonedInstant } from '../time';
import type { BlockedTime, Member, Profile, Rules } from '../types';

const RULES: { key: keyof Rules; label: string }[] = [
  { key: 'minimumNoticeMinutes', label: 'Minimum notice (minutes)' },
  { key: 'maximumAdvanceDays', label: 'Book at most this many days ahead' },
  { key: 'bufferBeforeMinutes', label: 'Buffer before each appointment (minutes)' },
  { key: 'bufferAfterMinutes', label: 'Buffer after each appointment (minutes)' },
  { key: 'slotStepMinutes', label: 'Offer a start every (minutes; empty: the service’s length)' },
];

/** Business hours, days that differ, booking rules and blocked times of one team member. */
export function HoursPage({ member }: { member: Member }) {
  const [profile, setProfile] = useState<Profile>();
  const [status, setStatus] = useState('');

  useEffect(() => {
    setProfile(undefined);
    void get<{ profile: Profile }>(`/v1/members/${member.id}/availability`).then(
      ({ profile }) => setProfile(profile),
      // A member nobody has set hours for yet: start from nothing.
      (failure) =>
        failure instanceof ApiError && failure.code === 'not_found'
          ? setProfile(emptyProfile(member))
          : setStatus(failure.message),
    );
  }, [member.id]);

  if (!profile) return <p>{status || 'Loading…'}</p>;
  const zone = profile.timeZone || member.timeZone;
  const change = (next: Partial<Profile>) => {
    setStatus('');
    setProfile({ ...profile, ...next });
  };

  async function save(event: Event) {
    event.preventDefault();
    try {
      const { weeklyHours, overrides, rules, blocked } = profile!;
      const saved = await api<{ profile: Profile }>('PUT', `/v1/members/${member.id}/availability`, {
        weeklyHours,
        overrides,
        rules,
        blocked,
      });
      setProfile(saved.profile);
      setStatus('Saved.');
    } catch (failure) {
      setStatus(`Not saved: ${(failure as Error).message}`);
    }
  }

  return (
    <form onSubmit={save} aria-labelledby="hours-heading">
      <h2 id="hours-heading">{member.name}’s hours and rules</h2>
      <p class="hint">Times are in {zone}.</p>

      <fieldset class="card">
        <legend>Weekly business hours</legend>
        {profile.weeklyHours.length === 0 && <p>No hours yet: nothing can be booked.</p>}
        {profile.weeklyHours.map((window, index) => (
          <div class="row" key={index} role="group" aria-label={`Hours ${index + 1}`}>
            <label>
              Day
              <select
                value={window.weekday}
                onChange={(e) =>
                  change({
                    weeklyHours: replace(profile.weeklyHours, index, {
                      ...window,
                      weekday: +(e.currentTarget as HTMLSelectElement).value,
                    }),
                  })
                }
              >
                {WEEKDAYS.map((day, i) => (
                  <option key={day} value={i + 1}>
                    {day}
                  </option>
                ))}
              </select>
            </label>
            <TimeField
              label="Opens"
              value={window.start}
              onInput={(start) => change({ weeklyHours: replace(profile.weeklyHours, index, { ...window, start }) })}
            />
            <TimeField
              label="Closes"
              value={window.end}
              onInput={(end) => change({ weeklyHours: replace(profile.weeklyHours, index, { ...window, end }) })}
            />
            <button
              type="button"
              class="link"
              onClick={() => change({ weeklyHours: without(profile.weeklyHours, index) })}
            >
              Remove
            </button>
          </div>
        ))}
        <div class="row">
          <button
            type="button"
            onClick={() =>
              change({ weeklyHours: [...profile.weeklyHours, { weekday: 1, start: '09:00', end: '17:00' }] })
            }
          >
            Add hours
          </button>
          <button
            type="button"
            onClick={() =>
              change({ weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })) })
            }
          >
            Monday to Friday, 9 to 5
          </button>
        </div>
      </fieldset>

      <fieldset class="card">
        <legend>Blocked times</legend>
        <ul class="plain">
          {profile.blocked.map((item, index) => (
            <li class="row spread" key={index}>
              <span>{describeBlock(item, zone)}</span>
              <button type="button" class="link" onClick={() => change({ blocked: without(profile.blocked, index) })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <AddBlock zone={zone} onAdd={(item) => change({ blocked: [...profile.blocked, item] })} />
      </fieldset>

      <fieldset class="card">
        <legend>Days with other hours</legend>
        <ul class="plain">
          {profile.overrides.map((override, index) => (
            <li class="row spread" key={override.date}>
              <span>
                {override.date}:{' '}
                {override.windows.length ? override.windows.map((w) => `${w.start}–${w.end}`).join(', ') : 'closed'}
              </span>
              <button
                type="button"
                class="link"
                onClick={() => change({ overrides: without(profile.overrides, index) })}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <AddOverride
          onAdd={(override) =>
            change({ overrides: [...profile.overrides.filter((o) => o.date !== override.date), override] })
          }
        />
      </fieldset>

      <fieldset class="card">
        <legend>Booking rules</legend>
        {RULES.map(({ key, label }) => (
          <label key={key}>
            {label}
            <input
              type="number"
              min="0"
              inputMode="numeric"
              value={profile.rules?.[key] ?? ''}
              onInput={(e) => {
                const value = (e.currentTarget as HTMLInputElement).value;
                change({ rules: { ...profile.rules, [key]: value === '' ? undefined : Number(value) } });
              }}
            />
          </label>
        ))}
      </fieldset>

      <div class="row sticky">
        <button type="submit">Save hours and rules</button>
        <span role="status">{status}</span>
      </div>
    </form>
  );
}

function AddBlock({ zone, onAdd }: { zone: string; onAdd: (item: BlockedTime) => void }) {
  const [kind, setKind] = useState<'recurring' | 'once' | 'day'>('recurring');
  const [days, setDays] = useState(['MO', 'TU', 'WE', 'TH', 'FR']);
  const [fields, setFields] = useState({ label: 'Lunch', from: '12:00', to: '13:00', date: '' });
  const set = (name: keyof typeof fields) => (value: string) => setFields({ ...fields, [name]: value });

  function add() {
    const label = fields.label.trim() || undefined;
    if (kind === 'recurring' && days.length)
      onAdd({ label, rrule: `FREQ=WEEKLY;BYDAY=${days.join(',')}`, from: fields.from, to: fields.to });
    if (kind === 'once' && fields.date)
      onAdd({
        label,
        start: zonedInstant(fields.date, fields.from, zone),
        end: zonedInstant(fields.date, fields.to, zone),
      });
    if (kind === 'day' && fields.date) onAdd({ label, date: fields.date });
  }

  return (
    <div class="subcard" role="group" aria-label="Add a blocked time">
      <label>
        Block
        <select value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as typeof kind)}>
          <option value="recurring">every week (e.g. lunch)</option>
          <option value="once">once</option>
          <option value="day">a whole day (e.g. a holiday)</option>
        </select>
      </label>
      <label>
        Label
        <input value={fields.label} onInput={(e) => set('label')((e.currentTarget as HTMLInputElement).value)} />
      </label>
      {kind === 'recurring' ? (
        <fieldset class="row days">
          <legend>On</legend>
          {RRULE_DAYS.map((day, i) => (
            <label key={day}>
              <input
                type="checkbox"
                checked={days.includes(day)}
                onChange={(e) =>
                  setDays(
                    (e.currentTarget as HTMLInputElement).checked ? [...days, day] : days.filter((d) => d !== day),
                  )
                }
              />
              {WEEKDAYS[i].slice(0, 3)}
            </label>
          ))}
        </fieldset>
      ) : (
        <label>
          Date
          <input
            type="date"
            value={fields.date}
            onInput={(e) => set('date')((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
      )}
      {kind !== 'day' && (
        <div class="row">
          <TimeField label="From" value={fields.from} onInput={set('from')} />
          <TimeField label="To" value={fields.to} onInput={set('to')} />
        </div>
      )}
      <button type="button" onClick={add}>
        Add blocked time
      </button>
    </div>
  );
}

function AddOverride({ onAdd }: { onAdd: (override: Profile['overrides'][number]) => void }) {
  const [date, setDate] = useState('');
  const [closed, setClosed] = useState(true);
  const [window, setWindow] = useState({ start: '10:00', end: '14:00' });
  return (
    <div class="subcard" role="group" aria-label="Add a day with other hours">
      <label>
        Date
        <input type="date" value={date} onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        <input
          type="checkbox"
          checked={closed}
          onChange={(e) => setClosed((e.currentTarget as HTMLInputElement).checked)}
        />{' '}
        Closed all day
      </label>
      {!closed && (
        <div class="row">
          <TimeField label="Opens" value={window.start} onInput={(start) => setWindow({ ...window, start })} />
          <TimeField label="Closes" value={window.end} onInput={(end) => setWindow({ ...window, end })} />
        </div>
      )}
      <button type="button" onClick={() => date && onAdd({ date, windows: closed ? [] : [window] })}>
        Add day
      </button>
    </div>
  );
}

function TimeField({ label, value, onInput }: { label: string; value: string; onInput: (value: string) => void }) {
  return (
    <label>
      {label}
      <input type="time" value={value} required onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)} />
    </label>
  );
}

export function describeBlock(item: BlockedTime, zone: string): string {
  const label = item.label ? `${item.label}: ` : '';
  if (item.rrule) {
    const days = /BYDAY=([A-Z,]+)/.exec(item.rrule)?.[1].split(',') ?? [];
    const names =
      days.length === 5 && !days.includes('SA') && !days.includes('SU')
        ? 'every weekday'
        : `every ${days.map((d) => WEEKDAYS[RRULE_DAYS.indexOf(d)]).join(', ')}`;
    return `${label}${names}, ${item.from}–${item.to}`;
  }
  if (item.date) return `${label}all day ${item.date}`;
  return `${label}${item.start ? new Date(item.start).toLocaleDateString() : ''} ${item.start && item.end ? span(item.start, item.end, zone) : ''}`;
}

function emptyProfile(member: Member): Profile {
  return { timeZone: member.timeZone, weeklyHours: [], overrides: [], rules: {}, blocked: [] };
}

function replace<T>(items: T[], index: number, item: T): T[] {
  return items.map((existing, i) => (i === index ? item : existing));
}

function without<T>(items: T[], index: number): T[] {
  return items.filter((_, i) => i !== index);
}

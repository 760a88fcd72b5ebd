import { useState } from 'preact/hooks';
import { ApiError, get, query } from '../api';
import { dayIn, span, timeIn, todayIn, zonedInstant } from '../time';
import type { BlockedTime, Member, Profile, Service } from '../types';
import { describeBlock } from './hours';

interface Explanation {
  bookable: boolean;
  reason?: string;
  interval?: { start: string; end: string };
}

/** "Why isn't this time offered?": slots.explain, said in words. */
export function ExplainPage({ members, services }: { members: Member[]; services: Service[] }) {
  const [answer, setAnswer] = useState('');

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const member = members.find((m) => m.id === form.get('memberId'))!;
    const start = zonedInstant(String(form.get('date')), String(form.get('time')), member.timeZone);
    setAnswer('');
    try {
      const [explanation, { profile }] = await Promise.all([
        get<Explanation>(
          `/v1/slots/explain?${query({ memberId: member.id, serviceId: String(form.get('serviceId')), start })}`,
        ),
        get<{ profile: Profile }>(`/v1/members/${member.id}/availability`).catch((failure) => {
          if (failure instanceof ApiError && failure.code === 'not_found')
            return { profile: { blocked: [] as BlockedTime[] } as Profile };
          throw failure;
        }),
      ]);
      setAnswer(inWords(explanation, start, member, profile));
    } catch (failure) {
      setAnswer(`Could not check: ${(failure as Error).message}`);
    }
  }

  if (!members.length || !services.length) return <p>Add a team member and a service first.</p>;
  return (
    <section aria-labelledby="explain-heading">
      <h2 id="explain-heading">Why isn’t this time offered?</h2>
      <form class="card" onSubmit={submit}>
        <label>
          Team member
          <select name="memberId">
            {members.map((member) => (
              <option key={member.id} value={member.id}>
                {member.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Service
          <select name="serviceId">
            {services.map((service) => (
              <option key={service.id} value={service.id}>
                {service.name}
              </option>
            ))}
          </select>
        </label>
        <div class="row">
          <label>
            Date
            <input name="date" type="date" required value={todayIn(members[0].timeZone)} />
          </label>
          <label>
            Time
            <input name="time" type="time" required />
          </label>
        </div>
        <button type="submit">Check</button>
      </form>
      <p role="status" class="answer">
        {answer}
      </p>
    </section>
  );
}

function inWords(explanation: Explanation, start: string, member: Member, profile: Profile): string {
  const zone = member.timeZone;
  const when = `${timeIn(start, zone)} on ${dayIn(start, zone)}`;
  if (explanation.bookable) return `Yes: ${when} is offered for ${member.name}.`;
  const during = explanation.interval ? span(explanation.interval.start, explanation.interval.end, zone) : '';
  switch (explanation.reason) {
    case 'outside_hours':
      return `${when} is not offered: it is outside ${member.name}’s business hours.`;
    case 'too_soon':
      return `${when} is not offered: it is sooner than the minimum notice allows.`;
    case 'too_far':
      return `${when} is not offered: it is further ahead than bookings may be made.`;
    case 'slot_taken':
      return `${when} is not offered: ${member.name} is busy ${during} (another appointment or an event in the calendar).`;
    case 'blocked': {
      const block = explanation.interval && matchingBlock(profile.blocked, explanation.interval, zone);
      return `${when} is not offered: it falls in a blocked time${block ? ` (${describeBlock(block, zone)})` : during ? ` (${during})` : ''}.`;
    }
    default:
      return `${when} is not offered (${explanation.reason ?? 'no reason given'}).`;
  }
}

/** The blocked time the refusal's interval came from: the same local hours, or the same instants. */
function matchingBlock(
  blocked: BlockedTime[],
  interval: { start: string; end: string },
  zone: string,
): BlockedTime | undefined {
  const from = timeIn(interval.start, zone);
  const to = timeIn(interval.end, zone);
  return blocked.find(
    (item) =>
      (item.from === from && (item.to === to || (item.to === '24:00' && to === '00:00'))) ||
      (item.start && Date.parse(item.start) === Date.parse(interval.start)) ||
      (item.date && !item.from && !item.start),
  );
}

import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Member, Service } from '../types';

interface Props {
  members: Member[];
  services: Service[];
  tenantTimeZone: string;
  reload: () => Promise<void>;
}

/** Who takes appointments, and what can be booked with whom. */
export function TeamPage({ members, services, tenantTimeZone, reload }: Props) {
  const [message, setMessage] = useState('');

  async function run(action: () => Promise<unknown>, form?: HTMLFormElement) {
    setMessage('');
    try {
      await action();
      form?.reset();
      await reload();
    } catch (failure) {
      setMessage((failure as Error).message);
    }
  }

  function addMember(event: Event) {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const optional = (name: string) => (form.get(name) ? String(form.get(name)) : undefined);
    void run(
      () =>
        api('POST', '/v1/members', {
          name: form.get('name'),
          timeZone: optional('timeZone'),
          email: optional('email'),
          phone: optional('phone'),
        }),
      formElement,
    );
  }

  function addService(event: Event) {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    void run(
      () =>
        api('POST', '/v1/services', {
          name: form.get('name'),
          durationMinutes: Number(form.get('durationMinutes')),
          memberIds: form.getAll('memberIds'),
          strategy: form.get('strategy'),
        }),
      formElement,
    );
  }

  return (
    <section aria-labelledby="team-heading">
      <h2 id="team-heading">Team and services</h2>
      {message && (
        <p role="alert" class="error">
          {message}
        </p>
      )}
      <h3>Team members</h3>
      <ul class="plain">
        {members.map((member) => (
          <li key={member.id} class="row spread">
            <span>
              {member.name} <small>({member.timeZone})</small>
            </span>
            <button
              type="button"
              class="link danger"
              onClick={() => confirm(`Remove ${member.name}?`) && run(() => api('DELETE', `/v1/members/${member.id}`))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form class="card" onSubmit={addMember} aria-label="Add a team member">
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Time zone
          <input name="timeZone" placeholder={tenantTimeZone} />
        </label>
        <label>
          Email (optional)
          <input name="email" type="email" />
        </label>
        <label>
          Mobile for booking texts (optional, e.g. +14155550123)
          <input name="phone" type="tel" />
        </label>
        <button type="submit">Add team member</button>
      </form>

      <h3>Services</h3>
      <ul class="plain">
        {services.map((service) => (
          <li key={service.id} class="row spread">
            <span>
              {service.name} — {service.durationMinutes} min, with{' '}
              {service.memberIds.map((id) => members.find((m) => m.id === id)?.name ?? id).join(', ')}
            </span>
            <button
              type="button"
              class="link danger"
              onClick={() =>
                confirm(`Remove ${service.name}?`) && run(() => api('DELETE', `/v1/services/${service.id}`))
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form class="card" onSubmit={addService} aria-label="Add a service">
        <label>
          Service name
          <input name="name" required placeholder="Haircut" />
        </label>
        <label>
          Length (minutes)
          <input name="durationMinutes" type="number" min="5" step="5" value="30" required />
        </label>
        <fieldset>
          <legend>Who offers it</legend>
          {members.map((member) => (
            <label key={member.id}>
              <input type="checkbox" name="memberIds" value={member.id} checked={members.length === 1} /> {member.name}
            </label>
          ))}
        </fieldset>
        <label>
          When several can
          <select name="strategy">
            <option value="round_robin">share appointments among them</option>
            <option value="specific">the caller picks who</option>
          </select>
        </label>
        <button type="submit" disabled={!members.length}>
          Add service
        </button>
      </form>
    </section>
  );
}

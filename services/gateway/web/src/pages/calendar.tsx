import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Connection, Member, Role } from '../types';
import { isReadError, PROVIDER_NAMES, ROLE_NAMES, warningText } from '../words';

interface Props {
  member: Member;
  connections: Connection[];
  reload: () => Promise<void>;
}

/** Settings → Integrations → Calendar: connect, choose what each calendar does, reconnect, disconnect. */
export function CalendarPage({ member, connections, reload }: Props) {
  const [message, setMessage] = useState(new URLSearchParams(location.hash.split('?')[1]).get('error') ?? '');

  async function run(action: () => Promise<unknown>) {
    setMessage('');
    try {
      await action();
      await reload();
    } catch (failure) {
      setMessage((failure as Error).message);
    }
  }

  async function authorize(provider: 'google' | 'microsoft') {
    await run(async () => {
      const { authorizationUrl } = await api<{ authorizationUrl: string }>('POST', '/v1/connections/authorize', {
        memberId: member.id,
        provider,
      });
      location.assign(authorizationUrl);
    });
  }

  return (
    <section aria-labelledby="calendar-heading">
      <p class="crumbs">Settings → Integrations → Calendar</p>
      <h2 id="calendar-heading">{member.name}’s calendar</h2>
      {message && (
        <p role="alert" class="error">
          {message}
        </p>
      )}
      {connections.length === 0 && (
        <p>No calendar is connected yet: connect one below, and appointments will be booked into it.</p>
      )}
      {connections.map((connection) => (
        <ConnectionCard
          key={connection.id}
          connection={connection}
          run={run}
          onReconnect={() => connection.provider !== 'caldav' && authorize(connection.provider as 'google')}
        />
      ))}
      <h3>Connect a calendar</h3>
      <div class="row">
        <button type="button" onClick={() => authorize('google')}>
          Connect Google Calendar
        </button>
        <button type="button" onClick={() => authorize('microsoft')}>
          Connect Outlook
        </button>
      </div>
      <CaldavForm member={member} run={run} />
    </section>
  );
}

function ConnectionCard({
  connection,
  run,
  onReconnect,
}: {
  connection: Connection;
  run: (action: () => Promise<unknown>) => Promise<void>;
  onReconnect: () => void;
}) {
  const errors = connection.calendars.flatMap((calendar) =>
    calendar.warnings.filter(isReadError).map((code) => `${calendar.name}: ${warningText(code)}`),
  );
  const status = connection.status === 'needs_reauth' ? 'needs-reauth' : errors.length ? 'error' : 'connected';
  const statusText = { connected: 'Connected', 'needs-reauth': 'Needs reconnecting', error: 'Error' }[status];
  return (
    <article class="card" aria-label={`${PROVIDER_NAMES[connection.provider] ?? connection.provider} connection`}>
      <header class="row spread">
        <h4>{PROVIDER_NAMES[connection.provider] ?? connection.provider}</h4>
        <span class={`badge ${status}`}>{statusText}</span>
      </header>
      {status === 'needs-reauth' && (
        <p>
          The calendar refused our sign-in (a changed or revoked password). Until you reconnect, no times are offered
          for this person.{' '}
          {connection.provider === 'caldav' ? (
            <a href="#caldav-form">Reconnect with a new app-specific password</a>
          ) : (
            <button type="button" onClick={onReconnect}>
              Reconnect
            </button>
          )}
        </p>
      )}
      {errors.length > 0 && (
        <ul class="error">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      )}
      <ul class="plain">
        {connection.calendars.map((calendar) => (
          <li key={calendar.calendarId} class="row spread">
            <span>
              {calendar.name}
              {calendar.warnings.includes('time_zone_differs') && <small> ({warningText('time_zone_differs')})</small>}
            </span>
            <label>
              <span class="visually-hidden">What {calendar.name} does</span>
              <select
                value={calendar.role}
                onChange={(event) =>
                  run(() =>
                    api('PUT', `/v1/calendars/${encodeURIComponent(calendar.calendarId)}/role`, {
                      role: (event.currentTarget as HTMLSelectElement).value as Role,
                    }),
                  )
                }
              >
                {(['booking', 'blocking', 'ignored'] as Role[]).map((role) => (
                  <option key={role} value={role} disabled={role === 'booking' && !calendar.writable}>
                    {ROLE_NAMES[role]}
                  </option>
                ))}
              </select>
            </label>
          </li>
        ))}
      </ul>
      <button
        type="button"
        class="danger"
        onClick={() =>
          confirm('Disconnect this calendar? Appointments will no longer be booked into it.') &&
          run(() => api('DELETE', `/v1/connections/${encodeURIComponent(connection.id)}`))
        }
      >
        Disconnect
      </button>
    </article>
  );
}

function CaldavForm({ member, run }: { member: Member; run: (action: () => Promise<unknown>) => Promise<void> }) {
  const [kind, setKind] = useState<'apple' | 'caldav'>('apple');

  function submit(event: Event) {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    void run(async () => {
      await api('POST', '/v1/connections', {
        memberId: member.id,
        provider: kind,
        ...(kind === 'caldav' ? { serverUrl: form.get('serverUrl') } : {}),
        username: form.get('username'),
        password: form.get('password'),
      });
      formElement.reset();
    });
  }

  return (
    <form id="caldav-form" class="card" onSubmit={submit} aria-labelledby="caldav-heading">
      <h4 id="caldav-heading">Apple Calendar (iCloud) or another CalDAV server</h4>
      <fieldset class="row">
        <legend>Which calendar</legend>
        <label>
          <input type="radio" name="kind" checked={kind === 'apple'} onChange={() => setKind('apple')} /> Apple Calendar
          (iCloud)
        </label>
        <label>
          <input type="radio" name="kind" checked={kind === 'caldav'} onChange={() => setKind('caldav')} /> Another
          CalDAV server
        </label>
      </fieldset>
      {kind === 'apple' ? (
        <ol>
          <li>
            Sign in at{' '}
            <a href="https://appleid.apple.com" target="_blank" rel="noreferrer">
              appleid.apple.com
            </a>{' '}
            and open Sign-In and Security → App-Specific Passwords.
          </li>
          <li>Generate a password named “CallDesk”. Your own Apple ID password will not work here.</li>
          <li>Enter your Apple ID email and that app-specific password below.</li>
        </ol>
      ) : (
        <label>
          Server URL
          <input name="serverUrl" type="url" required placeholder="https://calendar.example.com/" />
        </label>
      )}
      <label>
        {kind === 'apple' ? 'Apple ID email' : 'Username'}
        <input name="username" autocomplete="off" required />
      </label>
      <label>
        {kind === 'apple' ? 'App-specific password' : 'Password'}
        <input name="password" type="password" autocomplete="new-password" required />
      </label>
      <button type="submit">Connect</button>
    </form>
  );
}

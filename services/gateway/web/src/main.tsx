import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, get, rememberCsrfToken } from './api';
import { useLiveEvent, useLiveEvents } from './live';
import { AppointmentsPage } from './pages/appointments';
import { CalendarPage } from './pages/calendar';
import { ExplainPage } from './pages/explain';
import { HoursPage } from './pages/hours';
import { SignIn } from './pages/sign-in';
import { TeamPage } from './pages/team';
import type { Connection, Member, Service, Session } from './types';

const PAGES = [
  { path: 'appointments', title: 'Appointments' },
  { path: 'calendar', title: 'Calendar' },
  { path: 'hours', title: 'Hours & rules' },
  { path: 'team', title: 'Team & services' },
  { path: 'explain', title: 'Why not offered?' },
] as const;
type Page = (typeof PAGES)[number]['path'];

function currentPage(): Page {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  return PAGES.some((page) => page.path === path) ? (path as Page) : 'appointments';
}

function App() {
  const [session, setSession] = useState<Session | null>();
  const start = (next: Session | null) => {
    if (next) rememberCsrfToken(next.csrfToken);
    setSession(next);
  };
  useEffect(() => {
    get<{ session: Session }>('/v1/session').then(
      ({ session }) => start(session),
      () => start(null),
    );
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (!session) return <SignIn onSignedIn={start} />;
  return <Dashboard session={session} onSignedOut={() => start(null)} />;
}

function Dashboard({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const [page, setPage] = useState(currentPage());
  const [tenantZone, setTenantZone] = useState('UTC');
  const [members, setMembers] = useState<Member[]>([]);
  const [services, setServices] = useState<Service[]>([]);
  const [memberId, setMemberId] = useState(localStorage.getItem('memberId') ?? '');
  const [connections, setConnections] = useState<Connection[]>([]);
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState('');
  const member = members.find((m) => m.id === memberId) ?? members[0];

  const guard = (failure: unknown) => {
    if (failure instanceof ApiError && failure.status === 401) onSignedOut();
    else setError((failure as Error).message);
  };
  const loadCatalog = useCallback(async () => {
    try {
      const [tenant, memberList, serviceList] = await Promise.all([
        get<{ tenant: { timeZone: string } }>('/v1/tenant'),
        get<{ members: Member[] }>('/v1/members?pageSize=200'),
        get<{ services: Service[] }>('/v1/services?pageSize=200'),
      ]);
      setTenantZone(tenant.tenant.timeZone);
      setMembers(memberList.members);
      setServices(serviceList.services);
    } catch (failure) {
      guard(failure);
    }
  }, []);
  const loadConnections = useCallback(async () => {
    if (!member) return setConnections([]);
    try {
      setConnections((await get<{ connections: Connection[] }>(`/v1/members/${member.id}/connections`)).connections);
    } catch (failure) {
      guard(failure);
    }
  }, [member?.id]);

  useEffect(() => {
    const follow = () => setPage(currentPage());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => void loadCatalog(), []);
  useEffect(() => void loadConnections(), [loadConnections]);
  const live = useLiveEvents(true, () => setGeneration((n) => n + 1));
  useLiveEvent(
    useCallback(
      (type: string, data: { memberId?: string }) => {
        if ((type === 'connection.status' || type === 'calendar.changed') && data.memberId === member?.id)
          void loadConnections();
      },
      [member?.id, loadConnections],
    ),
  );

  async function signOut() {
    await api('DELETE', '/v1/session').catch(() => undefined);
    onSignedOut();
  }

  const needsReauth = connections.filter((connection) => connection.status === 'needs_reauth');
  return (
    <>
      <header class="top">
        <div class="row spread">
          <strong>CallDesk</strong>
          <span class="row">
            <span class={`live ${live}`}>{live === 'live' ? '● Live' : '○ Reconnecting…'}</span>
            <span class="hint">{session.email}</span>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </span>
        </div>
        <nav aria-label="Dashboard">
          {PAGES.map(({ path, title }) => (
            <a key={path} href={`#/${path}`} aria-current={page === path ? 'page' : undefined}>
              {title}
            </a>
          ))}
        </nav>
      </header>
      {needsReauth.length > 0 && member && (
        <div class="banner warning" role="alert">
          {member.name}’s calendar needs reconnecting: no times are offered for {member.name} until then.{' '}
          <a href="#/calendar" class="button">
            Reconnect
          </a>
        </div>
      )}
      <main>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {members.length > 1 && page !== 'appointments' && page !== 'team' && page !== 'explain' && (
          <label class="member-picker">
            Team member
            <select
              value={member?.id}
              onChange={(e) => {
                const id = (e.currentTarget as HTMLSelectElement).value;
                localStorage.setItem('memberId', id);
                setMemberId(id);
              }}
            >
              {members.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {!member && page !== 'team' ? (
          <p>
            Start by <a href="#/team">adding yourself or a team member</a>: each has their own calendar and hours.
          </p>
        ) : page === 'appointments' ? (
          <AppointmentsPage
            members={members}
            services={services}
            timeZone={member?.timeZone ?? tenantZone}
            generation={generation}
          />
        ) : page === 'calendar' ? (
          <CalendarPage member={member!} connections={connections} reload={loadConnections} />
        ) : page === 'hours' ? (
          <HoursPage member={member!} />
        ) : page === 'team' ? (
          <TeamPage members={members} services={services} tenantTimeZone={tenantZone} reload={loadCatalog} />
        ) : (
          <ExplainPage members={members} services={services} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('root')!);

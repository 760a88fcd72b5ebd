import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Session } from '../types';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const { session } = await api<{ session: Session }>('POST', '/v1/session', {
        email: form.get('email'),
        password: form.get('password'),
      });
      onSignedIn(session);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'That email and password do not match an account.'
          : (failure as Error).message,
      );
      setBusy(false);
    }
  }

  return (
    <main class="narrow">
      <h1>CallDesk</h1>
      <p>Sign in to manage the calendar your AI receptionist books into.</p>
      <form onSubmit={submit} class="card">
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

// The sessions the caller may see, and ending one or all but this one (`auth.terminate_other_sessions`: with
// FULL_ADMIN every user's, else the caller's own).
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { SessionEntry } from "../api/generated";
import type { Session } from "../session";

/** The user a session belongs to. */
const who = (s: SessionEntry) => String((s.credentials_data as { username?: string }).username ?? "");

export function Sessions({ session }: { session: Session }) {
  const [sessions, setSessions] = useState<SessionEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () => session.client.call("auth.sessions").then((s) => setSessions(s as SessionEntry[])).catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);
  const end = async (id: string) => {
    try {
      await session.client.call("auth.terminate_session", id);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const endOthers = async () => {
    if (!window.confirm("End every session but this one?")) return;
    try {
      await session.client.call("auth.terminate_other_sessions");
      setNotice("Every other session was ended.");
      setError(null);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section aria-labelledby="sessions-title">
      <div class="toolbar">
        <h1 id="sessions-title">Sessions</h1>
        <button type="button" class="danger" onClick={endOthers}>End all other sessions</button>
      </div>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">User</th><th scope="col">Credentials</th><th scope="col">Origin</th><th scope="col">Since</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr data-user={who(s)} data-current={s.current ? "true" : undefined}>
              <td>{who(s)}</td>
              <td>{s.credentials}</td>
              <td>{s.origin}</td>
              <td>{new Date(s.created_at.$date).toLocaleString()}</td>
              <td>{s.current ? "this session" : <button type="button" class="small" onClick={() => end(s.id)} aria-label={`End the session of ${who(s)}`}>End</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

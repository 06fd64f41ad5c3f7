// One user's login activity (`user.activity.get_instance`): last login and its address, failures counting towards
// the lockout, the lock, sessions now. Kept live by `core.subscribe("user.activity.query")`.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { Result } from "../api/client";
import type { Session } from "../session";

type ActivityEntry = Result<"user.activity.get_instance">;

const when = (t: { $date: number } | null | undefined) => (t ? new Date(t.$date).toLocaleString() : "never");

export function Activity({ session, id, version }: { session: Session; id: number; version: number }) {
  const [activity, setActivity] = useState<ActivityEntry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [changes, setChanges] = useState(0);

  useEffect(() => {
    let current = true;
    session.client
      .call("user.activity.get_instance", id)
      .then((a) => current && (setActivity(a), setError(null)))
      .catch((e) => current && setError(errorText(e)));
    return () => {
      current = false;
    };
  }, [id, version, changes]);

  useEffect(() => {
    let subscription: string | null = null;
    let closed = false;
    const stop = session.client.onUpdate((u) => {
      if (u.collection === "user.activity.query" && u.id === id) setChanges((n) => n + 1);
    });
    session.client
      .call("core.subscribe", "user.activity.query")
      .then((sid) => {
        subscription = sid;
        if (closed) session.client.call("core.unsubscribe", sid).catch(() => undefined);
      })
      .catch(() => undefined);
    return () => {
      closed = true;
      stop();
      if (subscription) session.client.call("core.unsubscribe", subscription).catch(() => undefined);
    };
  }, [id]);

  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      {error && <p class="error banner" role="alert">{error}</p>}
      {activity && (
        <dl class="facts" data-testid="activity">
          <dt>Last login</dt>
          <dd>{when(activity.last_login)}{activity.last_login_ip ? ` from ${activity.last_login_ip}` : ""}</dd>
          <dt>Failed logins counted</dt>
          <dd data-testid="failed-logins">{activity.failed_login_attempts}</dd>
          <dt>Last failed login</dt>
          <dd>{when(activity.last_failed_login)}</dd>
          <dt>Locked out</dt>
          <dd data-testid="locked-out">{activity.locked_out ? `yes, until ${when(activity.lockout_until)}` : "no"}</dd>
          <dt>Sessions now</dt>
          <dd data-testid="sessions-now">{activity.concurrent_sessions}</dd>
          <dt>Password changed</dt>
          <dd>{when(activity.last_password_change)}</dd>
        </dl>
      )}
    </section>
  );
}

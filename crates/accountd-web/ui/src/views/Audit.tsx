// The audit log: filtered by user, event, time span and result by the service (`audit.query`), newest first.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { AuditEntry } from "../api/generated";
import type { Session } from "../session";

const EVENTS = ["", "AUTHENTICATION", "METHOD_CALL", "LOGOUT"];

export function Audit({ session }: { session: Session }) {
  const [username, setUsername] = useState("");
  const [event, setEvent] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [result, setResult] = useState("");
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const filters: unknown[][] = [];
    if (username.trim()) filters.push(["username", "=", username.trim()]);
    if (event) filters.push(["event", "=", event]);
    if (since) filters.push(["message_timestamp", ">=", Math.floor(new Date(since).getTime() / 1000)]);
    if (until) filters.push(["message_timestamp", "<=", Math.floor(new Date(until).getTime() / 1000)]);
    if (result) filters.push(["success", "=", result === "ok"]);
    let current = true;
    session.client
      .call("audit.query", { "query-filters": filters, "query-options": { limit: 100, order_by: ["-message_timestamp"] } })
      .then((e) => current && (setEntries(e as AuditEntry[]), setError(null)))
      .catch((e) => current && setError(errorText(e)));
    return () => {
      current = false;
    };
  }, [username, event, since, until, result]);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div class="inline-form">
        <div class="field">
          <label for="audit-user">User</label>
          <input id="audit-user" value={username} onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="audit-event">Event</label>
          <select id="audit-event" value={event} onChange={(e) => setEvent((e.currentTarget as HTMLSelectElement).value)}>
            {EVENTS.map((v) => (
              <option value={v}>{v || "any"}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-since">Since</label>
          <input id="audit-since" type="datetime-local" value={since} onInput={(e) => setSince((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="audit-until">Until</label>
          <input id="audit-until" type="datetime-local" value={until} onInput={(e) => setUntil((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="audit-result">Result</label>
          <select id="audit-result" value={result} onChange={(e) => setResult((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="failed">failed</option>
          </select>
        </div>
      </div>
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Address</th><th scope="col">Event</th><th scope="col">What</th><th scope="col">Result</th></tr>
        </thead>
        <tbody>
          {entries.map((a) => (
            <tr>
              <td>{new Date(a.timestamp.$date).toLocaleString()}</td>
              <td>{a.username}</td>
              <td>{a.address}</td>
              <td>{a.event}</td>
              <td>{String((a.event_data as { description?: string }).description ?? (a.event_data as { method?: string }).method ?? "")}</td>
              <td>{a.success ? "ok" : "failed"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

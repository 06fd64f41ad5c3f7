// The audit log: filtered by user, event, time span and result by the service (`audit.query`), newest first; the
// entries the filters select exported to a file on the service (`audit.export`); how long entries are kept
// (`audit.config` / `audit.update`).
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { AuditEntry } from "../api/generated";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import { numberOrNull } from "../components/rules";
import type { Session } from "../session";

type Format = "CSV" | "JSON" | "YAML";

/** Where a refused login keeps the username it tried. */
const TRIED = "event_data.credentials.credentials_data.username";

/** What an entry records: the call's description or method, or a refused login's reason. */
function what(a: AuditEntry): string {
  const d = a.event_data as { description?: string; method?: string; error?: string | null };
  return d.description ?? d.method ?? d.error ?? "";
}

/** The user of an entry: for a refused login, the name it tried. */
function who(a: AuditEntry): string {
  const tried = (a.event_data as { credentials?: { credentials_data?: { username?: string } } }).credentials?.credentials_data?.username;
  return a.username === ".UNAUTHENTICATED" && tried ? tried : (a.username ?? "");
}

/** The export of the entries the filters select, and the path of the file the service wrote. */
function Export({ session, filters }: { session: Session; filters: unknown[][] }) {
  const [format, setFormat] = useState<Format>("CSV");
  const [path, setPath] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    setPath(null);
    try {
      setPath(await session.client.call("audit.export", { services: ["MIDDLEWARE"], "query-filters": filters, export_format: format }));
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  return (
    <form class="inline-form" onSubmit={run}>
      <div class="field">
        <label for="audit-format">Export format</label>
        <select id="audit-format" value={format} onChange={(e) => setFormat((e.currentTarget as HTMLSelectElement).value as Format)}>
          <option value="CSV">CSV</option>
          <option value="JSON">JSON</option>
          <option value="YAML">YAML</option>
        </select>
      </div>
      <button type="submit">Export these entries</button>
      {path && <p class="notice" role="status">Written on the service to <code data-testid="audit-export-path">{path}</code></p>}
      {error && <p class="error banner" role="alert">{error}</p>}
    </form>
  );
}

/** Days entries are kept. */
function Retention({ session }: { session: Session }) {
  const [days, setDays] = useState<string | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    session.client.call("audit.config").then((c) => setDays(String(c.retention))).catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    if (days === null) return;
    setNotice(null);
    try {
      setDays(String((await session.client.call("audit.update", { retention: numberOrNull(days) })).retention));
      setErrors(null);
      setNotice("Retention saved.");
    } catch (failure) {
      setErrors(FormErrors.from(failure, ["retention"]));
    }
  };
  return (
    <section aria-labelledby="audit-retention-title">
      <h2 id="audit-retention-title">Retention</h2>
      {notice && <p class="notice" role="status">{notice}</p>}
      {days !== null && (
        <form class="inline-form" onSubmit={save} noValidate>
          <TextInput label="Keep entries for (days)" name="retention" inputMode="numeric" value={days} onValue={setDays} errors={errors ?? undefined} />
          <button type="submit">Save retention</button>
        </form>
      )}
      <GeneralError errors={errors} />
    </section>
  );
}

const EVENTS = ["", "AUTHENTICATION", "METHOD_CALL", "LOGOUT"];

export function Audit({ session }: { session: Session }) {
  const [username, setUsername] = useState("");
  const [event, setEvent] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [result, setResult] = useState("");
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const filters: unknown[][] = [];
  // A refused login is the unauthenticated session's: the name it tried is in its credentials.
  if (username.trim())
    filters.push(["OR", [["username", "=", username.trim()], [TRIED, "=", username.trim()]]]);
  if (event) filters.push(["event", "=", event]);
  if (since) filters.push(["message_timestamp", ">=", Math.floor(new Date(since).getTime() / 1000)]);
  if (until) filters.push(["message_timestamp", "<=", Math.floor(new Date(until).getTime() / 1000)]);
  if (result) filters.push(["success", "=", result === "ok"]);
  useEffect(() => {
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
      <Export session={session} filters={filters} />
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list" data-testid="audit-entries">
        <thead>
          <tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Address</th><th scope="col">Event</th><th scope="col">What</th><th scope="col">Result</th></tr>
        </thead>
        <tbody>
          {entries.map((a) => (
            <tr data-event={a.event} data-user={who(a)}>
              <td>{new Date(a.timestamp.$date).toLocaleString()}</td>
              <td>{who(a)}</td>
              <td>{a.address}</td>
              <td>{a.event}</td>
              <td>{what(a)}</td>
              <td>{a.success ? "ok" : "failed"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Retention session={session} />
    </section>
  );
}

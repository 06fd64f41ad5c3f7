// API keys: the list, create with an optional expiry (the key is shown once, with a copy button), a new key in
// place of one (`api_key.update` with `reset`, shown once too) and revoke.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { ApiKeyEntry } from "../api/generated";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

export function ApiKeys({ session }: { session: Session }) {
  const [keys, setKeys] = useState<ApiKeyEntry[]>([]);
  const [name, setName] = useState("");
  const [username, setUsername] = useState(session.me?.pw_name ?? "");
  /** `datetime-local` text; empty: never expires. */
  const [expires, setExpires] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => session.client.call("api_key.query").then((k) => setKeys(k as ApiKeyEntry[])).catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const expires_at = expires ? { $date: new Date(expires).getTime() } : null;
      const created = await session.client.call("api_key.create", { name, username, expires_at });
      setShown(created.key);
      setCopied(false);
      setName("");
      setExpires("");
      setErrors(null);
      await load();
    } catch (err) {
      setErrors(FormErrors.from(err, ["name", "username", "expires_at"]));
    }
  };
  const revoke = async (k: ApiKeyEntry) => {
    if (!window.confirm(`Revoke the key ${k.name}?`)) return;
    try {
      await session.client.call("api_key.delete", k.id);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const renew = async (k: ApiKeyEntry) => {
    if (!window.confirm(`Replace the key ${k.name} with a new one? The current key stops working.`)) return;
    try {
      const renewed = await session.client.call("api_key.update", k.id, { reset: true });
      setShown(renewed.key ?? null);
      setCopied(false);
      setError(null);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const copy = async () => {
    if (!shown) return;
    await navigator.clipboard.writeText(shown);
    setCopied(true);
  };
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <form class="inline-form" onSubmit={create}>
        <TextInput label="Key name" name="name" value={name} onValue={setName} errors={errors ?? undefined} required />
        <TextInput label="For user" name="username" value={username} onValue={setUsername} errors={errors ?? undefined} required />
        <TextInput label="Expires" name="expires_at" type="datetime-local" value={expires} onValue={setExpires} errors={errors ?? undefined} hint="Empty: never." />
        <button type="submit">Create key</button>
        <GeneralError errors={errors} />
      </form>
      {shown && (
        <div class="notice" role="status">
          <p>Copy the key now: it is not shown again.</p>
          <code class="secret" data-testid="new-key">{shown}</code>{" "}
          <button type="button" class="small" onClick={copy}>{copied ? "Copied" : "Copy"}</button>{" "}
          <button type="button" class="small" onClick={() => setShown(null)}>Done</button>
        </div>
      )}
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">User</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr data-key={k.name}>
              <td>{k.name}</td>
              <td>{k.username ?? ""}</td>
              <td>{new Date(k.created_at.$date).toLocaleString()}</td>
              <td>{k.expires_at ? new Date(k.expires_at.$date).toLocaleString() : "never"}</td>
              <td>{k.revoked ? `revoked${k.revoked_reason ? `: ${k.revoked_reason}` : ""}` : "active"}</td>
              <td>
                <div class="row-actions">
                  <button type="button" class="small" onClick={() => renew(k)} aria-label={`New key for ${k.name}`}>New key</button>
                  <button type="button" class="danger small" onClick={() => revoke(k)} aria-label={`Revoke ${k.name}`}>Revoke</button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// Account profiles: the lockout, session cap, password rules and expiry their users get. The builtin ones can be
// changed but not renamed or deleted.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { AccountProfileEntry, PasswordCharClass } from "../api/generated";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import { CharClasses, numberOrNull, textOf } from "../components/rules";
import type { Session } from "../session";

const FIELDS = [
  "name", "lockout_max_auth_failures", "lockout_evaluation_period", "lockout_period", "max_concurrent_sessions",
  "password_expiration_days", "min_password_age", "password_history_length", "min_password_length",
  "password_complexity_ruleset", "check_common_passwords", "expired_password_action",
] as const;

interface Draft {
  name: string;
  lockout_max_auth_failures: string;
  lockout_evaluation_period: string;
  lockout_period: string;
  max_concurrent_sessions: string;
  password_expiration_days: string;
  min_password_age: string;
  password_history_length: string;
  min_password_length: string;
  password_complexity_ruleset: PasswordCharClass[];
  check_common_passwords: boolean;
  expired_password_action: "RESTRICT" | "DENY";
}

function draftOf(p: AccountProfileEntry | null): Draft {
  return {
    name: p?.name ?? "",
    lockout_max_auth_failures: textOf(p?.lockout_max_auth_failures ?? 10),
    lockout_evaluation_period: textOf(p?.lockout_evaluation_period ?? 900),
    lockout_period: textOf(p?.lockout_period ?? 900),
    max_concurrent_sessions: textOf(p?.max_concurrent_sessions ?? 0),
    password_expiration_days: textOf(p?.password_expiration_days),
    min_password_age: textOf(p?.min_password_age),
    password_history_length: textOf(p?.password_history_length),
    min_password_length: textOf(p?.min_password_length),
    password_complexity_ruleset: p?.password_complexity_ruleset ?? [],
    check_common_passwords: p?.check_common_passwords ?? false,
    expired_password_action: p?.expired_password_action ?? "RESTRICT",
  };
}

/** What the form sends (the name only when it may change). */
function payload(d: Draft, withName: boolean) {
  const required = (t: string) => numberOrNull(t) ?? (t as unknown as number);
  return {
    ...(withName ? { name: d.name } : {}),
    lockout_max_auth_failures: required(d.lockout_max_auth_failures),
    lockout_evaluation_period: required(d.lockout_evaluation_period),
    lockout_period: required(d.lockout_period),
    max_concurrent_sessions: required(d.max_concurrent_sessions),
    password_expiration_days: numberOrNull(d.password_expiration_days),
    min_password_age: numberOrNull(d.min_password_age),
    password_history_length: numberOrNull(d.password_history_length),
    min_password_length: numberOrNull(d.min_password_length),
    password_complexity_ruleset: d.password_complexity_ruleset.length ? d.password_complexity_ruleset : null,
    check_common_passwords: d.check_common_passwords,
    expired_password_action: d.expired_password_action,
  };
}

export function Profiles({ session }: { session: Session }) {
  const [profiles, setProfiles] = useState<AccountProfileEntry[]>([]);
  const [editing, setEditing] = useState<AccountProfileEntry | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () =>
    session.client
      .call("account_profile.query", [], { order_by: ["id"] })
      .then((p) => setProfiles(p as AccountProfileEntry[]))
      .catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);

  const open = (p: AccountProfileEntry | "new") => {
    setEditing(p);
    setDraft(draftOf(p === "new" ? null : p));
    setErrors(null);
    setNotice(null);
  };
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const err = errors ?? undefined;

  const save = async (e: Event) => {
    e.preventDefault();
    if (editing === null) return;
    try {
      if (editing === "new") {
        const created = await session.client.call("account_profile.create", { ...payload(draft, true), name: draft.name });
        setNotice(`Profile ${created.name} created.`);
      } else {
        const updated = await session.client.call("account_profile.update", editing.id, payload(draft, !editing.builtin));
        setNotice(`Profile ${updated.name} saved.`);
      }
      setErrors(null);
      setEditing(null);
      await load();
    } catch (err2) {
      setErrors(FormErrors.from(err2, FIELDS));
    }
  };

  const remove = async (p: AccountProfileEntry) => {
    if (!window.confirm(`Delete the profile ${p.name}?`)) return;
    try {
      await session.client.call("account_profile.delete", p.id);
      setError(null);
      setNotice(`Profile ${p.name} deleted.`);
      await load();
    } catch (err2) {
      setError(errorText(err2));
    }
  };

  const builtin = editing !== null && editing !== "new" && editing.builtin;
  return (
    <section aria-labelledby="profiles-title">
      <div class="toolbar">
        <h1 id="profiles-title">Account profiles</h1>
        <button type="button" onClick={() => open("new")}>Create profile</button>
      </div>
      <p>A user's profile sets the lockout after failed logins, how many sessions they may hold and the password rules and expiry.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Lockout</th><th scope="col">Sessions</th><th scope="col">Password</th>
            <th scope="col">Expiry</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => (
            <tr data-profile={p.name}>
              <td>{p.name}{p.builtin ? " (builtin)" : ""}</td>
              <td>{p.lockout_max_auth_failures === 0 ? "never" : `${p.lockout_max_auth_failures} failures → ${p.lockout_period} s`}</td>
              <td>{p.max_concurrent_sessions === 0 ? "unlimited" : p.max_concurrent_sessions}</td>
              <td>
                {[
                  p.min_password_length ? `at least ${p.min_password_length}` : null,
                  p.password_complexity_ruleset?.length ? p.password_complexity_ruleset.join("+") : null,
                  p.check_common_passwords ? "not common" : null,
                  p.password_history_length ? `not the last ${p.password_history_length}` : null,
                ].filter(Boolean).join(", ") || "any"}
              </td>
              <td>{p.password_expiration_days ? `${p.password_expiration_days} days, ${p.expired_password_action}` : "never"}</td>
              <td>
                <div class="row-actions">
                <button type="button" class="small" onClick={() => open(p)} aria-label={`Edit ${p.name}`}>Edit</button>
                {!p.builtin && (
                  <button type="button" class="small danger" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>Delete</button>
                )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing !== null && (
        <form onSubmit={save} class="grid" noValidate aria-labelledby="profile-form-title">
          <h2 id="profile-form-title" class="wide">{editing === "new" ? "New profile" : `Profile ${editing.name}`}</h2>
          <TextInput label="Name" name="name" value={draft.name} onValue={set("name")} errors={err} disabled={builtin} hint={builtin ? "Builtin profiles keep their names." : undefined} required />
          <TextInput label="Failed logins that lock (0 never)" name="lockout_max_auth_failures" inputMode="numeric" value={draft.lockout_max_auth_failures} onValue={set("lockout_max_auth_failures")} errors={err} />
          <TextInput label="Counted within (seconds)" name="lockout_evaluation_period" inputMode="numeric" value={draft.lockout_evaluation_period} onValue={set("lockout_evaluation_period")} errors={err} />
          <TextInput label="Locked for (seconds)" name="lockout_period" inputMode="numeric" value={draft.lockout_period} onValue={set("lockout_period")} errors={err} />
          <TextInput label="Sessions per user (0 unlimited)" name="max_concurrent_sessions" inputMode="numeric" value={draft.max_concurrent_sessions} onValue={set("max_concurrent_sessions")} errors={err} />
          <TextInput label="Password expires after (days)" name="password_expiration_days" inputMode="numeric" value={draft.password_expiration_days} onValue={set("password_expiration_days")} errors={err} hint="Empty: never." />
          <div class="field">
            <label for="profile-expired-action">When a password has expired</label>
            <select id="profile-expired-action" value={draft.expired_password_action} onChange={(e) => set("expired_password_action")((e.currentTarget as HTMLSelectElement).value as "RESTRICT" | "DENY")}>
              <option value="RESTRICT">Let the user in to change it</option>
              <option value="DENY">Refuse the login</option>
            </select>
          </div>
          <TextInput label="Minimum password age (days)" name="min_password_age" inputMode="numeric" value={draft.min_password_age} onValue={set("min_password_age")} errors={err} hint="Empty: any time." />
          <TextInput label="Minimum password length" name="min_password_length" inputMode="numeric" value={draft.min_password_length} onValue={set("min_password_length")} errors={err} hint="Empty: no minimum." />
          <TextInput label="Passwords remembered" name="password_history_length" inputMode="numeric" value={draft.password_history_length} onValue={set("password_history_length")} errors={err} hint="Empty: no check." />
          <CharClasses name="password_complexity_ruleset" value={draft.password_complexity_ruleset} onValue={set("password_complexity_ruleset")} errors={err} />
          <Checkbox label="Refuse common passwords" name="check_common_passwords" checked={draft.check_common_passwords} onValue={set("check_common_passwords")} errors={err} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">{editing === "new" ? "Create" : "Save"}</button>
            <button type="button" onClick={() => setEditing(null)}>Cancel</button>
          </div>
        </form>
      )}
    </section>
  );
}

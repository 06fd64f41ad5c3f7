// Service settings an administrator changes here: two-factor login for everyone, and the password rules of
// `system.security` (TrueNAS's names for the rules of the `Default` account profile).
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { PasswordCharClass } from "../api/generated";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import { CharClasses, numberOrNull, textOf } from "../components/rules";
import type { Session } from "../session";

const SECURITY_FIELDS = [
  "min_password_age", "max_password_age", "password_complexity_ruleset", "min_password_length", "password_history_length",
] as const;

interface SecurityDraft {
  min_password_age: string;
  max_password_age: string;
  password_complexity_ruleset: PasswordCharClass[];
  min_password_length: string;
  password_history_length: string;
}

function PasswordRules({ session }: { session: Session }) {
  const [draft, setDraft] = useState<SecurityDraft | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const show = (c: {
    min_password_age?: number | null;
    max_password_age?: number | null;
    password_complexity_ruleset?: PasswordCharClass[] | null;
    min_password_length?: number | null;
    password_history_length?: number | null;
  }) =>
    setDraft({
      min_password_age: textOf(c.min_password_age),
      max_password_age: textOf(c.max_password_age),
      password_complexity_ruleset: c.password_complexity_ruleset ?? [],
      min_password_length: textOf(c.min_password_length),
      password_history_length: textOf(c.password_history_length),
    });
  useEffect(() => {
    session.client
      .call("system.security.config")
      .then(show)
      .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const set = <K extends keyof SecurityDraft>(key: K) => (value: SecurityDraft[K]) => setDraft((d) => (d ? { ...d, [key]: value } : d));
  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setNotice(null);
    try {
      const saved = await session.client.call("system.security.update", {
        min_password_age: numberOrNull(draft.min_password_age),
        max_password_age: numberOrNull(draft.max_password_age),
        password_complexity_ruleset: draft.password_complexity_ruleset.length ? draft.password_complexity_ruleset : null,
        min_password_length: numberOrNull(draft.min_password_length),
        password_history_length: numberOrNull(draft.password_history_length),
      });
      show(saved);
      setErrors(null);
      setNotice("Password rules saved.");
    } catch (err) {
      setErrors(FormErrors.from(err, SECURITY_FIELDS));
    }
  };
  const err = errors ?? undefined;
  return (
    <section aria-labelledby="security-title">
      <h2 id="security-title">Password rules</h2>
      <p>The rules of the Default account profile (TrueNAS's system security settings); other profiles have their own.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {draft && (
        <form onSubmit={save} class="grid" noValidate>
          <TextInput label="Minimum length" name="min_password_length" inputMode="numeric" value={draft.min_password_length} onValue={set("min_password_length")} errors={err} hint="Empty: no minimum." />
          <TextInput label="Expires after (days)" name="max_password_age" inputMode="numeric" value={draft.max_password_age} onValue={set("max_password_age")} errors={err} hint="Empty: never." />
          <TextInput label="Minimum age (days)" name="min_password_age" inputMode="numeric" value={draft.min_password_age} onValue={set("min_password_age")} errors={err} hint="Empty: any time." />
          <TextInput label="Previous passwords refused" name="password_history_length" inputMode="numeric" value={draft.password_history_length} onValue={set("password_history_length")} errors={err} hint="Empty: no check." />
          <CharClasses name="password_complexity_ruleset" value={draft.password_complexity_ruleset} onValue={set("password_complexity_ruleset")} errors={err} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">Save password rules</button>
          </div>
        </form>
      )}
      {!draft && <GeneralError errors={errors} />}
    </section>
  );
}

export function Settings({ session }: { session: Session }) {
  const [enabled, setEnabled] = useState(false);
  const [window_, setWindow] = useState("0");
  // The form shows once the current values are in: a box ticked before they arrive would be overwritten.
  const [loaded, setLoaded] = useState(false);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    session.client
      .call("auth.twofactor.config")
      .then((c) => {
        setEnabled(c.enabled);
        setWindow(String(c.window));
        setLoaded(true);
      })
      .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await session.client.call("auth.twofactor.update", { enabled, window: Number(window_) });
      setErrors(null);
      setNotice("Saved.");
    } catch (err) {
      setErrors(FormErrors.from(err, ["enabled", "window"]));
    }
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <h2>Two-factor login</h2>
      {notice && <p class="notice" role="status">{notice}</p>}
      {!loaded && <GeneralError errors={errors} />}
      {loaded && (
        <form onSubmit={save}>
          <Checkbox label="Ask users with a two-factor secret for a code at login" name="enabled" checked={enabled} onValue={setEnabled} errors={errors ?? undefined} />
          <TextInput label="Accepted time steps either side" name="window" inputMode="numeric" value={window_} onValue={setWindow} errors={errors ?? undefined} />
          <GeneralError errors={errors} />
          <button type="submit">Save</button>
        </form>
      )}
      <PasswordRules session={session} />
    </section>
  );
}

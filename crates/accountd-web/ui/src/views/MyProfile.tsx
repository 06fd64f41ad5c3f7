// My account's own details through `user.account.config` / `user.account.update`: full name, email, locale and time
// zone. A new email (the reset channel) needs the current password.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { Result } from "../api/client";
import { ChoiceSelect, useProfileChoices } from "../components/choices";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

type Account = Result<"user.account.config">;

const FIELDS = ["full_name", "email", "locale", "timezone", "old_password"] as const;

interface Draft {
  full_name: string;
  email: string;
  locale: string;
  timezone: string;
  old_password: string;
}

const draftOf = (a: Account): Draft => ({
  full_name: a.full_name,
  email: a.email ?? "",
  locale: a.locale ?? "",
  timezone: a.timezone ?? "",
  old_password: "",
});

export function MyProfile({ session }: { session: Session }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { locales, timezones } = useProfileChoices(session);
  const show = (a: Account) => {
    setAccount(a);
    setDraft(draftOf(a));
  };
  useEffect(() => {
    session.client
      .call("user.account.config")
      .then(show)
      .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => (d ? { ...d, [key]: value } : d));
  if (!account || !draft) return <GeneralError errors={errors} />;

  const emailChanged = draft.email.trim() !== (account.email ?? "");
  const save = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    try {
      show(
        await session.client.call("user.account.update", {
          full_name: draft.full_name,
          locale: draft.locale || null,
          timezone: draft.timezone || null,
          // Only a changed email is sent: it is the one field here that needs the current password.
          ...(emailChanged ? { email: draft.email.trim() || null, old_password: draft.old_password } : {}),
        }),
      );
      setErrors(null);
      setNotice("Your details are saved.");
    } catch (failure) {
      setErrors(FormErrors.from(failure, FIELDS));
    }
  };
  const err = errors ?? undefined;
  return (
    <section aria-labelledby="my-details-title">
      <h2 id="my-details-title">My details</h2>
      <dl class="facts">
        <dt>Roles</dt><dd>{account.roles.length ? account.roles.join(", ") : "none"}</dd>
        <dt>Password age</dt><dd>{account.password_age === null || account.password_age === undefined ? "unknown" : `${account.password_age} days`}</dd>
      </dl>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={save} class="grid" noValidate>
        <TextInput label="Full name" name="full_name" value={draft.full_name} onValue={set("full_name")} errors={err} />
        <TextInput label="Email" name="email" type="email" value={draft.email} onValue={set("email")} errors={err} hint="Where password reset links go." />
        <ChoiceSelect label="Locale" name="locale" value={draft.locale} onValue={set("locale")} choices={locales} errors={err} none="(not set)" />
        <ChoiceSelect label="Time zone" name="timezone" value={draft.timezone} onValue={set("timezone")} choices={timezones} errors={err} none="(not set)" />
        {emailChanged && (
          <TextInput
            label="Your password, to confirm the new email"
            name="old_password"
            type="password"
            autocomplete="current-password"
            value={draft.old_password}
            onValue={set("old_password")}
            errors={err}
          />
        )}
        <GeneralError errors={errors} />
        <div class="actions wide">
          <button type="submit">Save my details</button>
        </div>
      </form>
    </section>
  );
}

// Mail: the outgoing mail settings (`mail.config` / `mail.update`, TrueNAS's names), a test mail through
// `mail.send` with the settings as typed, and password reset by email (`auth.password_reset.*`), which needs them.
// The SMTP password is never shown: the service answers it as null; an empty field keeps the stored one.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { MailSecurity, MailUpdate } from "../api/generated";
import { Checkbox, Field, FormErrors, GeneralError, TextInput } from "../components/forms";
import { numberOrNull, textOf } from "../components/rules";
import type { Session } from "../session";

const FIELDS = ["fromemail", "fromname", "outgoingserver", "port", "security", "smtp", "user", "pass"] as const;

const SECURITY: [MailSecurity, string][] = [
  ["PLAIN", "None (plain SMTP)"],
  ["SSL", "SSL/TLS from the start (usually port 465)"],
  ["TLS", "STARTTLS (usually port 587)"],
];

interface Draft {
  fromemail: string;
  fromname: string;
  outgoingserver: string;
  port: string;
  security: MailSecurity;
  smtp: boolean;
  user: string;
  /** A new password; empty keeps the stored one. */
  pass: string;
  /** Remove the stored password. */
  clearPass: boolean;
}

/** The update the form stands for: every field, the password only when typed or cleared. */
function updateOf(d: Draft): MailUpdate {
  const update: MailUpdate = {
    fromemail: d.fromemail.trim(),
    fromname: d.fromname,
    outgoingserver: d.outgoingserver.trim(),
    port: numberOrNull(d.port),
    security: d.security,
    smtp: d.smtp,
    user: d.user === "" ? null : d.user,
  };
  if (d.clearPass) update.pass = null;
  else if (d.pass !== "") update.pass = d.pass;
  return update;
}

function MailSettings({ session }: { session: Session }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [to, setTo] = useState("");
  const [testErrors, setTestErrors] = useState<FormErrors | null>(null);
  const [testResult, setTestResult] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const show = (c: { fromemail: string; fromname: string; outgoingserver: string; port: number; security: MailSecurity; smtp: boolean; user?: string | null }) =>
    setDraft({
      fromemail: c.fromemail,
      fromname: c.fromname,
      outgoingserver: c.outgoingserver,
      port: textOf(c.port),
      security: c.security,
      smtp: c.smtp,
      user: c.user ?? "",
      pass: "",
      clearPass: false,
    });
  useEffect(() => {
    session.client
      .call("mail.config")
      .then(show)
      .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => (d ? { ...d, [key]: value } : d));
  const err = errors ?? undefined;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setNotice(null);
    try {
      show(await session.client.call("mail.update", updateOf(draft)));
      setErrors(null);
      setNotice("Mail settings saved.");
    } catch (failure) {
      setErrors(FormErrors.from(failure, FIELDS));
    }
  };

  // The test uses the settings as typed (saved or not), like TrueNAS's "Send Test Mail".
  const sendTest = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setTestResult(null);
    setTestErrors(null);
    setErrors(null);
    setSending(true);
    try {
      await session.client.call(
        "mail.send",
        {
          subject: "Test message from accountd",
          text: "This test message was sent from the accountd web page to check the outgoing mail settings.",
          to: [to.trim()],
        },
        updateOf(draft),
      );
      setTestResult(`Test mail sent to ${to.trim()}.`);
    } catch (failure) {
      // Errors of the settings (`config.port`) show on their fields above; the address's on its own.
      const onSettings = FormErrors.from(failure, FIELDS);
      if (onSettings.byField.size > 0) setErrors(new FormErrors(onSettings.byField, null));
      const onTest = FormErrors.from(failure, ["to"]);
      setTestErrors(
        new FormErrors(onTest.byField, onSettings.byField.size > 0 && onTest.byField.size === 0 ? "The settings above have errors." : onTest.general),
      );
    } finally {
      setSending(false);
    }
  };

  if (!draft) return <GeneralError errors={errors} />;
  return (
    <>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={save} class="grid" noValidate aria-labelledby="mail-form-title">
        <h2 id="mail-form-title" class="wide">Outgoing mail</h2>
        <TextInput label="From address" name="fromemail" type="email" autocomplete="off" value={draft.fromemail} onValue={set("fromemail")} errors={err} hint="Empty: mail is off." />
        <TextInput label="From name" name="fromname" value={draft.fromname} onValue={set("fromname")} errors={err} />
        <TextInput label="Outgoing mail server" name="outgoingserver" value={draft.outgoingserver} onValue={set("outgoingserver")} errors={err} hint="Host name or IP address; empty: mail is off." />
        <TextInput label="Mail server port" name="port" inputMode="numeric" value={draft.port} onValue={set("port")} errors={err} />
        <Field label="Security" name="security" errors={err}>
          {(id, describedBy) => (
            <select id={id} name="security" aria-describedby={describedBy} value={draft.security} onChange={(e) => set("security")((e.currentTarget as HTMLSelectElement).value as MailSecurity)}>
              {SECURITY.map(([value, label]) => (
                <option value={value}>{label}</option>
              ))}
            </select>
          )}
        </Field>
        <Checkbox label="SMTP authentication" name="smtp" checked={draft.smtp} onValue={set("smtp")} errors={err} />
        <TextInput label="SMTP user" name="user" autocomplete="off" value={draft.user} onValue={set("user")} errors={err} />
        <TextInput
          label="SMTP password"
          name="pass"
          type="password"
          autocomplete="new-password"
          value={draft.pass}
          onValue={set("pass")}
          errors={err}
          disabled={draft.clearPass}
          hint="Never shown; leave empty to keep the stored password."
        />
        <Checkbox label="Remove the stored SMTP password" name="clear_pass" checked={draft.clearPass} onValue={set("clearPass")} />
        <GeneralError errors={errors} />
        <div class="actions wide">
          <button type="submit">Save mail settings</button>
        </div>
      </form>
      <h2 id="mail-test-title">Send a test mail</h2>
      <p>Sends a short message with the settings as they are in the form above, saved or not.</p>
      <form onSubmit={sendTest} class="inline-form" noValidate aria-labelledby="mail-test-title">
        <TextInput label="Send the test mail to" name="to" type="email" value={to} onValue={setTo} errors={testErrors ?? undefined} required />
        <button type="submit" disabled={sending}>{sending ? "Sending…" : "Send test mail"}</button>
      </form>
      {testResult && <p class="notice" role="status" data-testid="mail-test-result">{testResult}</p>}
      {testErrors?.general && (
        <p class="error banner" role="alert" data-testid="mail-test-result">
          The test mail was not sent: {testErrors.general}
        </p>
      )}
    </>
  );
}

const RESET_FIELDS = ["enabled", "token_ttl", "url_template", "allow_unprivileged_self_service"] as const;

interface ResetDraft {
  enabled: boolean;
  token_ttl: string;
  url_template: string;
  allow_unprivileged_self_service: boolean;
}

function PasswordReset({ session }: { session: Session }) {
  const [draft, setDraft] = useState<ResetDraft | null>(null);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const show = (c: { enabled: boolean; token_ttl: number; url_template?: string | null; allow_unprivileged_self_service: boolean }) =>
    setDraft({
      enabled: c.enabled,
      token_ttl: textOf(c.token_ttl),
      url_template: c.url_template ?? "",
      allow_unprivileged_self_service: c.allow_unprivileged_self_service,
    });
  useEffect(() => {
    session.client
      .call("auth.password_reset.config")
      .then(show)
      .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
  }, []);
  const set = <K extends keyof ResetDraft>(key: K) => (value: ResetDraft[K]) => setDraft((d) => (d ? { ...d, [key]: value } : d));
  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setNotice(null);
    try {
      show(
        await session.client.call("auth.password_reset.update", {
          enabled: draft.enabled,
          token_ttl: numberOrNull(draft.token_ttl),
          url_template: draft.url_template.trim() === "" ? null : draft.url_template.trim(),
          allow_unprivileged_self_service: draft.allow_unprivileged_self_service,
        }),
      );
      setErrors(null);
      setNotice("Password reset settings saved.");
    } catch (failure) {
      setErrors(FormErrors.from(failure, RESET_FIELDS));
    }
  };
  const err = errors ?? undefined;
  return (
    <section aria-labelledby="reset-settings-title">
      <h2 id="reset-settings-title">Password reset by email</h2>
      {notice && <p class="notice" role="status">{notice}</p>}
      {!draft && <GeneralError errors={errors} />}
      {draft && (
        <form onSubmit={save} class="grid" noValidate>
          <Checkbox label="Offer “Forgot your password?” on the login page" name="enabled" checked={draft.enabled} onValue={set("enabled")} errors={err} />
          <TextInput label="A reset link is valid for (seconds)" name="token_ttl" inputMode="numeric" value={draft.token_ttl} onValue={set("token_ttl")} errors={err} />
          <TextInput label="Reset link" name="url_template" value={draft.url_template} onValue={set("url_template")} errors={err} hint="An http(s) link containing {token}; empty: this page's own reset page." />
          <Checkbox label="Users without a privilege may log in to their own account" name="allow_unprivileged_self_service" checked={draft.allow_unprivileged_self_service} onValue={set("allow_unprivileged_self_service")} errors={err} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">Save password reset settings</button>
          </div>
        </form>
      )}
    </section>
  );
}

export function Mail({ session }: { session: Session }) {
  return (
    <section aria-labelledby="mail-title">
      <h1 id="mail-title">Mail</h1>
      <MailSettings session={session} />
      <PasswordReset session={session} />
    </section>
  );
}

// Password reset by email: the page a mailed link opens (`/ui/reset?token=...`), and the request form behind
// "Forgot your password?" on the login page.
import { useState } from "preact/hooks";
import { Client, RpcError, errorText } from "../api/client";
import { FormErrors, GeneralError, TextInput } from "../components/forms";

/** True when the page was opened at its reset address. */
export function isResetPage(location: Location): boolean {
  return /\/ui\/reset\/?$/.test(location.pathname);
}

/** Reads the token of the link once and takes it out of the address bar and the history. */
function takeToken(): string {
  const token = new URLSearchParams(window.location.search).get("token") ?? "";
  if (token) window.history.replaceState(null, "", window.location.pathname);
  return token;
}

export function ResetPassword() {
  const [client] = useState(() => new Client(Client.urlForPage(window.location)));
  const [token] = useState(takeToken);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (password !== confirm) {
      setErrors(new FormErrors(new Map([["confirm", "The passwords do not match."]])));
      return;
    }
    setBusy(true);
    try {
      await client.call("auth.password_reset.complete", { token, new_password: password });
      setDone(true);
    } catch (err) {
      setErrors(FormErrors.from(err, ["new_password"]));
    } finally {
      setBusy(false);
    }
  };
  if (!token)
    return (
      <main class="card narrow">
        <h1>Reset your password</h1>
        <p class="error banner" role="alert">This page needs the link from the password reset mail.</p>
        <p><a href="/ui/">Go to the login page</a></p>
      </main>
    );
  if (done)
    return (
      <main class="card narrow">
        <h1>Password changed</h1>
        <p role="status">Your new password is set. Every session of your account was ended: log in again.</p>
        <p><a href="/ui/">Log in</a></p>
      </main>
    );
  return (
    <main class="card narrow">
      <h1>Reset your password</h1>
      <p>Choose a new password for your account. The link works once.</p>
      <form onSubmit={submit}>
        <TextInput label="New password" name="new_password" type="password" autocomplete="new-password" value={password} onValue={setPassword} errors={errors ?? undefined} required />
        <TextInput label="Repeat the new password" name="confirm" type="password" autocomplete="new-password" value={confirm} onValue={setConfirm} errors={errors ?? undefined} required />
        <GeneralError errors={errors} />
        <button type="submit" disabled={busy}>Set the new password</button>
      </form>
    </main>
  );
}

export function ForgotPassword({ client, onBack }: { client: Client; onBack: () => void }) {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await client.call("auth.password_reset.request", { email });
      setSent(true);
    } catch (err) {
      setMessage(err instanceof RpcError && err.errname === "EOPNOTSUPP" ? "Password reset by email is not available here: ask an administrator." : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  if (sent)
    return (
      <div>
        <p role="status">If an account has this address, a link to reset its password is on its way. It works once.</p>
        <button type="button" class="link" onClick={onBack}>Back to the login</button>
      </div>
    );
  return (
    <form onSubmit={submit}>
      <p>Enter the email address of your account: a link to set a new password will be sent to it.</p>
      <TextInput label="Email" name="email" type="email" autocomplete="email" value={email} onValue={setEmail} required />
      {message && <p class="error banner" role="alert">{message}</p>}
      <button type="submit" disabled={busy}>Send the link</button>{" "}
      <button type="button" class="link" onClick={onBack}>Back to the login</button>
    </form>
  );
}

// First boot (set up the local administrator), password login, the one-time-code step, the way to a reset
// link for a forgotten password; a password that must be changed first hands over to the change-password form.
import { useState } from "preact/hooks";
import { errorText } from "../api/client";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Me, Session } from "../session";
import { ForgotPassword } from "./Reset";

export function Setup({ session, onDone }: { session: Session; onDone: () => void }) {
  const [username, setUsername] = useState<"truenas_admin" | "root">("truenas_admin");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (password !== confirm) {
      setErrors(new FormErrors(new Map([["confirm", "The passwords do not match."]])));
      return;
    }
    try {
      await session.client.call("user.setup_local_administrator", username, password);
      onDone();
    } catch (err) {
      setErrors(FormErrors.from(err, ["username", "password"]));
    }
  };
  return (
    <main class="card narrow">
      <h1>Set up the administrator</h1>
      <p>This service has no administrator yet. Choose the name and the password of the local administrator.</p>
      <form onSubmit={submit}>
        <div class="field">
          <label for="setup-username">Administrator name</label>
          <select
            id="setup-username"
            value={username}
            onChange={(e) => setUsername((e.currentTarget as HTMLSelectElement).value as "truenas_admin" | "root")}
          >
            <option value="truenas_admin">truenas_admin</option>
            <option value="root">root</option>
          </select>
        </div>
        <TextInput label="Password" name="password" type="password" autocomplete="new-password" value={password} onValue={setPassword} errors={errors ?? undefined} required />
        <TextInput label="Repeat the password" name="confirm" type="password" autocomplete="new-password" value={confirm} onValue={setConfirm} errors={errors ?? undefined} required />
        <GeneralError errors={errors} />
        <button type="submit">Set up</button>
      </form>
    </main>
  );
}

export function Login({ session, onLoggedIn, onMustChange }: { session: Session; onLoggedIn: (me: Me) => void; onMustChange: (me: Me) => void }) {
  const [step, setStep] = useState<"password" | "otp" | "forgot">("password");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (attempt: () => ReturnType<Session["loginPassword"]>) => {
    setBusy(true);
    setMessage(null);
    try {
      const result = await attempt();
      if (result.kind === "done") onLoggedIn(result.me);
      else if (result.kind === "change") onMustChange(result.me);
      else if (result.kind === "otp") setStep("otp");
      else {
        setMessage(result.message);
        setStep("password");
      }
    } catch (err) {
      setMessage(errorText(err));
    } finally {
      setBusy(false);
      setPassword("");
      setOtp("");
    }
  };
  return (
    <main class="card narrow">
      <h1>accountd</h1>
      {step === "forgot" ? (
        <ForgotPassword client={session.client} onBack={() => setStep("password")} />
      ) : step === "password" ? (
        <form onSubmit={(e) => (e.preventDefault(), run(() => session.loginPassword(username, password)))}>
          <TextInput label="Username" name="username" autocomplete="username" value={username} onValue={setUsername} required />
          <TextInput label="Password" name="password" type="password" autocomplete="current-password" value={password} onValue={setPassword} required />
          {message && <p class="error banner" role="alert">{message}</p>}
          <button type="submit" disabled={busy}>Log in</button>{" "}
          <button type="button" class="link" onClick={() => (setMessage(null), setStep("forgot"))}>Forgot your password?</button>
        </form>
      ) : (
        <form onSubmit={(e) => (e.preventDefault(), run(() => session.loginOtp(otp)))}>
          <p>Enter the code from your authenticator app.</p>
          <TextInput label="One-time code" name="otp" inputMode="numeric" autocomplete="one-time-code" value={otp} onValue={setOtp} required />
          {message && <p class="error banner" role="alert">{message}</p>}
          <button type="submit" disabled={busy}>Continue</button>
        </form>
      )}
    </main>
  );
}

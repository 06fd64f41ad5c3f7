// My account: my details (MyProfile), change my password (with the old one), enrol in two-factor login (QR code of the secret) and make
// recovery codes for a lost authenticator.
import { useState } from "preact/hooks";
import { errorText } from "../api/client";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import { Qr } from "../components/Qr";
import type { Session } from "../session";
import { MyProfile } from "./MyProfile";

export function MyAccount({ session }: { session: Session }) {
  const me = session.me;
  const [oldPassword, setOldPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [uri, setUri] = useState<string | null>(null);
  const [twofaError, setTwofaError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [confirmed, setConfirmed] = useState<boolean | null>(null);
  if (!me) return null;
  const changePassword = async (e: Event) => {
    e.preventDefault();
    try {
      await session.client.call("user.set_password", { username: me.pw_name, old_password: oldPassword, new_password: newPassword });
      setOldPassword("");
      setNewPassword("");
      setErrors(null);
      setNotice("Password changed.");
    } catch (err) {
      setErrors(FormErrors.from(err, ["old_password", "new_password"]));
    }
  };
  const enrol = async () => {
    try {
      await session.client.call("user.renew_2fa_secret", me.pw_name, {});
      setUri(await session.client.call("user.provisioning_uri", me.pw_name));
      setTwofaError(null);
    } catch (err) {
      setTwofaError(errorText(err));
    }
  };
  // Confirms the new secret with a code from the app (`user.verify_twofactor_token`; a wrong code counts as a
  // failed login).
  const confirm = async (e: Event) => {
    e.preventDefault();
    try {
      setConfirmed(await session.client.call("user.verify_twofactor_token", me.pw_name, code));
      setTwofaError(null);
    } catch (err) {
      setTwofaError(errorText(err));
    }
  };
  const makeCodes = async () => {
    try {
      setCodes(await session.client.call("user.renew_2fa_recovery_codes"));
      setTwofaError(null);
    } catch (err) {
      setTwofaError(errorText(err));
    }
  };
  const hasSecret = me.two_factor_config.secret_configured || uri !== null;
  return (
    <section aria-labelledby="me-title">
      <h1 id="me-title">My account</h1>
      <dl class="facts">
        <dt>Username</dt><dd>{me.pw_name}</dd>
        <dt>Two-factor login</dt><dd>{me.two_factor_config.secret_configured ? "on" : "off"}</dd>
      </dl>
      <MyProfile session={session} />
      <h2>Change password</h2>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={changePassword}>
        <TextInput label="Current password" name="old_password" type="password" autocomplete="current-password" value={oldPassword} onValue={setOldPassword} errors={errors ?? undefined} required />
        <TextInput label="New password" name="new_password" type="password" autocomplete="new-password" value={newPassword} onValue={setNewPassword} errors={errors ?? undefined} required />
        <GeneralError errors={errors} />
        <button type="submit">Change password</button>
      </form>
      <h2>Two-factor login</h2>
      <p>Renewing makes a new secret: scan the code with an authenticator app; logins then ask for its code.</p>
      <button type="button" onClick={enrol}>{me.two_factor_config.secret_configured ? "Renew the secret" : "Turn on two-factor login"}</button>
      {twofaError && <p class="error banner" role="alert">{twofaError}</p>}
      {uri && (
        <div class="qr-box">
          <Qr text={uri} label="QR code of the two-factor secret" />
          <p>
            Or enter the secret by hand: <code class="secret" data-testid="otp-secret">{new URL(uri).searchParams.get("secret")}</code>
          </p>
          <form onSubmit={confirm}>
            <TextInput label="Code from the app" name="token" inputMode="numeric" autocomplete="one-time-code" value={code} onValue={(v) => { setCode(v); setConfirmed(null); }} />
            <button type="submit">Confirm</button>
          </form>
          {confirmed === true && <p class="notice" role="status">Confirmed: the app gives the right codes.</p>}
          {confirmed === false && <p class="error" role="alert">That code is not right. Check the app's clock and try the next code.</p>}
        </div>
      )}
      {hasSecret && (
        <>
          <h3>Recovery codes</h3>
          <p>
            Each code logs in once in place of a one-time code, for when the authenticator is lost. Making new codes
            voids the earlier ones.{" "}
            {codes === null && `Unused codes: ${me.two_factor_config.recovery_codes_remaining}.`}
          </p>
          <button type="button" onClick={makeCodes}>Make recovery codes</button>
          {codes && (
            <div class="qr-box">
              <p role="status">Keep these codes somewhere safe: they are shown only now.</p>
              <ul class="codes" data-testid="recovery-codes">
                {codes.map((c) => <li key={c}><code>{c}</code></li>)}
              </ul>
            </div>
          )}
        </>
      )}
    </section>
  );
}

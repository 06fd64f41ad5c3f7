// The password that must be changed before anything else (an expired password, an administrator's requirement,
// or a login with a one-time password): the page shows only this form until the change is made.
import { useState } from "preact/hooks";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import { isOnetimeLogin, type Me, type Session } from "../session";

export function ChangePassword({ session, me, onDone, onLogout }: { session: Session; me: Me; onDone: (me: Me) => void; onLogout: () => void }) {
  const onetime = isOnetimeLogin(me);
  const [oldPassword, setOldPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (newPassword !== confirm) {
      setErrors(new FormErrors(new Map([["confirm", "The passwords do not match."]])));
      return;
    }
    setBusy(true);
    try {
      await session.client.call("user.set_password", {
        username: me.pw_name,
        ...(onetime ? {} : { old_password: oldPassword }),
        new_password: newPassword,
      });
      setErrors(null);
      onDone(await session.passwordChanged());
    } catch (err) {
      setErrors(FormErrors.from(err, ["old_password", "new_password", "username"]));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="card narrow">
      <h1>Choose a new password</h1>
      <p>
        {onetime
          ? `You logged in as ${me.pw_name} with a one-time password. Choose your own password to continue.`
          : `The password of ${me.pw_name} has expired or must be changed. Choose a new one to continue.`}
      </p>
      <form onSubmit={submit}>
        {!onetime && (
          <TextInput label="Current password" name="old_password" type="password" autocomplete="current-password" value={oldPassword} onValue={setOldPassword} errors={errors ?? undefined} required />
        )}
        <TextInput label="New password" name="new_password" type="password" autocomplete="new-password" value={newPassword} onValue={setNewPassword} errors={errors ?? undefined} required />
        <TextInput label="Repeat the new password" name="confirm" type="password" autocomplete="new-password" value={confirm} onValue={setConfirm} errors={errors ?? undefined} required />
        <GeneralError errors={errors} />
        <div class="actions">
          <button type="submit" disabled={busy}>Change password</button>
          <button type="button" onClick={onLogout}>Log out</button>
        </div>
      </form>
    </main>
  );
}

// Service settings an administrator changes here: two-factor login for everyone.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

export function Settings({ session }: { session: Session }) {
  const [enabled, setEnabled] = useState(false);
  const [window_, setWindow] = useState("0");
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    session.client
      .call("auth.twofactor.config")
      .then((c) => {
        setEnabled(c.enabled);
        setWindow(String(c.window));
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
      <form onSubmit={save}>
        <Checkbox label="Ask users with a two-factor secret for a code at login" name="enabled" checked={enabled} onValue={setEnabled} errors={errors ?? undefined} />
        <TextInput label="Accepted time steps either side" name="window" inputMode="numeric" value={window_} onValue={setWindow} errors={errors ?? undefined} />
        <GeneralError errors={errors} />
        <button type="submit">Save</button>
      </form>
    </section>
  );
}

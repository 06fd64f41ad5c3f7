// Groups: the list, create and delete.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { GroupEntry } from "../api/generated";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

export function Groups({ session }: { session: Session }) {
  const [groups, setGroups] = useState<GroupEntry[]>([]);
  const [name, setName] = useState("");
  const [smb, setSmb] = useState(false);
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    session.client
      .call("group.query", [], { order_by: ["group"] })
      .then((g) => setGroups(g as GroupEntry[]))
      .catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      await session.client.call("group.create", { name, smb });
      setName("");
      setErrors(null);
      await load();
    } catch (err) {
      setErrors(FormErrors.from(err, ["name", "smb"]));
    }
  };
  const remove = async (g: GroupEntry) => {
    if (!window.confirm(`Delete group ${g.group}?`)) return;
    try {
      await session.client.call("group.delete", g.id);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Groups</h1>
      <form class="inline-form" onSubmit={create}>
        <TextInput label="New group name" name="name" value={name} onValue={setName} errors={errors ?? undefined} required />
        <Checkbox label="SMB group" name="smb" checked={smb} onValue={setSmb} errors={errors ?? undefined} />
        <button type="submit">Create group</button>
        <GeneralError errors={errors} />
      </form>
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">GID</th><th scope="col">Members</th><th scope="col">Roles</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr>
              <td>{g.group}</td>
              <td>{g.gid}</td>
              <td>{g.users.length}</td>
              <td>{g.roles.join(", ")}</td>
              <td>{!g.builtin && <button type="button" class="danger small" onClick={() => remove(g)}>Delete</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// Groups: the list, create, edit (name, SMB, sudo commands, members by username) and delete.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { GroupEntry, UserEntry } from "../api/generated";
import { Checkbox, Field, FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

const FIELDS = ["name", "gid", "smb", "sudo_commands", "sudo_commands_nopasswd", "users"] as const;

interface Draft {
  name: string;
  gid: string;
  smb: boolean;
  sudo_commands: string;
  sudo_commands_nopasswd: string;
  /** Member usernames, one per line. */
  users: string;
}

const lines = (text: string) => text.split(/[\n,]/).map((l) => l.trim()).filter(Boolean);

function draftOf(g: GroupEntry | null, members: string[]): Draft {
  return {
    name: g?.group ?? "",
    gid: g ? String(g.gid) : "",
    smb: g?.smb ?? false,
    sudo_commands: (g?.sudo_commands ?? []).join("\n"),
    sudo_commands_nopasswd: (g?.sudo_commands_nopasswd ?? []).join("\n"),
    users: members.join("\n"),
  };
}

/** A labelled textarea with its error. */
function Lines(props: { label: string; name: keyof Draft; value: string; onValue: (v: string) => void; errors?: FormErrors; hint?: string }) {
  return (
    <Field label={props.label} name={props.name} errors={props.errors} hint={props.hint}>
      {(id, describedBy) => (
        <textarea id={id} name={props.name} rows={3} aria-describedby={describedBy} value={props.value} onInput={(e) => props.onValue((e.currentTarget as HTMLTextAreaElement).value)} />
      )}
    </Field>
  );
}

export function Groups({ session }: { session: Session }) {
  const [groups, setGroups] = useState<GroupEntry[]>([]);
  const [editing, setEditing] = useState<GroupEntry | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null, []));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () =>
    session.client
      .call("group.query", [], { order_by: ["group"] })
      .then((g) => setGroups(g as GroupEntry[]))
      .catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);

  const usersBy = async (filter: unknown[]) =>
    (await session.client.call("user.query", [filter], { order_by: ["username"] })) as UserEntry[];

  const open = async (g: GroupEntry | "new") => {
    setErrors(null);
    setNotice(null);
    try {
      const members = g === "new" || g.users.length === 0 ? [] : (await usersBy(["id", "in", g.users])).map((u) => u.username);
      setDraft(draftOf(g === "new" ? null : g, members));
      setEditing(g);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const save = async (e: Event) => {
    e.preventDefault();
    if (editing === null) return;
    const names = lines(draft.users);
    try {
      const found = names.length ? await usersBy(["username", "in", names]) : [];
      const missing = names.filter((n) => !found.some((u) => u.username === n));
      if (missing.length) {
        setErrors(new FormErrors(new Map([["users", `No user named ${missing.join(", ")}.`]])));
        return;
      }
      const fields = {
        smb: draft.smb,
        sudo_commands: lines(draft.sudo_commands),
        sudo_commands_nopasswd: lines(draft.sudo_commands_nopasswd),
        users: found.map((u) => u.id),
      };
      if (editing === "new") {
        await session.client.call("group.create", { ...fields, name: draft.name, gid: draft.gid.trim() ? Number(draft.gid) : null });
        setNotice(`Group ${draft.name} created.`);
      } else {
        await session.client.call("group.update", editing.id, { ...fields, ...(draft.name !== editing.group ? { name: draft.name } : {}) });
        setNotice(`Group ${draft.name} saved.`);
      }
      setErrors(null);
      setEditing(null);
      await load();
    } catch (failure) {
      setErrors(FormErrors.from(failure, FIELDS));
    }
  };

  const remove = async (g: GroupEntry) => {
    if (!window.confirm(`Delete group ${g.group}?`)) return;
    try {
      await session.client.call("group.delete", g.id);
      setNotice(`Group ${g.group} deleted.`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const err = errors ?? undefined;
  return (
    <section aria-labelledby="groups-title">
      <div class="toolbar">
        <h1 id="groups-title">Groups</h1>
        <button type="button" onClick={() => open("new")}>Create group</button>
      </div>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      {editing !== null && (
        <form onSubmit={save} class="grid" noValidate aria-labelledby="group-form-title">
          <h2 id="group-form-title" class="wide">{editing === "new" ? "New group" : `Group ${editing.group}`}</h2>
          <TextInput label="Group name" name="name" value={draft.name} onValue={set("name")} errors={err} required />
          {editing === "new" && <TextInput label="GID" name="gid" inputMode="numeric" value={draft.gid} onValue={set("gid")} errors={err} hint="Empty picks the next free one." />}
          <Checkbox label="SMB group" name="smb" checked={draft.smb} onValue={set("smb")} errors={err} />
          <Lines label="Members (usernames, one per line)" name="users" value={draft.users} onValue={set("users")} errors={err} />
          <Lines label="Sudo commands (one per line)" name="sudo_commands" value={draft.sudo_commands} onValue={set("sudo_commands")} errors={err} />
          <Lines label="Sudo commands without password" name="sudo_commands_nopasswd" value={draft.sudo_commands_nopasswd} onValue={set("sudo_commands_nopasswd")} errors={err} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">{editing === "new" ? "Create" : "Save"}</button>
            <button type="button" onClick={() => setEditing(null)}>Cancel</button>
          </div>
        </form>
      )}
      <table class="list">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">GID</th><th scope="col">Members</th><th scope="col">Roles</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr data-group={g.group}>
              <td>{g.group}{g.builtin ? " (builtin)" : ""}</td>
              <td>{g.gid}</td>
              <td>{g.users.length}</td>
              <td>{g.roles.join(", ")}</td>
              <td>
                <div class="row-actions">
                  {!g.immutable && <button type="button" class="small" onClick={() => open(g)} aria-label={`Edit ${g.group}`}>Edit</button>}
                  {!g.builtin && <button type="button" class="danger small" onClick={() => remove(g)} aria-label={`Delete ${g.group}`}>Delete</button>}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

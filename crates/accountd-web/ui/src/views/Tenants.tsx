// Tenants: the scopes roles are granted in. The builtin `admin` tenant keeps its name and cannot be deleted; a
// tenant still in use is deleted only when the user confirms removing what refers to it (`force`).
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { TenantEntry } from "../api/generated";
import { FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

const FIELDS = ["name", "description"] as const;

interface Draft {
  name: string;
  description: string;
}

function draftOf(t: TenantEntry | null): Draft {
  return { name: t?.name ?? "", description: t?.description ?? "" };
}

export function Tenants({ session }: { session: Session }) {
  const [tenants, setTenants] = useState<TenantEntry[]>([]);
  const [editing, setEditing] = useState<TenantEntry | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () =>
    session.client
      .call("tenant.query", [], { order_by: ["id"] })
      .then((t) => setTenants(t as TenantEntry[]))
      .catch((e) => setError(errorText(e)));
  useEffect(() => void load(), []);

  const open = (t: TenantEntry | "new") => {
    setEditing(t);
    setDraft(draftOf(t === "new" ? null : t));
    setErrors(null);
    setNotice(null);
  };
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const save = async (e: Event) => {
    e.preventDefault();
    if (editing === null) return;
    const description = draft.description.trim() === "" ? null : draft.description;
    try {
      if (editing === "new") {
        const created = await session.client.call("tenant.create", { name: draft.name, description });
        setNotice(`Tenant ${created.name} created.`);
      } else {
        const changes = editing.builtin ? { description } : { name: draft.name, description };
        const updated = await session.client.call("tenant.update", editing.id, changes);
        setNotice(`Tenant ${updated.name} saved.`);
      }
      setErrors(null);
      setEditing(null);
      await load();
    } catch (err2) {
      setErrors(FormErrors.from(err2, FIELDS));
    }
  };

  const remove = async (t: TenantEntry) => {
    if (!window.confirm(`Delete the tenant ${t.name}?`)) return;
    try {
      await session.client.call("tenant.delete", t.id, { force: false });
    } catch (first) {
      // In use: say by whom, and delete only if the user agrees to remove those references too.
      const reason = errorText(first);
      if (!window.confirm(`${reason}\n\nDelete it anyway, removing it from those users and privileges?`)) {
        setError(reason);
        return;
      }
      try {
        await session.client.call("tenant.delete", t.id, { force: true });
      } catch (second) {
        setError(errorText(second));
        return;
      }
    }
    setError(null);
    setNotice(`Tenant ${t.name} deleted.`);
    await load();
  };

  const builtin = editing !== null && editing !== "new" && editing.builtin;
  return (
    <section aria-labelledby="tenants-title">
      <div class="toolbar">
        <h1 id="tenants-title">Tenants</h1>
        <button type="button" onClick={() => open("new")}>Create tenant</button>
      </div>
      <p>Roles are granted in a tenant or in all of them; a user's access lists their tenants, and a session works in one at a time.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Description</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => (
            <tr data-tenant={t.name}>
              <td>{t.name}{t.builtin ? " (builtin)" : ""}</td>
              <td>{t.description ?? ""}</td>
              <td>
                <div class="row-actions">
                  <button type="button" class="small" onClick={() => open(t)} aria-label={`Edit ${t.name}`}>Edit</button>
                  {!t.builtin && (
                    <button type="button" class="small danger" onClick={() => remove(t)} aria-label={`Delete ${t.name}`}>Delete</button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing !== null && (
        <form onSubmit={save} class="grid" noValidate aria-labelledby="tenant-form-title">
          <h2 id="tenant-form-title" class="wide">{editing === "new" ? "New tenant" : `Tenant ${editing.name}`}</h2>
          <TextInput label="Name" name="name" value={draft.name} onValue={set("name")} errors={errors ?? undefined} disabled={builtin} hint={builtin ? "The builtin tenant keeps its name." : undefined} required />
          <TextInput label="Description" name="description" value={draft.description} onValue={set("description")} errors={errors ?? undefined} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">{editing === "new" ? "Create" : "Save"}</button>
            <button type="button" onClick={() => setEditing(null)}>Cancel</button>
          </div>
        </form>
      )}
    </section>
  );
}

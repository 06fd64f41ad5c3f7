// Privileges (which groups get which roles): the list, create, edit and delete; and the role catalogue as a
// readable table (what each role includes, which privileges grant it, its STIG availability).
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { GroupEntry, PrivilegeEntry, PrivilegeRolesEntry, TenantEntry } from "../api/generated";
import { Checkbox, Field, FormErrors, GeneralError, TextInput } from "../components/forms";
import type { Session } from "../session";

const FIELDS = ["name", "description", "tenant", "local_groups", "roles", "web_shell"] as const;

interface Draft {
  name: string;
  description: string;
  /** The owner tenant's id; null: a global privilege. */
  tenant: number | null;
  /** gids. */
  local_groups: number[];
  roles: string[];
  web_shell: boolean;
}

const draftOf = (p: PrivilegeEntry | null): Draft => ({
  name: p?.name ?? "",
  description: p?.description ?? "",
  tenant: p?.tenant ?? null,
  local_groups: p?.local_groups.map((g) => g.gid) ?? [],
  roles: p?.roles ?? [],
  web_shell: p?.web_shell ?? false,
});

/** A labelled multiple select with its error. */
function Many<T extends string | number>(props: { label: string; name: string; options: [T, string][]; value: T[]; onValue: (v: T[]) => void; errors?: FormErrors; disabled?: boolean }) {
  return (
    <Field label={props.label} name={props.name} errors={props.errors} hint="Ctrl or Shift picks more than one.">
      {(id, describedBy) => (
        <select
          id={id}
          name={props.name}
          multiple
          size={8}
          disabled={props.disabled}
          aria-describedby={describedBy}
          onChange={(e) => {
            const picked = Array.from((e.currentTarget as HTMLSelectElement).selectedOptions).map((o) => o.value);
            props.onValue(props.options.filter(([v]) => picked.includes(String(v))).map(([v]) => v));
          }}
        >
          {props.options.map(([v, label]) => (
            <option value={String(v)} selected={props.value.includes(v)}>{label}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Privileges({ session }: { session: Session }) {
  const [privileges, setPrivileges] = useState<PrivilegeEntry[]>([]);
  const [roles, setRoles] = useState<PrivilegeRolesEntry[]>([]);
  const [groups, setGroups] = useState<GroupEntry[]>([]);
  const [filter, setFilter] = useState("");
  const [tenants, setTenants] = useState<TenantEntry[]>([]);
  const [editing, setEditing] = useState<PrivilegeEntry | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () =>
    session.client.call("privilege.query", [], { order_by: ["id"] }).then((p) => setPrivileges(p as PrivilegeEntry[])).catch((e) => setError(errorText(e)));
  useEffect(() => {
    void load();
    session.client.call("privilege.roles", [], { order_by: ["name"] }).then((r) => setRoles(r as PrivilegeRolesEntry[])).catch((e) => setError(errorText(e)));
    session.client.call("group.query", [], { order_by: ["group"] }).then((g) => setGroups(g as GroupEntry[])).catch(() => undefined);
    session.client.call("tenant.query", [], { order_by: ["id"] }).then((t) => setTenants(t as TenantEntry[])).catch(() => undefined);
  }, []);
  const open = (p: PrivilegeEntry | "new") => {
    setEditing(p);
    setDraft(draftOf(p === "new" ? null : p));
    setErrors(null);
    setNotice(null);
  };
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const save = async (e: Event) => {
    e.preventDefault();
    if (editing === null) return;
    try {
      const { description, tenant, ...rest } = draft;
      const text = description.trim() === "" ? null : description;
      if (editing === "new") {
        await session.client.call("privilege.create", { ...rest, description: text, tenant, ds_groups: [] });
        setNotice(`Privilege ${draft.name} created.`);
      } else {
        // The description and owner only when changed: builtin privileges keep what they have.
        const changes = {
          ...rest,
          ...(text !== (editing.description ?? null) ? { description: text } : {}),
          ...(tenant !== (editing.tenant ?? null) ? { tenant } : {}),
        };
        await session.client.call("privilege.update", editing.id, changes);
        setNotice(`Privilege ${draft.name} saved.`);
      }
      setErrors(null);
      setEditing(null);
      await load();
    } catch (failure) {
      setErrors(FormErrors.from(failure, FIELDS));
    }
  };
  const remove = async (p: PrivilegeEntry) => {
    if (!window.confirm(`Delete the privilege ${p.name}?`)) return;
    try {
      await session.client.call("privilege.delete", p.id);
      setError(null);
      setNotice(`Privilege ${p.name} deleted.`);
      await load();
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  const needle = filter.trim().toLowerCase();
  const shown = roles.filter((r) => r.name.toLowerCase().includes(needle) || r.includes.some((i) => i.toLowerCase().includes(needle)));
  const builtin = editing !== null && editing !== "new" && !!editing.builtin_name;
  const err = errors ?? undefined;
  return (
    <section aria-labelledby="privileges-title">
      <div class="toolbar">
        <h1 id="privileges-title">Privileges</h1>
        <button type="button" onClick={() => open("new")}>Create privilege</button>
      </div>
      <p>A privilege grants its roles to the members of its groups.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Groups</th><th scope="col">Roles</th><th scope="col">Web shell</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {privileges.map((p) => (
            <tr data-privilege={p.name}>
              <td>{p.name}{p.builtin_name ? " (builtin)" : ""}</td>
              <td>{p.local_groups.map((g) => g.group).join(", ")}</td>
              <td>{p.roles.join(", ")}</td>
              <td>{p.web_shell ? "yes" : "no"}</td>
              <td>
                <div class="row-actions">
                  <button type="button" class="small" onClick={() => open(p)} aria-label={`Edit ${p.name}`}>Edit</button>
                  {!p.builtin_name && <button type="button" class="small danger" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>Delete</button>}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing !== null && (
        <form onSubmit={save} class="grid" noValidate aria-labelledby="privilege-form-title">
          <h2 id="privilege-form-title" class="wide">{editing === "new" ? "New privilege" : `Privilege ${editing.name}`}</h2>
          <TextInput label="Privilege name" name="name" value={draft.name} onValue={set("name")} errors={err} disabled={builtin} hint={builtin ? "Builtin privileges keep their names and roles." : undefined} required />
          <TextInput label="Description" name="description" value={draft.description} onValue={set("description")} errors={err} />
          <div class={err?.get("tenant") ? "field invalid" : "field"}>
            <label for="privilege-tenant">Owner tenant</label>
            <select id="privilege-tenant" value={draft.tenant === null ? "" : String(draft.tenant)} onChange={(e) => {
              const v = (e.currentTarget as HTMLSelectElement).value;
              set("tenant")(v === "" ? null : Number(v));
            }}>
              <option value="">(none: granted anywhere)</option>
              {tenants.map((t) => (
                <option value={String(t.id)}>{t.name}</option>
              ))}
            </select>
            <small class="hint">A privilege a tenant owns is granted only in that tenant, through users' access entries.</small>
            {err?.get("tenant") && <small class="error" role="alert" data-field="tenant">{err.get("tenant")}</small>}
          </div>
          <Many label="Groups" name="local_groups" options={groups.map((g): [number, string] => [g.gid, g.group])} value={draft.local_groups} onValue={set("local_groups")} errors={err} />
          <Many label="Roles granted" name="roles" options={roles.map((r): [string, string] => [r.name, r.name])} value={draft.roles} onValue={set("roles")} errors={err} disabled={builtin} />
          <Checkbox label="Members may use the web shell" name="web_shell" checked={draft.web_shell} onValue={set("web_shell")} errors={err} />
          <GeneralError errors={errors} />
          <div class="actions wide">
            <button type="submit">{editing === "new" ? "Create" : "Save"}</button>
            <button type="button" onClick={() => setEditing(null)}>Cancel</button>
          </div>
        </form>
      )}
      <h2 id="roles-title">Roles</h2>
      <p>Every role the service knows: a role includes the roles listed with it, and a privilege that grants a role grants what it includes.</p>
      <div class="field inline">
        <label for="role-filter">Filter roles</label>
        <input id="role-filter" type="search" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <table class="list" aria-labelledby="roles-title" data-testid="role-catalogue">
        <thead>
          <tr><th scope="col">Role</th><th scope="col">Includes</th><th scope="col">Granted directly by</th><th scope="col">STIG</th></tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr data-role={r.name}>
              <td><code>{r.name}</code></td>
              <td>{r.includes.length ? r.includes.join(", ") : "—"}</td>
              <td>{privileges.filter((p) => p.roles.includes(r.name)).map((p) => p.name).join(", ") || "—"}</td>
              <td>{r.stig === null || r.stig === undefined ? "not available" : "available"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

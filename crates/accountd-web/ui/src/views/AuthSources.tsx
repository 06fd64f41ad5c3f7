// LDAP authentication sources: the list with each source's state, create, edit, delete and "Test". The bind
// password is write-only: the form shows whether one is stored, never the password.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { AuthSourceEntry, GroupEntry } from "../api/generated";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import { numberOrNull } from "../components/rules";
import type { Session } from "../session";

const FIELDS = [
  "name", "host", "port", "tls", "tls_verify", "ca_certificate", "account", "account_password", "base_dn",
  "groups_base", "ldap_filter", "attr_login", "attr_firstname", "attr_lastname", "attr_mail", "server_type",
  "onthefly_register", "default_group", "usergroup_sync", "use_netgroups", "timeout",
] as const;

interface Draft {
  name: string;
  host: string;
  port: string;
  tls: boolean;
  tls_verify: boolean;
  ca_certificate: string;
  account: string;
  account_password: string;
  clear_password: boolean;
  base_dn: string;
  groups_base: string;
  ldap_filter: string;
  attr_login: string;
  attr_firstname: string;
  attr_lastname: string;
  attr_mail: string;
  server_type: string;
  onthefly_register: boolean;
  default_group: string;
  usergroup_sync: boolean;
  use_netgroups: boolean;
  timeout: string;
}

function draftOf(s: AuthSourceEntry | null): Draft {
  return {
    name: s?.name ?? "",
    host: s?.host ?? "",
    port: s ? String(s.port) : "",
    tls: s?.tls ?? false,
    tls_verify: s?.tls_verify ?? true,
    ca_certificate: s?.ca_certificate ?? "",
    account: s?.account ?? "",
    account_password: "",
    clear_password: false,
    base_dn: s?.base_dn ?? "",
    groups_base: s?.groups_base ?? "",
    ldap_filter: s?.ldap_filter ?? "",
    attr_login: s?.attr_login ?? "uid",
    attr_firstname: s?.attr_firstname ?? "givenName",
    attr_lastname: s?.attr_lastname ?? "sn",
    attr_mail: s?.attr_mail ?? "mail",
    server_type: s?.server_type ?? "posix",
    onthefly_register: s?.onthefly_register ?? false,
    default_group: s?.default_group ? String(s.default_group) : "",
    usergroup_sync: s?.usergroup_sync ?? false,
    use_netgroups: s?.use_netgroups ?? false,
    timeout: s ? String(s.timeout) : "5",
  };
}

const orNull = (t: string) => (t.trim() ? t.trim() : null);

/** The fields both create and update send. */
function common(d: Draft) {
  return {
    host: d.host.trim(),
    port: numberOrNull(d.port),
    tls: d.tls,
    tls_verify: d.tls_verify,
    ca_certificate: orNull(d.ca_certificate),
    account: orNull(d.account),
    base_dn: d.base_dn.trim(),
    groups_base: orNull(d.groups_base),
    ldap_filter: orNull(d.ldap_filter),
    attr_login: d.attr_login.trim(),
    attr_firstname: d.attr_firstname.trim(),
    attr_lastname: d.attr_lastname.trim(),
    attr_mail: d.attr_mail.trim(),
    server_type: d.server_type,
    onthefly_register: d.onthefly_register,
    default_group: d.default_group ? Number(d.default_group) : null,
    usergroup_sync: d.usergroup_sync,
    use_netgroups: d.use_netgroups,
    timeout: numberOrNull(d.timeout) ?? 5,
  };
}

export function AuthSources({ session }: { session: Session }) {
  const [sources, setSources] = useState<AuthSourceEntry[]>([]);
  const [groups, setGroups] = useState<GroupEntry[]>([]);
  const [editing, setEditing] = useState<AuthSourceEntry | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tested, setTested] = useState<{ name: string; success: boolean; message: string } | null>(null);
  const [testing, setTesting] = useState<number | null>(null);
  const load = () =>
    session.client
      .call("auth_source.query", [], { order_by: ["id"] })
      .then((s) => setSources(s as AuthSourceEntry[]))
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    void load();
    session.client.call("group.query", [], { order_by: ["group"] }).then((g) => setGroups(g as GroupEntry[])).catch(() => undefined);
  }, []);

  const open = (s: AuthSourceEntry | "new") => {
    setEditing(s);
    setDraft(draftOf(s === "new" ? null : s));
    setErrors(null);
    setNotice(null);
  };
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const err = errors ?? undefined;

  const save = async (e: Event) => {
    e.preventDefault();
    if (editing === null) return;
    try {
      if (editing === "new") {
        const created = await session.client.call("auth_source.create", {
          ...common(draft),
          name: draft.name,
          account_password: draft.account_password ? draft.account_password : null,
        });
        setNotice(`Source ${created.name} created.`);
      } else {
        const password = draft.clear_password ? { account_password: null } : draft.account_password ? { account_password: draft.account_password } : {};
        const updated = await session.client.call("auth_source.update", editing.id, { ...common(draft), name: draft.name, ...password });
        setNotice(`Source ${updated.name} saved.`);
      }
      setErrors(null);
      setEditing(null);
      await load();
    } catch (err2) {
      setErrors(FormErrors.from(err2, FIELDS));
    }
  };

  const test = async (s: AuthSourceEntry) => {
    setTesting(s.id);
    setTested(null);
    try {
      const result = await session.client.call("auth_source.test", s.id);
      setTested({ name: s.name, ...result });
      await load();
    } catch (err2) {
      setTested({ name: s.name, success: false, message: errorText(err2) });
    } finally {
      setTesting(null);
    }
  };

  const remove = async (s: AuthSourceEntry) => {
    if (!window.confirm(`Delete the source ${s.name}?`)) return;
    try {
      await session.client.call("auth_source.delete", s.id);
      setError(null);
      setNotice(`Source ${s.name} deleted.`);
      await load();
    } catch (err2) {
      setError(errorText(err2));
    }
  };

  const stored = editing !== null && editing !== "new" && editing.account_password_set;
  return (
    <section aria-labelledby="sources-title">
      <div class="toolbar">
        <h1 id="sources-title">Authentication sources</h1>
        <button type="button" onClick={() => open("new")}>Add LDAP source</button>
      </div>
      <p>Users of an LDAP source log in with their directory password; the source can create them at their first login.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error banner" role="alert">{error}</p>}
      {tested && (
        <p class={tested.success ? "notice" : "error banner"} role="status" data-testid="test-result">
          Test of {tested.name}: {tested.success ? "it works. " : "failed. "}
          {tested.message}
        </p>
      )}
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Type</th><th scope="col">Server</th><th scope="col">Bind password</th>
            <th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => (
            <tr data-source={s.name}>
              <td>{s.name}</td>
              <td>{s.type}</td>
              <td>{s.type === "LDAP" ? `${s.tls ? "ldaps" : "ldap"}://${s.host}:${s.port}` : "local passwords"}</td>
              <td>{s.type === "LDAP" ? (s.account_password_set ? "set" : "not set") : ""}</td>
              <td>{s.status}{s.status_msg ? `: ${s.status_msg}` : ""}</td>
              <td>
                <div class="row-actions">
                {s.type === "LDAP" && (
                  <>
                    <button type="button" class="small" disabled={testing === s.id} onClick={() => test(s)} aria-label={`Test ${s.name}`}>
                      {testing === s.id ? "Testing…" : "Test"}
                    </button>
                    <button type="button" class="small" onClick={() => open(s)} aria-label={`Edit ${s.name}`}>Edit</button>
                    <button type="button" class="small danger" onClick={() => remove(s)} aria-label={`Delete ${s.name}`}>Delete</button>
                  </>
                )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing !== null && (
        <form onSubmit={save} class="grid" noValidate aria-labelledby="source-form-title">
          <h2 id="source-form-title" class="wide">{editing === "new" ? "New LDAP source" : `Source ${editing.name}`}</h2>
          <TextInput label="Name" name="name" value={draft.name} onValue={set("name")} errors={err} required />
          <TextInput label="Host" name="host" value={draft.host} onValue={set("host")} errors={err} required />
          <TextInput label="Port" name="port" inputMode="numeric" value={draft.port} onValue={set("port")} errors={err} hint="Empty: 389, or 636 with LDAPS." />
          <TextInput label="Timeout (seconds)" name="timeout" inputMode="numeric" value={draft.timeout} onValue={set("timeout")} errors={err} />
          <Checkbox label="LDAPS (TLS from the first byte)" name="tls" checked={draft.tls} onValue={set("tls")} errors={err} />
          <Checkbox label="Check the server certificate" name="tls_verify" checked={draft.tls_verify} onValue={set("tls_verify")} errors={err} />
          <div class={err?.get("ca_certificate") ? "field wide invalid" : "field wide"}>
            <label for="source-ca">CA certificate (PEM; empty: the system's)</label>
            <textarea id="source-ca" rows={2} value={draft.ca_certificate} onInput={(e) => set("ca_certificate")((e.currentTarget as HTMLTextAreaElement).value)} />
            {err?.get("ca_certificate") && <small class="error" role="alert" data-field="ca_certificate">{err.get("ca_certificate")}</small>}
          </div>
          <TextInput label="Bind DN" name="account" value={draft.account} onValue={set("account")} errors={err} hint="Empty: anonymous search; $login binds as the user." />
          <TextInput
            label="Bind password"
            name="account_password"
            type="password"
            autocomplete="new-password"
            value={draft.account_password}
            onValue={set("account_password")}
            errors={err}
            disabled={draft.clear_password}
            hint={editing === "new" ? undefined : stored ? "A password is set; leave empty to keep it." : "No password is set."}
          />
          {stored && <Checkbox label="Remove the stored bind password" name="clear_password" checked={draft.clear_password} onValue={set("clear_password")} />}
          <TextInput label="Users base DN" name="base_dn" value={draft.base_dn} onValue={set("base_dn")} errors={err} required />
          <TextInput label="Groups base DN" name="groups_base" value={draft.groups_base} onValue={set("groups_base")} errors={err} hint="Empty: the users base." />
          <TextInput label="Login filter" name="ldap_filter" value={draft.ldap_filter} onValue={set("ldap_filter")} errors={err} hint="ANDed with the login search, e.g. (objectClass=person)." />
          <div class="field">
            <label for="source-server-type">Server type</label>
            <select id="source-server-type" value={draft.server_type} onChange={(e) => set("server_type")((e.currentTarget as HTMLSelectElement).value)}>
              <option value="posix">POSIX (OpenLDAP)</option>
              <option value="free_ipa">FreeIPA</option>
              <option value="active_directory">Active Directory</option>
            </select>
          </div>
          <TextInput label="Login attribute" name="attr_login" value={draft.attr_login} onValue={set("attr_login")} errors={err} />
          <TextInput label="First-name attribute" name="attr_firstname" value={draft.attr_firstname} onValue={set("attr_firstname")} errors={err} />
          <TextInput label="Last-name attribute" name="attr_lastname" value={draft.attr_lastname} onValue={set("attr_lastname")} errors={err} />
          <TextInput label="Mail attribute" name="attr_mail" value={draft.attr_mail} onValue={set("attr_mail")} errors={err} />
          <Checkbox label="Create users at their first login" name="onthefly_register" checked={draft.onthefly_register} onValue={set("onthefly_register")} errors={err} />
          <div class={err?.get("default_group") ? "field invalid" : "field"}>
            <label for="source-default-group">Primary group of created users</label>
            <select id="source-default-group" value={draft.default_group} onChange={(e) => set("default_group")((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">(a group named after the user)</option>
              {groups.map((g) => (
                <option value={String(g.id)}>{g.group}</option>
              ))}
            </select>
            {err?.get("default_group") && <small class="error" role="alert" data-field="default_group">{err.get("default_group")}</small>}
          </div>
          <Checkbox label="Follow the directory's groups at each login" name="usergroup_sync" checked={draft.usergroup_sync} onValue={set("usergroup_sync")} errors={err} />
          <Checkbox label="Read netgroups" name="use_netgroups" checked={draft.use_netgroups} onValue={set("use_netgroups")} errors={err} />
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

// Create or edit one user: every writable field, its groups and account profile, lock and unlock, its login activity
// with the lockout reset, a one-time password, and delete.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { AccessEntry, AccountProfileEntry, GroupEntry, PrivilegeEntry, TenantEntry, UserEntry } from "../api/generated";
import { AccessEditor } from "../components/access";
import { ChoiceSelect, useProfileChoices } from "../components/choices";
import { Checkbox, FormErrors, GeneralError, TextInput } from "../components/forms";
import { navigate } from "../router";
import type { Session } from "../session";
import { Activity } from "./Activity";

const FIELDS = [
  "username", "full_name", "email", "password", "uid", "group", "groups", "home", "shell", "sshpubkey",
  "sudo_commands", "sudo_commands_nopasswd", "locked", "password_disabled", "ssh_password_enabled", "smb",
  "group_create", "home_create", "account_profile", "password_change_required", "description", "locale", "timezone",
  "webshare", "access", "default_tenant",
] as const;

interface Draft {
  username: string;
  full_name: string;
  email: string;
  description: string;
  locale: string;
  timezone: string;
  webshare: boolean;
  password: string;
  uid: string;
  group: string;
  groups: number[];
  home: string;
  shell: string;
  sshpubkey: string;
  sudo_commands: string;
  sudo_commands_nopasswd: string;
  locked: boolean;
  password_disabled: boolean;
  ssh_password_enabled: boolean;
  smb: boolean;
  group_create: boolean;
  home_create: boolean;
  account_profile: string;
  password_change_required: boolean;
  access: AccessEntry[];
  default_tenant: number | null;
}

function draftOf(u: UserEntry | null): Draft {
  return {
    username: u?.username ?? "",
    full_name: u?.full_name ?? "",
    email: u?.email ?? "",
    description: u?.description ?? "",
    locale: u?.locale ?? "",
    timezone: u?.timezone ?? "",
    webshare: u?.webshare ?? false,
    password: "",
    uid: u ? String(u.uid) : "",
    group: u ? String(u.group.id) : "",
    groups: u?.groups ?? [],
    home: u?.home ?? "/var/empty",
    shell: u?.shell ?? "/usr/bin/zsh",
    sshpubkey: u?.sshpubkey ?? "",
    sudo_commands: (u?.sudo_commands ?? []).join("\n"),
    sudo_commands_nopasswd: (u?.sudo_commands_nopasswd ?? []).join("\n"),
    locked: u?.locked ?? false,
    password_disabled: u?.password_disabled ?? false,
    ssh_password_enabled: u?.ssh_password_enabled ?? false,
    smb: u?.smb ?? false,
    group_create: u === null,
    home_create: false,
    account_profile: String(u?.account_profile ?? 1),
    password_change_required: u?.password_change_required ?? false,
    access: u?.access ?? [],
    default_tenant: u?.default_tenant ?? null,
  };
}

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

export function UserForm({ session, id }: { session: Session; id: number | null }) {
  const [user, setUser] = useState<UserEntry | null>(null);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [groups, setGroups] = useState<GroupEntry[]>([]);
  const [shells, setShells] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<FormErrors | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [profiles, setProfiles] = useState<AccountProfileEntry[]>([]);
  const [privileges, setPrivileges] = useState<PrivilegeEntry[]>([]);
  const [tenants, setTenants] = useState<TenantEntry[]>([]);
  const [onetime, setOnetime] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [activityVersion, setActivityVersion] = useState(0);
  const { locales, timezones } = useProfileChoices(session);

  useEffect(() => {
    session.client.call("group.query", [], { order_by: ["group"] }).then((g) => setGroups(g as GroupEntry[]));
    session.client.call("user.shell_choices").then((s) => setShells(s as Record<string, string>)).catch(() => undefined);
    session.client
      .call("account_profile.query", [], { order_by: ["id"] })
      .then((p) => setProfiles(p as AccountProfileEntry[]))
      .catch(() => undefined);
    // Callers who may not read privileges or tenants see no access editor choices; the service still decides.
    session.client.call("privilege.query", [], { order_by: ["id"] }).then((p) => setPrivileges(p as PrivilegeEntry[])).catch(() => undefined);
    session.client.call("tenant.query", [], { order_by: ["id"] }).then((t) => setTenants(t as TenantEntry[])).catch(() => undefined);
    if (id !== null) {
      session.client
        .call("user.get_instance", id)
        .then((u) => {
          setUser(u as UserEntry);
          setDraft(draftOf(u as UserEntry));
        })
        .catch((e) => setErrors(new FormErrors(new Map(), errorText(e))));
    }
  }, [id]);

  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const err = errors ?? undefined;

  const save = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    const common = {
      full_name: draft.full_name,
      email: draft.email.trim() ? draft.email.trim() : null,
      description: draft.description.trim() ? draft.description : null,
      locale: draft.locale || null,
      timezone: draft.timezone || null,
      webshare: draft.webshare,
      home: draft.home,
      shell: draft.shell,
      sshpubkey: draft.sshpubkey.trim() ? draft.sshpubkey : null,
      sudo_commands: lines(draft.sudo_commands),
      sudo_commands_nopasswd: lines(draft.sudo_commands_nopasswd),
      groups: draft.groups,
      locked: draft.locked,
      password_disabled: draft.password_disabled,
      ssh_password_enabled: draft.ssh_password_enabled,
      smb: draft.smb,
      account_profile: Number(draft.account_profile),
    };
    try {
      if (user === null) {
        const created = await session.client.call("user.create", {
          ...common,
          username: draft.username,
          password: draft.password_disabled ? null : draft.password,
          uid: draft.uid.trim() ? Number(draft.uid) : null,
          group_create: draft.group_create,
          group: draft.group_create || !draft.group ? null : Number(draft.group),
          home_create: draft.home_create,
          ...(draft.access.length ? { access: draft.access } : {}),
          ...(draft.default_tenant !== null ? { default_tenant: draft.default_tenant } : {}),
        });
        navigate(`/users/${created.id}`);
      } else {
        const update = {
          ...common,
          username: draft.username !== user.username ? draft.username : undefined,
          uid: draft.uid !== String(user.uid) ? Number(draft.uid) : undefined,
          group: draft.group !== String(user.group.id) ? Number(draft.group) : undefined,
          password: draft.password ? draft.password : undefined,
          password_change_required:
            draft.password_change_required !== user.password_change_required ? draft.password_change_required : undefined,
          // Sent only when changed: a reader of fewer tenants than the user has sees the entries it may see.
          access: JSON.stringify(draft.access) !== JSON.stringify(user.access) ? draft.access : undefined,
          default_tenant: draft.default_tenant !== (user.default_tenant ?? null) ? draft.default_tenant : undefined,
        };
        const updated = await session.client.call("user.update", user.id, update);
        setUser(updated as UserEntry);
        setDraft(draftOf(updated as UserEntry));
        setNotice("Saved.");
      }
      setErrors(null);
    } catch (e) {
      setErrors(FormErrors.from(e, FIELDS));
    }
  };

  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setNotice(done);
      setActivityVersion((n) => n + 1);
      if (id !== null) {
        const u = (await session.client.call("user.get_instance", id)) as UserEntry;
        setUser(u);
        setDraft(draftOf(u));
      }
    } catch (e) {
      setErrors(new FormErrors(new Map(), errorText(e)));
    }
  };

  const remove = async () => {
    if (!user) return;
    try {
      await session.client.call("user.delete", user.id, { delete_group: true });
      navigate("/users");
    } catch (e) {
      setErrors(new FormErrors(new Map(), errorText(e)));
      setConfirmDelete(false);
    }
  };

  const generateOnetime = async () => {
    if (!user) return;
    try {
      setOnetime(await session.client.call("auth.generate_onetime_password", { username: user.username }));
      setCopied(false);
    } catch (e) {
      setErrors(FormErrors.from(e, ["username"]));
    }
  };
  const copyOnetime = async () => {
    if (!onetime) return;
    await navigator.clipboard.writeText(onetime);
    setCopied(true);
  };

  const readOnly = user?.immutable ?? false;
  return (
    <section aria-labelledby="user-title">
      <div class="toolbar">
        <h1 id="user-title">{user ? `User ${user.username}` : "Create user"}</h1>
        <a href="#/users">Back to users</a>
      </div>
      {notice && <p class="notice" role="status">{notice}</p>}
      <form onSubmit={save} class="grid" noValidate>
        <TextInput label="Username" name="username" value={draft.username} onValue={set("username")} errors={err} disabled={readOnly} required />
        <TextInput label="Full name" name="full_name" value={draft.full_name} onValue={set("full_name")} errors={err} required />
        <TextInput label="Email" name="email" type="email" value={draft.email} onValue={set("email")} errors={err} />
        <TextInput label="Description" name="description" value={draft.description} onValue={set("description")} errors={err} />
        <ChoiceSelect label="Locale" name="locale" value={draft.locale} onValue={set("locale")} choices={locales} errors={err} none="(not set)" />
        <ChoiceSelect label="Time zone" name="timezone" value={draft.timezone} onValue={set("timezone")} choices={timezones} errors={err} none="(not set)" />
        <TextInput
          label={user ? "New password" : "Password"}
          name="password"
          type="password"
          autocomplete="new-password"
          value={draft.password}
          onValue={set("password")}
          errors={err}
          hint={user ? "Leave empty to keep the current password." : undefined}
        />
        <TextInput label="UID" name="uid" inputMode="numeric" value={draft.uid} onValue={set("uid")} errors={err} hint={user ? undefined : "Empty picks the next free one."} />
        {user === null && <Checkbox label="Create a group of the same name" name="group_create" checked={draft.group_create} onValue={set("group_create")} errors={err} />}
        {!draft.group_create && (
          <div class={err?.get("group") ? "field invalid" : "field"}>
            <label for="user-group">Primary group</label>
            <select id="user-group" value={draft.group} onChange={(e) => set("group")((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">(choose)</option>
              {groups.map((g) => (
                <option value={String(g.id)}>{g.group}</option>
              ))}
            </select>
            {err?.get("group") && <small class="error" role="alert" data-field="group">{err.get("group")}</small>}
          </div>
        )}
        <div class={err?.get("groups") ? "field invalid" : "field"}>
          <label for="user-groups">Other groups</label>
          <select
            id="user-groups"
            multiple
            size={6}
            onChange={(e) =>
              set("groups")(Array.from((e.currentTarget as HTMLSelectElement).selectedOptions).map((o) => Number(o.value)))
            }
          >
            {groups.map((g) => (
              <option value={String(g.id)} selected={draft.groups.includes(g.id)}>
                {g.group}
              </option>
            ))}
          </select>
          {err?.get("groups") && <small class="error" role="alert" data-field="groups">{err.get("groups")}</small>}
        </div>
        <TextInput label="Home directory" name="home" value={draft.home} onValue={set("home")} errors={err} />
        {user === null && <Checkbox label="Create the home directory" name="home_create" checked={draft.home_create} onValue={set("home_create")} errors={err} />}
        <div class="field">
          <label for="user-shell">Shell</label>
          <select id="user-shell" value={draft.shell} onChange={(e) => set("shell")((e.currentTarget as HTMLSelectElement).value)}>
            {Object.entries(shells).map(([path, name]) => (
              <option value={path}>{name}</option>
            ))}
            {!(draft.shell in shells) && <option value={draft.shell}>{draft.shell}</option>}
          </select>
        </div>
        <div class="field wide">
          <label for="user-sshpubkey">SSH public keys</label>
          <textarea id="user-sshpubkey" rows={3} value={draft.sshpubkey} onInput={(e) => set("sshpubkey")((e.currentTarget as HTMLTextAreaElement).value)} />
          {err?.get("sshpubkey") && <small class="error" role="alert" data-field="sshpubkey">{err.get("sshpubkey")}</small>}
        </div>
        <div class="field">
          <label for="user-sudo">Sudo commands (one per line)</label>
          <textarea id="user-sudo" rows={2} value={draft.sudo_commands} onInput={(e) => set("sudo_commands")((e.currentTarget as HTMLTextAreaElement).value)} />
          {err?.get("sudo_commands") && <small class="error" role="alert" data-field="sudo_commands">{err.get("sudo_commands")}</small>}
        </div>
        <div class="field">
          <label for="user-sudo-np">Sudo commands without password</label>
          <textarea id="user-sudo-np" rows={2} value={draft.sudo_commands_nopasswd} onInput={(e) => set("sudo_commands_nopasswd")((e.currentTarget as HTMLTextAreaElement).value)} />
          {err?.get("sudo_commands_nopasswd") && <small class="error" role="alert" data-field="sudo_commands_nopasswd">{err.get("sudo_commands_nopasswd")}</small>}
        </div>
        <Checkbox label="Password login disabled" name="password_disabled" checked={draft.password_disabled} onValue={set("password_disabled")} errors={err} />
        <Checkbox label="SSH password login" name="ssh_password_enabled" checked={draft.ssh_password_enabled} onValue={set("ssh_password_enabled")} errors={err} />
        <Checkbox label="SMB user" name="smb" checked={draft.smb} onValue={set("smb")} errors={err} />
        <Checkbox label="WebShare access" name="webshare" checked={draft.webshare} onValue={set("webshare")} errors={err} />
        <Checkbox label="Locked" name="locked" checked={draft.locked} onValue={set("locked")} errors={err} />
        <div class={err?.get("account_profile") ? "field invalid" : "field"}>
          <label for="user-profile">Account profile</label>
          <select id="user-profile" value={draft.account_profile} onChange={(e) => set("account_profile")((e.currentTarget as HTMLSelectElement).value)}>
            {profiles.map((p) => (
              <option value={String(p.id)}>{p.name}</option>
            ))}
            {!profiles.some((p) => String(p.id) === draft.account_profile) && <option value={draft.account_profile}>{`Profile ${draft.account_profile}`}</option>}
          </select>
          {err?.get("account_profile") && <small class="error" role="alert" data-field="account_profile">{err.get("account_profile")}</small>}
        </div>
        <AccessEditor
          entries={draft.access}
          onEntries={set("access")}
          defaultTenant={draft.default_tenant}
          onDefaultTenant={set("default_tenant")}
          privileges={privileges}
          tenants={tenants}
          errors={err}
        />
        {user && (
          <Checkbox
            label="Must change the password at the next login"
            name="password_change_required"
            checked={draft.password_change_required}
            onValue={set("password_change_required")}
            errors={err}
          />
        )}
        <GeneralError errors={errors} />
        <div class="actions wide">
          <button type="submit">{user ? "Save" : "Create"}</button>
        </div>
      </form>
      {user && (
        <div class="actions">
          <button type="button" onClick={() => act(() => session.client.call("user.update", user.id, { locked: !user.locked }), user.locked ? "Unlocked." : "Locked.")}>
            {user.locked ? "Unlock" : "Lock"}
          </button>
          <button type="button" onClick={() => act(() => session.client.call("user.reset_lockout", user.username), "Failed logins cleared.")}>
            Reset lockout
          </button>
          <button type="button" onClick={generateOnetime}>Generate one-time password</button>
          {!user.builtin &&
            (confirmDelete ? (
              <span role="group" aria-label="Confirm delete">
                Delete {user.username}?{" "}
                <button type="button" class="danger" onClick={remove}>Yes, delete</button>{" "}
                <button type="button" onClick={() => setConfirmDelete(false)}>Cancel</button>
              </span>
            ) : (
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>Delete</button>
            ))}
        </div>
      )}
      {onetime && (
        <div class="notice" role="status">
          <p>One-time password for {user?.username}: it works once, within 24 hours, and is not shown again. The user sets a new password right after logging in with it.</p>
          <code class="secret" data-testid="onetime-password">{onetime}</code>{" "}
          <button type="button" class="small" onClick={copyOnetime}>{copied ? "Copied" : "Copy"}</button>{" "}
          <button type="button" class="small" onClick={() => setOnetime(null)}>Done</button>
        </div>
      )}
      {user && <Activity session={session} id={user.id} version={activityVersion} />}
    </section>
  );
}

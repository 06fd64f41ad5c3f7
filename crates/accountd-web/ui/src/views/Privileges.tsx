// Privileges (which groups get which roles) and the role catalogue as a readable table.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { PrivilegeEntry, PrivilegeRolesEntry } from "../api/generated";
import type { Session } from "../session";

export function Privileges({ session }: { session: Session }) {
  const [privileges, setPrivileges] = useState<PrivilegeEntry[]>([]);
  const [roles, setRoles] = useState<PrivilegeRolesEntry[]>([]);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    session.client.call("privilege.query").then((p) => setPrivileges(p as PrivilegeEntry[])).catch((e) => setError(errorText(e)));
    session.client.call("privilege.roles", [], { order_by: ["name"] }).then((r) => setRoles(r as PrivilegeRolesEntry[])).catch((e) => setError(errorText(e)));
  }, []);
  const shown = roles.filter((r) => r.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section aria-labelledby="privileges-title">
      <h1 id="privileges-title">Privileges</h1>
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Groups</th><th scope="col">Roles</th></tr>
        </thead>
        <tbody>
          {privileges.map((p) => (
            <tr>
              <td>{p.name}</td>
              <td>{p.local_groups.map((g) => g.group).join(", ")}</td>
              <td>{p.roles.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 id="roles-title">Roles</h2>
      <div class="field inline">
        <label for="role-filter">Filter roles</label>
        <input id="role-filter" type="search" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <table class="list" aria-labelledby="roles-title">
        <thead>
          <tr><th scope="col">Role</th><th scope="col">Includes</th></tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr><td>{r.name}</td><td>{r.includes.join(", ")}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

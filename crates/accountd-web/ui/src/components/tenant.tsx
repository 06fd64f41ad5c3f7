// The tenant switcher of the top bar: the session's tenant, and `tenant.switch` to another one the user has access
// in (or to every tenant at once, for a FULL_ADMIN). What the pages list follows the session's tenant.
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api/client";
import type { SessionTenantEntry, TenantEntry } from "../api/generated";
import type { Me, Session } from "../session";

/** The select's value for the all-tenants view. */
const ALL = "*";

export function TenantSwitcher({ session, me, onSwitched }: { session: Session; me: Me; onSwitched: (t: SessionTenantEntry) => void }) {
  const [tenants, setTenants] = useState<TenantEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // A session that may not list tenants shows its own only.
    session.client
      .call("tenant.query", [], { order_by: ["id"] })
      .then((t) => setTenants(t as TenantEntry[]))
      .catch(() => setTenants([]));
  }, [session]);
  const fullAdmin = JSON.stringify(me.privilege.roles).includes('"FULL_ADMIN"');
  const current = me.tenant;
  const choices = tenants.some((t) => t.id === current.id) || current.id === ALL ? tenants : [...tenants, { id: current.id as number, name: current.name } as TenantEntry];
  if (choices.length <= 1 && !fullAdmin) return <span class="tenant" data-tenant-current>{current.name}</span>;
  const change = async (value: string) => {
    try {
      const switched = await session.client.call("tenant.switch", value === ALL ? ALL : Number(value));
      setError(null);
      onSwitched(switched as SessionTenantEntry);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <span class="tenant">
      <label for="tenant-switch">Tenant</label>
      <select id="tenant-switch" value={String(current.id)} onChange={(e) => change((e.currentTarget as HTMLSelectElement).value)}>
        {choices.map((t) => (
          <option value={String(t.id)}>{t.name}</option>
        ))}
        {fullAdmin && <option value={ALL}>All tenants</option>}
      </select>
      {error && <small class="error" role="alert">{error}</small>}
    </span>
  );
}

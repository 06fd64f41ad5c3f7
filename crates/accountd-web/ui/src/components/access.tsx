// A user's access entries: which privilege's roles they hold in which tenant (or in every tenant), and the tenant
// their sessions start in. The service checks every id; its message shows beside the entry it names.
import type { AccessEntry, PrivilegeEntry, TenantEntry } from "../api/generated";
import type { FormErrors } from "./forms";

/** The scope select's value for "every tenant". */
const ALL = "*";

export function AccessEditor(props: {
  entries: AccessEntry[];
  onEntries: (entries: AccessEntry[]) => void;
  defaultTenant: number | null;
  onDefaultTenant: (tenant: number | null) => void;
  privileges: PrivilegeEntry[];
  tenants: TenantEntry[];
  errors?: FormErrors;
}) {
  const { entries, onEntries, privileges, tenants, errors } = props;
  const change = (i: number, entry: AccessEntry) => onEntries(entries.map((e, j) => (j === i ? entry : e)));
  const scopeOf = (e: AccessEntry) => (e.all_tenants ? ALL : String(e.tenant ?? ""));
  const withScope = (e: AccessEntry, scope: string): AccessEntry =>
    scope === ALL ? { privilege: e.privilege, tenant: null, all_tenants: true } : { privilege: e.privilege, tenant: Number(scope), all_tenants: false };
  const add = () => {
    const privilege = privileges[0]?.id;
    const tenant = tenants[0]?.id;
    if (privilege === undefined || tenant === undefined) return;
    onEntries([...entries, { privilege, tenant, all_tenants: false }]);
  };
  const accessError = errors?.get("access");
  return (
    <fieldset class={accessError ? "field wide invalid" : "field wide"} data-access>
      <legend>Access per tenant</legend>
      {entries.length === 0 && <p class="hint">No access entries: the user's roles come from their groups' privileges only.</p>}
      {entries.map((e, i) => (
        <div class="access-row" data-access-row={i}>
          <label for={`access-privilege-${i}`}>Privilege {i + 1}</label>
          <select id={`access-privilege-${i}`} value={String(e.privilege)} onChange={(ev) => change(i, { ...e, privilege: Number((ev.currentTarget as HTMLSelectElement).value) })}>
            {privileges.map((p) => (
              <option value={String(p.id)}>{p.name}</option>
            ))}
            {!privileges.some((p) => p.id === e.privilege) && <option value={String(e.privilege)}>{`Privilege ${e.privilege}`}</option>}
          </select>
          <label for={`access-tenant-${i}`}>in</label>
          <select id={`access-tenant-${i}`} value={scopeOf(e)} onChange={(ev) => change(i, withScope(e, (ev.currentTarget as HTMLSelectElement).value))}>
            {tenants.map((t) => (
              <option value={String(t.id)}>{t.name}</option>
            ))}
            {!e.all_tenants && e.tenant != null && !tenants.some((t) => t.id === e.tenant) && <option value={String(e.tenant)}>{`Tenant ${e.tenant}`}</option>}
            <option value={ALL}>All tenants</option>
          </select>
          <button type="button" class="small" onClick={() => onEntries(entries.filter((_, j) => j !== i))} aria-label={`Remove access entry ${i + 1}`}>Remove</button>
        </div>
      ))}
      <button type="button" class="small" onClick={add} disabled={privileges.length === 0 || tenants.length === 0}>Add access</button>
      {accessError && <small class="error" role="alert" data-field="access">{accessError}</small>}
      <label for="user-default-tenant">Sessions start in</label>
      <select id="user-default-tenant" value={props.defaultTenant === null ? "" : String(props.defaultTenant)} onChange={(ev) => {
        const v = (ev.currentTarget as HTMLSelectElement).value;
        props.onDefaultTenant(v === "" ? null : Number(v));
      }}>
        <option value="">(the first tenant of the user's access)</option>
        {tenants.map((t) => (
          <option value={String(t.id)}>{t.name}</option>
        ))}
      </select>
      {errors?.get("default_tenant") && <small class="error" role="alert" data-field="default_tenant">{errors.get("default_tenant")}</small>}
    </fieldset>
  );
}

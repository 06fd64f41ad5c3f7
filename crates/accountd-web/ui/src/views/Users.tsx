// The users list: filtering, sorting and paging done by the service (`user.query` with limit/offset/count), kept
// live by `core.subscribe("user.query")`.
import { useEffect, useState } from "preact/hooks";
import type { CollectionUpdate } from "../api/client";
import { errorText } from "../api/client";
import type { UserEntry } from "../api/generated";
import type { Session } from "../session";
import { navigate } from "../router";

const PAGE = 50;
/** Milliseconds the search waits for typing to pause before it asks the service. */
const SEARCH_PAUSE = 250;
const COLUMNS = ["username", "full_name", "email", "uid", "locked"] as const;
type Column = (typeof COLUMNS)[number];
const HEADINGS: Record<Column, string> = { username: "Username", full_name: "Full name", email: "Email", uid: "UID", locked: "Locked" };

/** Filters matching `text` at the start of the username, full name or email, case-insensitively. */
function searchFilters(text: string): unknown[][] {
  const q = text.trim();
  if (!q) return [];
  return [["OR", [["username", "C^", q], ["full_name", "C^", q], ["email", "C^", q]]]];
}

export function Users({ session }: { session: Session }) {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [order, setOrder] = useState<{ column: Column; desc: boolean }>({ column: "username", desc: false });
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<UserEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    const filters = searchFilters(query);
    const orderBy = [`${order.desc ? "-" : ""}${order.column}`];
    Promise.all([
      session.client.call("user.query", filters, { limit: PAGE, offset, order_by: orderBy }),
      session.client.call("user.query", filters, { count: true }),
    ])
      .then(([page, count]) => {
        if (!current) return;
        setRows(page as UserEntry[]);
        setTotal(count as number);
        setError(null);
      })
      .catch((e) => current && setError(errorText(e)));
    return () => {
      current = false;
    };
  }, [query, order, offset, reload]);

  useEffect(() => {
    const wait = window.setTimeout(() => {
      setQuery(search);
      setOffset(0);
    }, SEARCH_PAUSE);
    return () => window.clearTimeout(wait);
  }, [search]);

  useEffect(() => {
    let subscription: string | null = null;
    let refresh: number | undefined;
    const stop = session.client.onUpdate((u: CollectionUpdate) => {
      if (u.collection !== "user.query") return;
      if (u.msg === "changed" && u.fields) {
        setRows((list) => list.map((r) => (r.id === u.id ? ({ ...r, ...u.fields } as UserEntry) : r)));
      } else {
        // An added or removed user moves the page: ask again, at most once per 200 ms.
        window.clearTimeout(refresh);
        refresh = window.setTimeout(() => setReload((n) => n + 1), 200);
      }
    });
    session.client
      .call("core.subscribe", "user.query")
      .then((id) => (subscription = id))
      .catch(() => undefined);
    return () => {
      stop();
      window.clearTimeout(refresh);
      if (subscription) session.client.call("core.unsubscribe", subscription).catch(() => undefined);
    };
  }, []);

  const sortBy = (column: Column) =>
    setOrder((o) => ({ column, desc: o.column === column ? !o.desc : false }));
  const last = total === null ? 0 : Math.min(offset + PAGE, total);
  return (
    <section aria-labelledby="users-title">
      <div class="toolbar">
        <h1 id="users-title">Users</h1>
        <button type="button" onClick={() => navigate("/users/new")}>Create user</button>
      </div>
      <div class="field inline">
        <label for="user-search">Search</label>
        <input
          id="user-search"
          type="search"
          placeholder="Username, full name or email"
          value={search}
          onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      {error && <p class="error banner" role="alert">{error}</p>}
      <table class="list" aria-describedby="users-count">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th scope="col" aria-sort={order.column === c ? (order.desc ? "descending" : "ascending") : "none"}>
                <button type="button" class="link" onClick={() => sortBy(c)}>
                  {HEADINGS[c]}
                  {order.column === c ? (order.desc ? " ▼" : " ▲") : ""}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((u) => (
            <tr data-username={u.username}>
              <td>
                <a href={`#/users/${u.id}`}>{u.username}</a>
              </td>
              <td>{u.full_name}</td>
              <td>{u.email ?? ""}</td>
              <td>{u.uid}</td>
              <td>{u.locked ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <span id="users-count">{total === null ? "" : `${total === 0 ? 0 : offset + 1}–${last} of ${total}`}</span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
        <button type="button" disabled={total === null || last >= total} onClick={() => setOffset(offset + PAGE)}>Next</button>
      </div>
    </section>
  );
}

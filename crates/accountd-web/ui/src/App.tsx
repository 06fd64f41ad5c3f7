// The page: first boot, login, then the management views behind a navigation bar; at /ui/reset, the page a
// password reset link opens.
import { useEffect, useState } from "preact/hooks";
import { Client, errorText } from "./api/client";
import { navigate, useRoute } from "./router";
import { Session, type Me } from "./session";
import { ApiKeys } from "./views/ApiKeys";
import { Audit } from "./views/Audit";
import { AuthSources } from "./views/AuthSources";
import { ChangePassword } from "./views/ChangePassword";
import { Groups } from "./views/Groups";
import { Login, Setup } from "./views/Login";
import { Mail } from "./views/Mail";
import { MyAccount } from "./views/MyAccount";
import { Privileges } from "./views/Privileges";
import { Profiles } from "./views/Profiles";
import { Tenants } from "./views/Tenants";
import { TenantSwitcher } from "./components/tenant";
import { ResetPassword, isResetPage } from "./views/Reset";
import { Sessions } from "./views/Sessions";
import { Settings } from "./views/Settings";
import { UserForm } from "./views/UserForm";
import { Users } from "./views/Users";

type Phase = "connecting" | "setup" | "login" | "change-password" | "ready" | "closed";

const NAV: [string, string][] = [
  ["/users", "Users"],
  ["/groups", "Groups"],
  ["/privileges", "Privileges and roles"],
  ["/profiles", "Account profiles"],
  ["/tenants", "Tenants"],
  ["/auth-sources", "Authentication sources"],
  ["/sessions", "Sessions"],
  ["/api-keys", "API keys"],
  ["/audit", "Audit log"],
  ["/mail", "Mail"],
  ["/settings", "Settings"],
  ["/me", "My account"],
];

export function App() {
  // A mailed reset link opens the page at /ui/reset: that page needs no login.
  if (isResetPage(window.location)) return <ResetPassword />;
  return <Management />;
}

function Management() {
  const [session, setSession] = useState(() => new Session(Client.urlForPage(window.location)));
  const [phase, setPhase] = useState<Phase>("connecting");
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped by a tenant switch: the page's view is built anew, so that what it lists is the new tenant's.
  const [tenantVersion, setTenantVersion] = useState(0);
  const route = useRoute();

  useEffect(() => {
    session.client.onClose(() => setPhase("closed"));
    (async () => {
      try {
        const resumed = await session.resume().catch(() => null);
        if (resumed) {
          setMe(resumed);
          setPhase("ready");
          return;
        }
        const hasAdmin = await session.client.call("user.has_local_administrator_set_up");
        setPhase(hasAdmin ? "login" : "setup");
      } catch (e) {
        setError(errorText(e));
      }
    })();
  }, [session]);

  const logout = async () => {
    await session.logout().catch(() => undefined);
    session.client.close();
    setMe(null);
    setSession(new Session(Client.urlForPage(window.location)));
    setPhase("connecting");
    navigate("/users");
  };

  if (error) return <main class="card narrow"><p class="error banner" role="alert">{error}</p></main>;
  if (phase === "closed")
    return (
      <main class="card narrow">
        <p role="alert">The connection to the service was closed.</p>
        <button type="button" onClick={() => window.location.reload()}>Reconnect</button>
      </main>
    );
  if (phase === "connecting") return <main class="card narrow"><p>Connecting…</p></main>;
  if (phase === "setup") return <Setup session={session} onDone={() => setPhase("login")} />;
  if (phase === "change-password" && me)
    return (
      <ChangePassword
        session={session}
        me={me}
        onDone={(m) => {
          setMe(m);
          setPhase("ready");
        }}
        onLogout={logout}
      />
    );
  if (phase === "login" || !me)
    return (
      <Login
        session={session}
        onLoggedIn={(m) => {
          setMe(m);
          setPhase("ready");
        }}
        onMustChange={(m) => {
          setMe(m);
          setPhase("change-password");
        }}
      />
    );

  const [, section, arg] = route.split("/");
  let view;
  switch (section) {
    case "groups": view = <Groups session={session} />; break;
    case "privileges": view = <Privileges session={session} />; break;
    case "profiles": view = <Profiles session={session} />; break;
    case "tenants": view = <Tenants session={session} />; break;
    case "auth-sources": view = <AuthSources session={session} />; break;
    case "sessions": view = <Sessions session={session} />; break;
    case "api-keys": view = <ApiKeys session={session} />; break;
    case "audit": view = <Audit session={session} />; break;
    case "mail": view = <Mail session={session} />; break;
    case "settings": view = <Settings session={session} />; break;
    case "me": view = <MyAccount session={session} />; break;
    case "users":
      view = arg === undefined ? <Users session={session} /> : <UserForm key={arg} session={session} id={arg === "new" ? null : Number(arg)} />;
      break;
    default: view = <Users session={session} />;
  }
  return (
    <div class="layout">
      <header class="top">
        <a class="skip" href="#main">Skip to content</a>
        <span class="brand">accountd</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li><a href={`#${path}`} aria-current={route.startsWith(path) ? "page" : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <TenantSwitcher
          session={session}
          me={me}
          onSwitched={(tenant) => {
            setMe({ ...me, tenant });
            setTenantVersion((n) => n + 1);
          }}
        />
        <span class="who">{me.pw_name}</span>
        <button type="button" class="small" onClick={logout}>Log out</button>
      </header>
      <main id="main" tabIndex={-1} key={tenantVersion}>{view}</main>
    </div>
  );
}

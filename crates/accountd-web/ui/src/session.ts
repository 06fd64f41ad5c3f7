// The page's login session: one WebSocket, logged in once; a page reload logs in again with a short-lived token
// kept in sessionStorage only (never a password or key), ended at logout.
import { Client } from "./api/client";
import type { Result } from "./api/client";

const TOKEN_KEY = "accountd.token";
/** Seconds a reload token stays valid after its last use. */
const TOKEN_TTL = 600;

export type Me = Result<"auth.me">;

/** What a login attempt led to: the page, the code step, a password that must be changed first, or a refusal. */
export type LoginStep =
  | { kind: "done"; me: Me }
  | { kind: "otp" }
  | { kind: "change"; me: Me }
  | { kind: "refused"; message: string };

/** The session may do nothing but change its password (`PASSWORD_CHANGE_REQUIRED`). */
export function mustChangePassword(me: Me): boolean {
  return me.account_attributes.includes("PASSWORD_CHANGE_REQUIRED");
}

/** The session logged in with a one-time password (`OTPW`): its new password needs no old one. */
export function isOnetimeLogin(me: Me): boolean {
  return me.account_attributes.includes("OTPW");
}

export class Session {
  readonly client: Client;
  me: Me | null = null;

  constructor(url: string) {
    this.client = new Client(url);
  }

  /** Logs in again with the token of this tab, if it has one that still works. */
  async resume(): Promise<Me | null> {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return null;
    sessionStorage.removeItem(TOKEN_KEY);
    const reply = await this.client.call("auth.login_ex", { mechanism: "TOKEN_PLAIN", token });
    if (reply.response_type !== "SUCCESS") return null;
    return this.finish();
  }

  /** After the required password change: the session is unrestricted now, and may keep a reload token. */
  async passwordChanged(): Promise<Me> {
    return this.finish();
  }

  async loginPassword(username: string, password: string): Promise<LoginStep> {
    const reply = await this.client.call("auth.login_ex", { mechanism: "PASSWORD_PLAIN", username, password });
    return this.step(reply.response_type);
  }

  async loginOtp(otp: string): Promise<LoginStep> {
    const reply = await this.client.call("auth.login_ex_continue", { mechanism: "OTP_TOKEN", otp_token: otp });
    return this.step(reply.response_type);
  }

  async logout(): Promise<void> {
    sessionStorage.removeItem(TOKEN_KEY);
    try {
      await this.client.call("auth.logout");
    } finally {
      this.me = null;
    }
  }

  private async step(responseType: string): Promise<LoginStep> {
    switch (responseType) {
      case "SUCCESS": {
        const me = await this.client.call("auth.me");
        if (mustChangePassword(me)) {
          this.me = me;
          return { kind: "change", me };
        }
        return { kind: "done", me: await this.finish(me) };
      }
      case "OTP_REQUIRED":
        return { kind: "otp" };
      case "EXPIRED":
        return {
          kind: "refused",
          message: "The password has expired and this account may not log in with it. Ask an administrator for a new password or a one-time password.",
        };
      default:
        return { kind: "refused", message: "Wrong username, password or code." };
    }
  }

  private async finish(known?: Me): Promise<Me> {
    this.me = known ?? (await this.client.call("auth.me"));
    try {
      const token = await this.client.call("auth.generate_token", TOKEN_TTL, {}, true, false);
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // A session that may not make tokens still works; a reload then asks for the password again.
    }
    return this.me;
  }
}

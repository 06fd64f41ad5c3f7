// The page's JSON-RPC 2.0 client over the service's own WebSocket (`/api/current`), typed by generated.ts.
import type { Methods } from "./generated";

export type MethodName = keyof Methods;
export type Params<M extends MethodName> = Methods[M]["params"];
export type Result<M extends MethodName> = Methods[M]["result"];

/** One item of a ValidationErrors list: the attribute it names, the message, the errno. */
export interface FieldError {
  attribute: string | null;
  message: string;
  errno: number;
}

/** An error answered by the service, as TrueNAS shapes it (`error.data`). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly errno: number | null,
    readonly errname: string | null,
    readonly reason: string,
    readonly fields: FieldError[],
  ) {
    super(reason);
  }

  /** The message of the validation error on `attribute` (`user_update.email`) or on its last part (`email`). */
  fieldMessage(name: string): string | undefined {
    const hit = this.fields.find(
      (f) => f.attribute === name || (f.attribute !== null && f.attribute.split(".").slice(1).join(".") === name),
    );
    return hit?.message;
  }
}

/** A `collection_update` notification. */
export interface CollectionUpdate {
  msg: "added" | "changed" | "removed";
  collection: string;
  id: number | string;
  fields?: Record<string, unknown>;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** One WebSocket connection to the service. */
export class Client {
  private socket: WebSocket;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Set<(u: CollectionUpdate) => void>();
  private opened: Promise<void>;
  private closeHandlers = new Set<() => void>();

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.addEventListener("open", () => resolve(), { once: true });
      this.socket.addEventListener("error", () => reject(new Error("Cannot reach the service")), { once: true });
    });
    this.socket.addEventListener("message", (ev) => this.receive(String(ev.data)));
    this.socket.addEventListener("close", () => {
      for (const p of this.pending.values()) p.reject(new Error("The connection to the service was closed"));
      this.pending.clear();
      for (const h of this.closeHandlers) h();
    });
  }

  /** The service's address for this page: the same host, `/api/current`. */
  static urlForPage(location: Location): string {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/api/current`;
  }

  /** Calls `method` with its params tuple. */
  async call<M extends MethodName>(method: M, ...params: Params<M>): Promise<Result<M>> {
    await this.opened;
    const id = this.nextId++;
    const frame = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(frame);
    });
  }

  /** Calls `fn` with every `collection_update` received from now on; returns the function that stops it. */
  onUpdate(fn: (u: CollectionUpdate) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls `fn` when the connection closes. */
  onClose(fn: () => void): void {
    this.closeHandlers.add(fn);
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    let msg: { id?: number; result?: unknown; error?: RpcWireError; method?: string; params?: CollectionUpdate };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.method === "collection_update" && msg.params) {
      for (const l of this.listeners) l(msg.params);
      return;
    }
    if (typeof msg.id !== "number") return;
    const waiting = this.pending.get(msg.id);
    if (!waiting) return;
    this.pending.delete(msg.id);
    if (msg.error) waiting.reject(toRpcError(msg.error));
    else waiting.resolve(msg.result);
  }
}

interface RpcWireError {
  code: number;
  message: string;
  data?: { error?: number; errname?: string; reason?: string; extra?: unknown };
}

function toRpcError(e: RpcWireError): RpcError {
  const data = e.data ?? {};
  const fields: FieldError[] = [];
  if (e.code === -32602 && Array.isArray(data.extra)) {
    for (const item of data.extra) {
      if (Array.isArray(item) && typeof item[1] === "string") {
        fields.push({ attribute: typeof item[0] === "string" ? item[0] : null, message: item[1], errno: Number(item[2]) });
      }
    }
  }
  const reason = fields.length > 0 ? fields.map((f) => f.message).join(" ") : (data.reason ?? e.message);
  return new RpcError(e.code, data.error ?? null, data.errname ?? null, reason.replace(/^\[[A-Z_]+\] /, ""), fields);
}

/** The text to show for any error. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

// Form building blocks: every control has a label, and the server's message for the field it names beside it.
import type { ComponentChildren, JSX } from "preact";
import { useState } from "preact/hooks";
import { RpcError, errorText } from "../api/client";

/** The error of the last submit: messages by field, and the rest. */
export class FormErrors {
  constructor(
    readonly byField: Map<string, string> = new Map(),
    readonly general: string | null = null,
  ) {}

  /** Splits a failed call's error over the form's fields (`user_update.email` -> `email`,
   * `user.set_password.old_password` -> `old_password`, `user_create.groups.0` -> `groups`). */
  static from(e: unknown, fields: readonly string[]): FormErrors {
    if (!(e instanceof RpcError) || e.fields.length === 0) return new FormErrors(new Map(), errorText(e));
    const byField = new Map<string, string>();
    const rest: string[] = [];
    for (const f of e.fields) {
      const field = fieldOf(f.attribute, fields);
      if (field && !byField.has(field)) byField.set(field, f.message);
      else rest.push(f.attribute ? `${f.attribute}: ${f.message}` : f.message);
    }
    return new FormErrors(byField, rest.length ? rest.join(" ") : null);
  }

  get(field: string): string | undefined {
    return this.byField.get(field);
  }
}

/** The form field an error's attribute names: the longest tail of its dotted path that is a field or inside one. */
function fieldOf(attribute: string | null, fields: readonly string[]): string | undefined {
  const parts = attribute?.split(".") ?? [];
  for (let i = 1; i < parts.length; i++) {
    const name = parts.slice(i).join(".");
    const field = fields.find((known) => known === name || name.startsWith(`${known}.`));
    if (field) return field;
  }
  return undefined;
}

let ids = 0;
/** A unique id for a control (labels point at it). */
export function useId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++ids}`);
  return id;
}

interface FieldProps {
  label: string;
  name: string;
  errors?: FormErrors;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}

/** A labelled control with its error message. */
export function Field({ label, name, errors, hint, children }: FieldProps) {
  const id = useId(name);
  const message = errors?.get(name);
  const describedBy = message ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div class={message ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children(id, describedBy)}
      {hint && !message && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {message && (
        <small id={`${id}-error`} class="error" role="alert" data-field={name}>
          {message}
        </small>
      )}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "value" | "onInput" | "label"> & {
  label: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  errors?: FormErrors;
  hint?: string;
};

/** A labelled text input. */
export function TextInput({ label, name, value, onValue, errors, hint, ...rest }: InputProps) {
  return (
    <Field label={label} name={name} errors={errors} hint={hint}>
      {(id, describedBy) => (
        <input
          id={id}
          name={name}
          value={value}
          aria-invalid={errors?.get(name) ? "true" : undefined}
          aria-describedby={describedBy}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
          {...rest}
        />
      )}
    </Field>
  );
}

/** A labelled checkbox. */
export function Checkbox(props: { label: string; name: string; checked: boolean; onValue: (v: boolean) => void; errors?: FormErrors }) {
  const id = useId(props.name);
  const message = props.errors?.get(props.name);
  return (
    <div class={message ? "field check invalid" : "field check"}>
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        onChange={(e) => props.onValue((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
      {message && (
        <small class="error" role="alert" data-field={props.name}>
          {message}
        </small>
      )}
    </div>
  );
}

/** The form-wide error line. */
export function GeneralError({ errors }: { errors: FormErrors | null }) {
  if (!errors?.general) return null;
  return (
    <p class="error banner" role="alert">
      {errors.general}
    </p>
  );
}

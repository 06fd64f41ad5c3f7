// Password rules shared by account profiles and `system.security`: numbers typed as text (what the service
// cannot read as a number it names in a validation error on the field) and the character classes.
import type { PasswordCharClass } from "../api/generated";
import type { FormErrors } from "./forms";

/** The character classes a password rule may require, with their labels. */
export const CHAR_CLASSES: [PasswordCharClass, string][] = [
  ["UPPER", "Upper-case letter"],
  ["LOWER", "Lower-case letter"],
  ["NUMBER", "Digit"],
  ["SPECIAL", "Special character"],
];

/** A typed number: empty is null, digits are a number, anything else goes as typed (the service refuses it). */
export function numberOrNull(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  return /^-?\d+$/.test(t) ? Number(t) : (t as unknown as number);
}

/** A number field's text. */
export function textOf(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** The character-class checkboxes of `password_complexity_ruleset` (none checked sends null). */
export function CharClasses(props: {
  name: string;
  value: PasswordCharClass[];
  onValue: (v: PasswordCharClass[]) => void;
  errors?: FormErrors;
}) {
  const message = props.errors?.get(props.name);
  return (
    <fieldset class={message ? "field checks invalid" : "field checks"}>
      <legend>A password must contain</legend>
      {CHAR_CLASSES.map(([value, label]) => (
        <label class="check-label">
          <input
            type="checkbox"
            name={`${props.name}.${value}`}
            checked={props.value.includes(value)}
            onChange={(e) => {
              const on = (e.currentTarget as HTMLInputElement).checked;
              props.onValue(on ? [...props.value.filter((v) => v !== value), value] : props.value.filter((v) => v !== value));
            }}
          />{" "}
          {label}
        </label>
      ))}
      {message && (
        <small class="error" role="alert" data-field={props.name}>
          {message}
        </small>
      )}
    </fieldset>
  );
}

// Labelled selects over choices the service lists (`user.locale_choices`, `user.timezone_choices`), with "none"
// for an empty value and the current value kept when the service does not list it.
import { useEffect, useState } from "preact/hooks";
import type { Session } from "../session";
import { Field, type FormErrors } from "./forms";

/** The locale and time zone choices, `[value, label]` sorted by label; empty until they arrive. */
export function useProfileChoices(session: Session): { locales: [string, string][]; timezones: [string, string][] } {
  const [locales, setLocales] = useState<[string, string][]>([]);
  const [timezones, setTimezones] = useState<[string, string][]>([]);
  useEffect(() => {
    const sorted = (c: Record<string, string | undefined>) =>
      Object.entries(c)
        .map(([value, label]): [string, string] => [value, label ?? value])
        .sort((a, b) => a[1].localeCompare(b[1]));
    session.client.call("user.locale_choices").then((c) => setLocales(sorted(c))).catch(() => undefined);
    session.client.call("user.timezone_choices").then((c) => setTimezones(sorted(c))).catch(() => undefined);
  }, []);
  return { locales, timezones };
}

interface ChoiceProps {
  label: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  choices: [string, string][];
  errors?: FormErrors;
  /** The label of the empty value. */
  none: string;
}

/** A labelled select of `choices` with an empty value. */
export function ChoiceSelect({ label, name, value, onValue, choices, errors, none }: ChoiceProps) {
  return (
    <Field label={label} name={name} errors={errors}>
      {(id, describedBy) => (
        <select
          id={id}
          name={name}
          value={value}
          aria-invalid={errors?.get(name) ? "true" : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">{none}</option>
          {value !== "" && !choices.some(([v]) => v === value) && <option value={value}>{value}</option>}
          {choices.map(([v, l]) => (
            <option value={v}>{v === l ? v : `${l} (${v})`}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

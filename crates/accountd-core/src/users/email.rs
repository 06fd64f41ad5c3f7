//! The `email` rule of TrueNAS 25.10's `user.create` / `user.update`: pydantic's `EmailStr`, which runs the
//! `email-validator` package without deliverability checks.
//!
//! The syntax is checked by the `email_address` crate (RFC 5322 dot-atom local part, a domain of at least two
//! labels, no domain literal, no display name); on top of it come the rules in which `email-validator` is stricter
//! than the RFC (no quoted local part, letters/digits/hyphens in domain labels, no special-use or numeric
//! top-level domain). A refusal carries `email-validator`'s reason, as pydantic reports it.

use email_address::{EmailAddress, Options};

/// pydantic's limit on the length of the input.
const MAX_INPUT_LENGTH: usize = 2048;
/// RFC 5321's limit on a whole address.
const MAX_ADDRESS_LENGTH: usize = 254;
/// RFC 5321's limit on the local part.
const MAX_LOCAL_PART_LENGTH: usize = 64;
/// RFC 1035's limit on one domain label.
const MAX_LABEL_LENGTH: usize = 63;
/// Top-level names `email-validator` refuses as special-use or reserved.
const SPECIAL_USE_DOMAINS: &[&str] = &["arpa", "invalid", "local", "localhost", "onion", "test"];

/// `None` when `value` is a valid address; else the message pydantic answers for it.
pub(crate) fn email_error(value: &str) -> Option<String> {
    let reason = if value.chars().count() > MAX_INPUT_LENGTH {
        Some(format!("Length must not exceed {MAX_INPUT_LENGTH} characters"))
    } else {
        reason(value)
    };
    reason.map(|r| format!("value is not a valid email address: {r}"))
}

fn reason(value: &str) -> Option<String> {
    let (local, domain) = match split(value) {
        Split::Address(local, domain) => (local, domain),
        Split::NoAtSign => return Some("An email address must have an @-sign.".into()),
        Split::AngleBrackets(rest) => return Some(angle_bracket_reason(rest).into()),
    };
    let unsafe_chars = bad_characters(value, |c| c.is_ascii() || c.is_alphanumeric());
    if local.starts_with('"') {
        return Some("Quoting the part before the @-sign is not allowed here.".into());
    }
    if local.is_empty() {
        return Some("There must be something before the @-sign.".into());
    }
    if domain.is_empty() {
        return Some("There must be something after the @-sign.".into());
    }
    if let Some(r) = local_part_reason(local) {
        return Some(r);
    }
    if !unsafe_chars.is_empty() {
        return Some(format!("The email address contains unsafe characters: {unsafe_chars}."));
    }
    if let Some(r) = domain_reason(domain) {
        return Some(r);
    }
    let length = value.chars().count();
    if length > MAX_ADDRESS_LENGTH {
        let over = length - MAX_ADDRESS_LENGTH;
        return Some(format!(
            "The email address is too long ({over} {} too many).",
            characters(over)
        ));
    }
    // Built through the constructors, not a struct literal: newer releases of the crate add fields.
    let options = Options::default()
        .with_minimum_sub_domains(2)
        .without_domain_literal()
        .without_display_text();
    match EmailAddress::parse_with_options(value, options) {
        Ok(_) => None,
        Err(e) => Some(format!("The email address is not valid ({e}).")),
    }
}

/// Where an input splits, as `email-validator` splits it.
enum Split<'a> {
    /// Local part and domain, at the first `@` outside a leading quoted string.
    Address(&'a str, &'a str),
    /// No `@` outside quotes.
    NoAtSign,
    /// An unquoted `<` came first: the `display name <address>` form, from the `<` on.
    AngleBrackets(&'a str),
}

fn split(value: &str) -> Split<'_> {
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if in_quote {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_quote = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_quote = true,
            '@' => return Split::Address(&value[..i], &value[i + 1..]),
            '<' => return Split::AngleBrackets(&value[i..]),
            _ => {}
        }
    }
    Split::NoAtSign
}

/// The reason for an address in angle brackets (`rest` starts at the `<`); pydantic's `EmailStr` never
/// passes one to `email-validator` with its display name allowed.
fn angle_bracket_reason(rest: &str) -> &'static str {
    match rest.find('>') {
        None => {
            "An open angle bracket at the start of the email address has to be followed by a close angle bracket at \
             the end."
        }
        Some(end) if end + 1 < rest.len() => "There can't be anything after the email address.",
        Some(_) => "A display name and angle brackets around the email address are not permitted here.",
    }
}

fn local_part_reason(local: &str) -> Option<String> {
    // RFC 5321's limit, which `email_address` holds to (`email-validator` only in its strict mode).
    let length = local.chars().count();
    if length > MAX_LOCAL_PART_LENGTH {
        let over = length - MAX_LOCAL_PART_LENGTH;
        return Some(format!(
            "The email address is too long before the @-sign ({over} {} too many).",
            characters(over)
        ));
    }
    let bad = bad_characters(local, |c| !c.is_ascii() || is_local_char(c));
    if !bad.is_empty() {
        return Some(format!(
            "The email address contains invalid characters before the @-sign: {bad}."
        ));
    }
    if local.starts_with('.') {
        return Some("An email address cannot start with a period.".into());
    }
    if local.ends_with('.') {
        return Some("An email address cannot have a period immediately before the @-sign.".into());
    }
    if local.contains("..") {
        return Some("An email address cannot have two periods in a row.".into());
    }
    None
}

fn domain_reason(domain: &str) -> Option<String> {
    if domain.starts_with('[') && domain.ends_with(']') {
        return Some("A bracketed IP address after the @-sign is not allowed here.".into());
    }
    let bad = bad_characters(domain, is_domain_char);
    if !bad.is_empty() {
        return Some(format!("The part after the @-sign contains invalid characters: {bad}."));
    }
    if domain.starts_with('.') {
        return Some("An email address cannot have a period immediately after the @-sign.".into());
    }
    if domain.ends_with('.') {
        return Some("An email address cannot end with a period.".into());
    }
    if domain.contains("..") {
        return Some("An email address cannot have two periods in a row.".into());
    }
    if domain.starts_with('-') {
        return Some("An email address cannot have a hyphen immediately after the @-sign.".into());
    }
    if domain.ends_with('-') {
        return Some("An email address cannot end with a hyphen.".into());
    }
    for label in domain.split('.') {
        let length = label.chars().count();
        if length > MAX_LABEL_LENGTH {
            let over = length - MAX_LABEL_LENGTH;
            return Some(format!(
                "After the @-sign, periods cannot be separated by so many characters ({over} {} too many).",
                characters(over)
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("An email address cannot have a period and a hyphen next to each other.".into());
        }
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return Some("The part after the @-sign is not valid. It should have a period.".into());
    };
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return Some("The part after the @-sign is not valid. It is not within a valid top-level domain.".into());
    }
    let tld = tld.to_lowercase();
    if SPECIAL_USE_DOMAINS.contains(&tld.as_str()) {
        return Some(
            "The part after the @-sign is a special-use or reserved name that cannot be used with email.".into(),
        );
    }
    None
}

/// RFC 5322 `atext` and `.`, and letters and digits of any script.
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || (!c.is_ascii() && c.is_alphanumeric())
}

/// Letters, digits, `-` and `.`, of any script (internationalized domain names).
fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && c.is_alphanumeric())
}

/// The characters of `text` that `ok` refuses, each once in code point order, shown as `email-validator`
/// shows them: printable ones quoted, a space by its name, others as `U+XXXX`.
fn bad_characters(text: &str, ok: fn(char) -> bool) -> String {
    let mut bad: Vec<char> = text.chars().filter(|c| !ok(*c)).collect();
    bad.sort_unstable();
    bad.dedup();
    bad.into_iter().map(display_character).collect::<Vec<_>>().join(", ")
}

fn display_character(c: char) -> String {
    match c {
        '\\' => "\"\\\"".into(),
        '\'' => "\"'\"".into(),
        ' ' => "SPACE".into(),
        '\u{a0}' => "NO-BREAK SPACE".into(),
        c if c.is_ascii_graphic() || (!c.is_ascii() && c.is_alphanumeric()) => format!("'{c}'"),
        c if (c as u32) <= 0xFFFF => format!("U+{:04X}", c as u32),
        c => format!("U+{:08X}", c as u32),
    }
}

fn characters(n: usize) -> &'static str {
    if n == 1 { "character" } else { "characters" }
}

#[cfg(test)]
mod tests {
    use super::email_error;

    /// Each case was checked against `email-validator` 2.3 (`validate_email(value, check_deliverability=False)`).
    #[test]
    fn matches_email_validator() {
        let long_label = format!("a@{}.com", "b".repeat(64));
        let cases: &[(&str, Option<&str>)] = &[
            ("alice@example.com", None),
            ("a@b.c", None),
            ("a@b.c0m", None),
            ("é@b.com", None),
            ("a@é.com", None),
            ("first.last+tag@sub.example.org", None),
            (
                "a b@c.com",
                Some("The email address contains invalid characters before the @-sign: SPACE."),
            ),
            (
                "<script>@x.com",
                Some("There can't be anything after the email address."),
            ),
            (
                "<a@b.com>",
                Some("A display name and angle brackets around the email address are not permitted here."),
            ),
            (
                "Alice <a@b.com",
                Some(
                    "An open angle bracket at the start of the email address has to be followed by a close angle \
                     bracket at the end.",
                ),
            ),
            ("a'b@c.com", None),
            (
                "a\\b@c.com",
                Some("The email address contains invalid characters before the @-sign: \"\\\"."),
            ),
            ("a\"b@c.com", Some("An email address must have an @-sign.")),
            (
                "a@b.com\u{a0}",
                Some("The email address contains unsafe characters: NO-BREAK SPACE."),
            ),
            (
                "a@b-.com",
                Some("An email address cannot have a period and a hyphen next to each other."),
            ),
            (
                "a\u{0}@b.com",
                Some("The email address contains invalid characters before the @-sign: U+0000."),
            ),
            (
                "a\n@b.com",
                Some("The email address contains invalid characters before the @-sign: U+000A."),
            ),
            (
                "a,b@c.com",
                Some("The email address contains invalid characters before the @-sign: ','."),
            ),
            (
                "a@b",
                Some("The part after the @-sign is not valid. It should have a period."),
            ),
            (
                "a@localhost",
                Some("The part after the @-sign is not valid. It should have a period."),
            ),
            (
                "\"a\"@b.com",
                Some("Quoting the part before the @-sign is not allowed here."),
            ),
            ("ab", Some("An email address must have an @-sign.")),
            ("@b.com", Some("There must be something before the @-sign.")),
            ("a@", Some("There must be something after the @-sign.")),
            ("a..b@c.com", Some("An email address cannot have two periods in a row.")),
            (".a@c.com", Some("An email address cannot start with a period.")),
            (
                "a.@c.com",
                Some("An email address cannot have a period immediately before the @-sign."),
            ),
            (
                "a@-b.com",
                Some("An email address cannot have a hyphen immediately after the @-sign."),
            ),
            ("a@b..com", Some("An email address cannot have two periods in a row.")),
            ("a@b.com.", Some("An email address cannot end with a period.")),
            (
                "a@b@c.com",
                Some("The part after the @-sign contains invalid characters: '@'."),
            ),
            (
                "a@b.com ",
                Some("The part after the @-sign contains invalid characters: SPACE."),
            ),
            (
                "a@x_y.com",
                Some("The part after the @-sign contains invalid characters: '_'."),
            ),
            (
                "a@[1.2.3.4]",
                Some("A bracketed IP address after the @-sign is not allowed here."),
            ),
            (
                "a@1.2.3.4",
                Some("The part after the @-sign is not valid. It is not within a valid top-level domain."),
            ),
            (
                "a@b.123",
                Some("The part after the @-sign is not valid. It is not within a valid top-level domain."),
            ),
            (
                "a@x.test",
                Some("The part after the @-sign is a special-use or reserved name that cannot be used with email."),
            ),
            (
                "a@b.local",
                Some("The part after the @-sign is a special-use or reserved name that cannot be used with email."),
            ),
            (
                "a@b.arpa",
                Some("The part after the @-sign is a special-use or reserved name that cannot be used with email."),
            ),
            (
                &long_label,
                Some("After the @-sign, periods cannot be separated by so many characters (1 character too many)."),
            ),
        ];
        for (value, reason) in cases {
            let expected = reason.map(|r| format!("value is not a valid email address: {r}"));
            assert_eq!(email_error(value), expected, "{value:?}");
        }
    }

    #[test]
    fn length_limits() {
        let domain = format!("{}.{}.{}.com", "b".repeat(63), "c".repeat(63), "d".repeat(59));
        let at_limit = format!("{}@{domain}", "a".repeat(62));
        assert_eq!(at_limit.len(), 254);
        assert_eq!(email_error(&at_limit), None);
        assert_eq!(
            email_error(&format!("{}@{domain}", "a".repeat(63))).as_deref(),
            Some("value is not a valid email address: The email address is too long (1 character too many).")
        );
        assert_eq!(
            email_error(&format!("{}@b.com", "a".repeat(66))).as_deref(),
            Some(
                "value is not a valid email address: The email address is too long before the @-sign (2 characters too many)."
            )
        );
        assert_eq!(
            email_error(&"a".repeat(2049)).as_deref(),
            Some("value is not a valid email address: Length must not exceed 2048 characters")
        );
    }
}

//! `datetime.fromisoformat()` (Python 3.11) for the value of a `<field>.$date` condition.
//!
//! Accepted: `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by any single separator character and a time
//! `HH[:MM[:SS[.f…]]]` / `HH[MM[SS[.f…]]]` (fraction with `.` or `,`, digits past 6 truncated), optionally followed
//! by `Z` or a `±HH[:MM[:SS[.ffffff]]]` offset. A timestamp without an offset is taken as UTC (entries carry UTC
//! milliseconds). ISO week dates (`2024-W01-1`) are not supported.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// Microseconds since the Unix epoch, or `None` when Python would raise `ValueError`.
pub(crate) fn parse_micros(s: &str) -> Option<i128> {
    let (date, rest) = parse_date(s)?;
    let (time, offset) = if rest.is_empty() {
        (Time::MIDNIGHT, UtcOffset::UTC)
    } else {
        let mut chars = rest.chars();
        chars.next()?; // any single separator character
        parse_time_and_offset(chars.as_str())?
    };
    let dt = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some(dt.unix_timestamp_nanos() / 1000)
}

fn digits(s: &str, n: usize) -> Option<u32> {
    let part = s.get(..n)?;
    if part.len() == n && part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn parse_date(s: &str) -> Option<(Date, &str)> {
    let year = digits(s, 4)?;
    let (month, day, used) = if s.as_bytes().get(4) == Some(&b'-') {
        if s.as_bytes().get(7) != Some(&b'-') {
            return None;
        }
        (digits(&s[5..], 2)?, digits(s.get(8..)?, 2)?, 10)
    } else {
        (digits(&s[4..], 2)?, digits(s.get(6..)?, 2)?, 8)
    };
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let year = i32::try_from(year).ok()?;
    if year < 1 {
        return None;
    }
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    Some((date, s.get(used..)?))
}

/// `HH[:MM[:SS[.frac]]]` or `HH[MM[SS[.frac]]]`: hour, minute, second, microsecond and the unparsed rest.
fn parse_clock(s: &str) -> Option<(u32, u32, u32, u32, &str)> {
    let hour = digits(s, 2)?;
    let mut rest = &s[2..];
    let extended = rest.starts_with(':');
    let mut fields = [0u32; 2];
    for field in &mut fields {
        let candidate = if extended {
            match rest.strip_prefix(':') {
                Some(r) => r,
                None => break,
            }
        } else {
            rest
        };
        match digits(candidate, 2) {
            Some(v) => {
                *field = v;
                rest = &candidate[2..];
            }
            None if extended => return None,
            None => break,
        }
    }
    let mut micros = 0;
    if let Some(frac) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let kept = &frac[..n.min(6)];
        micros = kept.parse::<u32>().ok()? * 10u32.pow(6 - kept.len() as u32);
        rest = &frac[n..];
    }
    Some((hour, fields[0], fields[1], micros, rest))
}

fn parse_time_and_offset(s: &str) -> Option<(Time, UtcOffset)> {
    let (h, m, sec, micros, rest) = parse_clock(s)?;
    let time = Time::from_hms_micro(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(sec).ok()?,
        micros,
    )
    .ok()?;
    let offset = match rest.as_bytes().first() {
        None => UtcOffset::UTC,
        Some(b'Z') if rest.len() == 1 => UtcOffset::UTC,
        Some(sign @ (b'+' | b'-')) => {
            let (oh, om, os, _, tail) = parse_clock(&rest[1..])?;
            if !tail.is_empty() || oh >= 24 || om >= 60 || os >= 60 {
                return None;
            }
            let k: i32 = if *sign == b'-' { -1 } else { 1 };
            let total = k * i32::try_from(oh * 3600 + om * 60 + os).ok()?;
            UtcOffset::from_whole_seconds(total).ok()?
        }
        Some(_) => return None,
    };
    Some((time, offset))
}

#[cfg(test)]
mod tests {
    use super::parse_micros;

    #[test]
    fn accepted_forms() {
        let day = 1_704_067_200_000_000_i128; // 2024-01-01T00:00:00Z
        let table: &[(&str, Option<i128>)] = &[
            ("2024-01-01", Some(day)),
            ("20240101", Some(day)),
            ("2024-01-01T00:00:00", Some(day)),
            ("2024-01-01 00:00", Some(day)),
            ("2024-01-01T01", Some(day + 3_600_000_000)),
            ("2024-01-01T000001", Some(day + 1_000_000)),
            ("2024-01-01T00:00:00.5", Some(day + 500_000)),
            ("2024-01-01T00:00:00,000001789", Some(day + 1)),
            ("2024-01-01T00:00:00Z", Some(day)),
            ("2024-01-01T02:00:00+02:00", Some(day)),
            ("2023-12-31T22:00:00-0200", Some(day)),
            ("2024-01-01T00:00:00+01", Some(day - 3_600_000_000)),
            ("2024-13-01", None),
            ("2024-02-30", None),
            ("2024-01-01T25:00", None),
            ("2024-01-01T", None),
            ("2024/01/01", None),
            ("yesterday", None),
            ("2024-01-01T00:00:00+24:00", None),
            ("2024-01-01T00:0", None),
            ("", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_micros(input), *want, "{input}");
        }
    }
}

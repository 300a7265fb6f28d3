//! Times the way ONTAP writes them: ISO-8601 durations (`PT8H35M42S`, `P1DT2H`) and
//! timestamps with a numeric offset (`2021-04-10T09:51:13+00:00`).

use std::time::Duration;

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const TIMESTAMP: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
);

/// `2021-04-10T09:51:13+00:00`.
pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    t.format(TIMESTAMP).unwrap_or_else(|_| t.to_string())
}

/// An ISO-8601 duration as ONTAP prints `lag_time`: `PT8H35M42S`, `P2DT1H`, `PT0S`.
pub(crate) fn iso_duration(d: Duration) -> String {
    let mut s = d.as_secs();
    let days = s / 86_400;
    s %= 86_400;
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if h > 0 || m > 0 || sec > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if sec > 0 || (h == 0 && m == 0) {
            out.push_str(&format!("{sec}S"));
        }
    }
    out
}

/// Parses an ISO-8601 duration, leniently (`P2DT` and `PT10H` both parse), to seconds.
pub(crate) fn parse_iso_duration(s: &str) -> Option<u64> {
    let rest = s
        .trim()
        .strip_prefix('P')
        .or_else(|| s.trim().strip_prefix('p'))?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let mut total = 0u64;
    let mut parse_part = |part: &str, units: &[(char, u64)]| -> Option<()> {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else {
                let (_, mult) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
                total += num.parse::<u64>().ok()? * mult;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    parse_part(
        date,
        &[
            ('Y', 365 * 86_400),
            ('M', 30 * 86_400),
            ('W', 7 * 86_400),
            ('D', 86_400),
        ],
    )?;
    parse_part(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_ontap() {
        assert_eq!(
            iso_duration(Duration::from_secs(8 * 3600 + 35 * 60 + 42)),
            "PT8H35M42S"
        );
        assert_eq!(iso_duration(Duration::from_secs(0)), "PT0S");
        assert_eq!(iso_duration(Duration::from_secs(86_400 + 3600)), "P1DT1H");
        assert_eq!(iso_duration(Duration::from_secs(2 * 86_400)), "P2D");
    }

    #[test]
    fn durations_parse_back_leniently() {
        assert_eq!(parse_iso_duration("PT8H35M42S"), Some(30_942));
        assert_eq!(parse_iso_duration("P2DT"), Some(172_800));
        assert_eq!(parse_iso_duration("PT10H"), Some(36_000));
        assert_eq!(parse_iso_duration("10H"), None);
        assert_eq!(parse_iso_duration("PTxS"), None);
    }

    #[test]
    fn timestamps_carry_numeric_offset() {
        let t = time::macros::datetime!(2021-04-10 09:51:13 UTC);
        assert_eq!(timestamp(t), "2021-04-10T09:51:13+00:00");
    }
}

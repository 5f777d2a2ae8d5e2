//! Date-times as the scheme uses them: UTC instants with one-second precision, written as
//! `YYYY-MM-DDThh:mm:ssZ`, and calendar dates for `assessedOn`.
//!
//! Parsing accepts any XML Schema `dateTimeStamp` (an explicit offset is required, fractional
//! seconds are allowed), because credentials from other implementations may carry them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// A date-time that could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("not a date-time with a time zone (e.g. 2027-04-01T00:00:00Z): {0}")]
pub struct TimestampError(String);

/// A UTC instant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(OffsetDateTime::UNIX_EPOCH);

    /// Parses an RFC 3339 / XSD dateTimeStamp.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        // RFC 3339 allows a lower-case `t`/`z` and a space; XSD does not. Be strict.
        let strict = text.len() <= 40 && text.get(10..11) == Some("T") && !text.contains('z');
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .filter(|_| strict)
            .map(|t| Self(t.to_offset(UtcOffset::UTC)))
            .ok_or_else(|| TimestampError(crate::keys::truncate(text)))
    }

    /// Parses a date-time, or a bare date `YYYY-MM-DD` taken as 00:00:00Z that day (for
    /// command-line convenience).
    pub fn parse_lenient(text: &str) -> Result<Self, TimestampError> {
        match CalendarDate::parse(text) {
            Ok(date) => Ok(date.start_of_day()),
            Err(_) => Self::parse(text),
        }
    }

    /// From seconds since the Unix epoch.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// Seconds since the Unix epoch (fractions dropped).
    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// This instant truncated to whole seconds, as the scheme writes them.
    pub fn whole_seconds(&self) -> Self {
        Self::from_unix(self.unix()).unwrap_or(*self)
    }

    /// `days` whole days later, or `None` past year 9999.
    pub fn plus_days(&self, days: i64) -> Option<Self> {
        self.0
            .checked_add(time::Duration::days(days))
            .filter(|t| t.year() <= 9999)
            .map(Self)
    }

    /// The same date and time `years` calendar years later; 29 February becomes 1 March.
    pub fn plus_years(&self, years: i32) -> Option<Self> {
        let date = self.0.date();
        let year = date
            .year()
            .checked_add(years)
            .filter(|y| (0..=9999).contains(y))?;
        let moved = date
            .replace_year(year)
            .ok()
            .or_else(|| time::Date::from_calendar_date(year, time::Month::March, 1).ok())?;
        Some(Self(self.0.replace_date(moved)))
    }

    /// Whole and partial days from `self` to `later`, rounded up.
    pub fn days_until(&self, later: &Timestamp) -> i64 {
        let seconds = later.unix() - self.unix();
        seconds.div_euclid(86_400) + i64::from(seconds.rem_euclid(86_400) != 0)
    }

    /// The UTC calendar date.
    pub fn date(&self) -> CalendarDate {
        CalendarDate(self.0.date())
    }

    /// This instant in Japan's time (UTC+9, no daylight saving).
    fn jst(&self) -> OffsetDateTime {
        UtcOffset::from_hms(9, 0, 0)
            .map(|offset| self.0.to_offset(offset))
            .unwrap_or(self.0)
    }

    /// This instant as people in Japan read it: `2029年3月31日 18:05:09 JST`.
    pub fn jst_text(&self) -> String {
        let jst = self.jst();
        format!(
            "{}年{}月{}日 {:02}:{:02}:{:02} JST",
            jst.year(),
            u8::from(jst.month()),
            jst.day(),
            jst.hour(),
            jst.minute(),
            jst.second()
        )
    }

    /// The calendar date in Japan: the date a person in Japan reads for this instant.
    pub fn date_in_japan(&self) -> CalendarDate {
        CalendarDate(self.jst().date())
    }

    /// The date and minute in Japan for a Japanese page: `2026年11月28日 23:39（日本時間）`.
    pub fn jst_minute_ja(&self) -> String {
        let jst = self.jst();
        format!(
            "{} {:02}:{:02}（日本時間）",
            self.date_in_japan().ja_text(),
            jst.hour(),
            jst.minute()
        )
    }

    /// The date and minute in Japan for an English page: `28 Nov 2026, 23:39 JST`.
    pub fn jst_minute_en(&self) -> String {
        let jst = self.jst();
        format!(
            "{}, {:02}:{:02} JST",
            self.date_in_japan().en_text(),
            jst.hour(),
            jst.minute()
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let (year, month, day) = t.to_calendar_date();
        let (hour, minute, second) = t.to_hms();
        // Verification reports write several timestamps each; write the digits directly rather
        // than through the padded integer formatting below (same text, several times faster).
        if (0..=9999).contains(&year) {
            let mut text = *b"0000-00-00T00:00:00Z";
            let two = |out: &mut [u8], n: u8| {
                out[0] = b'0' + n / 10;
                out[1] = b'0' + n % 10;
            };
            two(&mut text[0..2], (year / 100) as u8);
            two(&mut text[2..4], (year % 100) as u8);
            two(&mut text[5..7], u8::from(month));
            two(&mut text[8..10], day);
            two(&mut text[11..13], hour);
            two(&mut text[14..16], minute);
            two(&mut text[17..19], second);
            return f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?);
        }
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar date `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(Date);

/// A date that could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("not a date YYYY-MM-DD: {0}")]
pub struct DateError(String);

/// A date before 令和 (2019-05-01), which [`CalendarDate::wareki`] does not write.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error(
    "{0} is before 令和 (2019-05-01): only Reiwa dates are written in the Japanese era calendar"
)]
pub struct EraError(String);

impl CalendarDate {
    /// `2029/03/31`: the date as Japanese office documents write it.
    pub fn slashed(&self) -> String {
        format!(
            "{:04}/{:02}/{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// `2026年11月28日`: the date as Japanese pages write it.
    pub fn ja_text(&self) -> String {
        format!(
            "{}年{}月{}日",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// `28 Nov 2026`: the date as English pages write it (day first, month in words, so that
    /// neither a Japanese nor an American reader mistakes it).
    pub fn en_text(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS
            .get(usize::from(u8::from(self.0.month())).saturating_sub(1))
            .copied()
            .unwrap_or("");
        format!("{} {month} {}", self.0.day(), self.0.year())
    }

    /// The date in the Japanese era calendar (和暦), `令和8年11月28日` (the first year is
    /// 令和元年). Only Reiwa is known: the scheme holds no credential from before it, so an
    /// earlier date is refused rather than converted by rules this code does not test.
    pub fn wareki(&self) -> Result<String, EraError> {
        let reiwa = Date::from_calendar_date(2019, time::Month::May, 1)
            .map_err(|_| EraError(self.to_string()))?;
        if self.0 < reiwa {
            return Err(EraError(self.to_string()));
        }
        let year = self.0.year() - 2018;
        let year = if year == 1 {
            "元".to_owned()
        } else {
            year.to_string()
        };
        Ok(format!(
            "令和{year}年{}月{}日",
            u8::from(self.0.month()),
            self.0.day()
        ))
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        (text.len() == 10)
            .then(|| Date::parse(text, &format).ok())
            .flatten()
            .map(Self)
            .ok_or_else(|| DateError(crate::keys::truncate(text)))
    }

    /// 00:00:00Z on this date.
    pub fn start_of_day(&self) -> Timestamp {
        Timestamp(self.0.midnight().assume_utc())
    }

    /// Days since 1970-01-01 (negative before), the compact form used in the QR payload.
    pub fn days_since_epoch(&self) -> i64 {
        self.start_of_day().unix().div_euclid(86_400)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl fmt::Debug for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jst_text_is_nine_hours_ahead_and_crosses_the_date() {
        let t = Timestamp::parse("2029-03-31T15:05:09Z").unwrap();
        assert_eq!(t.jst_text(), "2029年4月1日 00:05:09 JST");
        let t = Timestamp::parse("2029-03-31T00:00:00Z").unwrap();
        assert_eq!(t.jst_text(), "2029年3月31日 09:00:00 JST");
    }

    #[test]
    fn dates_for_people_in_japanese_english_and_the_era_calendar() {
        let t = Timestamp::parse("2026-11-28T14:39:54Z").unwrap();
        assert_eq!(t.jst_minute_ja(), "2026年11月28日 23:39（日本時間）");
        assert_eq!(t.jst_minute_en(), "28 Nov 2026, 23:39 JST");
        // 15:00Z is already the next day in Japan.
        let late = Timestamp::parse("2026-11-28T15:00:00Z").unwrap();
        assert_eq!(late.date_in_japan().ja_text(), "2026年11月29日");
        assert_eq!(late.date_in_japan().en_text(), "29 Nov 2026");
        let date = |text: &str| CalendarDate::parse(text).unwrap();
        assert_eq!(date("2026-11-28").wareki().unwrap(), "令和8年11月28日");
        assert_eq!(date("2019-05-01").wareki().unwrap(), "令和元年5月1日");
        assert_eq!(date("2020-01-01").wareki().unwrap(), "令和2年1月1日");
        assert_eq!(date("2099-12-31").wareki().unwrap(), "令和81年12月31日");
        // 平成 ended on 30 April 2019: refused, not guessed.
        let refused = date("2019-04-30").wareki().unwrap_err();
        assert!(refused.to_string().contains("before 令和"), "{refused}");
        assert_eq!(date("2026-01-05").en_text(), "5 Jan 2026");
    }

    #[test]
    fn parses_xsd_forms_and_normalises_to_utc() {
        let t = Timestamp::parse("2027-04-01T09:00:00+09:00").unwrap();
        assert_eq!(t.to_string(), "2027-04-01T00:00:00Z");
        let ms = Timestamp::parse("2027-04-01T00:00:00.123Z").unwrap();
        assert_eq!(ms.whole_seconds().to_string(), "2027-04-01T00:00:00Z");
        for bad in [
            "2027-04-01",
            "2027-04-01T00:00:00",
            "2027-04-01 00:00:00Z",
            "yesterday",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// The direct digit writer gives the text the padded `write!` gives, for every instant
        /// `time` can hold (years -9999 to 9999; outside 0..=9999 the padded form is used).
        #[test]
        fn display_matches_padded_formatting(seconds in -377_705_116_800_i64..253_402_300_800) {
            let t = Timestamp::from_unix(seconds).unwrap().0;
            let padded = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            proptest::prop_assert_eq!(Timestamp(t).to_string(), padded);
        }
    }

    #[test]
    fn display_at_the_ends_of_the_range() {
        for (seconds, text) in [
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (-62_167_219_201, "-001-12-31T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (0, "1970-01-01T00:00:00Z"),
        ] {
            assert_eq!(Timestamp::from_unix(seconds).unwrap().to_string(), text);
        }
    }

    #[test]
    fn counts_days_rounding_up() {
        let a = Timestamp::parse("2027-04-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2028-03-31T23:59:59Z").unwrap();
        assert_eq!(a.days_until(&b), 366);
        assert_eq!(a.days_until(&a.plus_days(366).unwrap()), 366);
    }

    #[test]
    fn adds_calendar_years() {
        let a = Timestamp::parse("2027-04-01T00:00:00Z").unwrap();
        assert_eq!(a.plus_years(3).unwrap().to_string(), "2030-04-01T00:00:00Z");
        let leap = Timestamp::parse("2028-02-29T12:00:00Z").unwrap();
        assert_eq!(
            leap.plus_years(1).unwrap().to_string(),
            "2029-03-01T12:00:00Z"
        );
        assert_eq!(a.plus_years(8000), None);
    }

    #[test]
    fn dates() {
        let d = CalendarDate::parse("2027-03-15").unwrap();
        assert_eq!(d.to_string(), "2027-03-15");
        assert_eq!(
            CalendarDate::parse("1970-01-02")
                .unwrap()
                .days_since_epoch(),
            1
        );
        assert!(CalendarDate::parse("2027-02-30").is_err());
        let late_utc = Timestamp::parse("2029-03-30T15:00:00Z").unwrap();
        assert_eq!(late_utc.date_in_japan().slashed(), "2029/03/31");
        let before = Timestamp::parse("2029-03-30T14:59:59Z").unwrap();
        assert_eq!(before.date_in_japan().slashed(), "2029/03/30");
        assert!(CalendarDate::parse("2027-3-15").is_err());
        assert_eq!(
            Timestamp::parse_lenient("2027-03-15").unwrap().to_string(),
            "2027-03-15T00:00:00Z"
        );
    }
}

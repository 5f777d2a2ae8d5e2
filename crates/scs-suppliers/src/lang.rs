//! The language a person reads: the registry's pages and the supplier check's CSV are in one of
//! two, where the CLI's reports print both side by side.

use scs_core::report::Message;

/// The language of a page or a report: Japanese unless English is asked for (`?lang=en` on a
/// page, `--lang en` on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// One of two texts.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Ja => ja,
            Self::En => en,
        }
    }

    /// A message in this language.
    pub fn msg(self, message: &Message) -> &str {
        self.pick(&message.ja, &message.en)
    }

    /// `ja` or `en`.
    pub fn code(self) -> &'static str {
        self.pick("ja", "en")
    }

    /// From a query string.
    pub fn from_query(query: Option<&str>) -> Self {
        let english = query.unwrap_or("").split('&').any(|pair| pair == "lang=en");
        if english {
            Self::En
        } else {
            Self::Ja
        }
    }

    /// `path` with this language's query parameter.
    pub fn href(self, path: &str) -> String {
        match self {
            Self::Ja => path.to_owned(),
            Self::En if path.contains('?') => format!("{path}&lang=en"),
            Self::En => format!("{path}?lang=en"),
        }
    }
}

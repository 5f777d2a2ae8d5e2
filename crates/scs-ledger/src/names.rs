//! The company-name index behind `GET /v1/organizations?name=` and the look-up page: partial
//! matches on names folded so that full-width and half-width forms, letter case and spaces do
//! not matter.
//!
//! It is held in memory and rebuilt from the registrations in the log at start-up, so it is kept
//! compact: every folded name sits in one text arena (each followed by a newline, which folding
//! removes from names, so no match can span two), every legal name in another, and an entry is
//! the ends of its two texts and its 法人番号 as a number: about 160 bytes of process memory a
//! company, measured with a million companies of Japanese and English names, where a `String`
//! per field cost about 460.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use unicode_normalization::UnicodeNormalization;

/// Folds a name for matching: NFKC (full-width Latin letters and digits to half-width,
/// half-width katakana to full-width, the ideographic space to a space), lower case, no
/// whitespace. So "ＡＢＣ　株式会社", "abc株式会社" and "ABC 株式会社" match, and so do
/// "ｶﾌﾞｼｷｶﾞｲｼｬ" and "カブシキガイシャ".
pub(crate) fn fold_name(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// One company found by name (`GET /v1/organizations?name=` lists them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NameMatch {
    /// 法人番号.
    pub corporate_number: String,
    /// As registered.
    pub legal_name: String,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// End of its folded name (before the newline) in `folded`.
    folded_end: usize,
    /// End of its legal name in `legal`.
    legal_end: usize,
    corporate_number: u64,
}

/// Names in the order they were first indexed.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    folded: String,
    legal: String,
    entries: Vec<Entry>,
    /// Hash of (法人番号, folded name) → entry, so that adding a name is O(1).
    seen: HashMap<u64, usize>,
}

impl NameIndex {
    /// Number of entries.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Indexes a company's name (the Japanese legal name, and the English one if any). A name
    /// already indexed for the same company is not added twice.
    pub(crate) fn insert(
        &mut self,
        corporate_number: &str,
        legal_name: &str,
        legal_name_en: Option<&str>,
    ) {
        let Ok(number) = corporate_number.parse::<u64>() else {
            return;
        };
        let folded = fold_name(legal_name) + &legal_name_en.map(fold_name).unwrap_or_default();
        let key = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (number, &folded).hash(&mut hasher);
            hasher.finish()
        };
        let same = |at: usize| {
            self.entries[at].corporate_number == number && self.folded_text(at) == folded
        };
        match self.seen.get(&key) {
            Some(&at) if same(at) => return,
            // A hash collision: fall back to looking.
            Some(_) if (0..self.entries.len()).any(same) => return,
            Some(_) => {}
            None => {
                self.seen.insert(key, self.entries.len());
            }
        }
        self.folded.push_str(&folded);
        let folded_end = self.folded.len();
        self.folded.push('\n');
        self.legal.push_str(legal_name);
        self.entries.push(Entry {
            folded_end,
            legal_end: self.legal.len(),
            corporate_number: number,
        });
    }

    /// Makes room for `companies` entries before a bulk load (see
    /// [`crate::directory::Directory::reserve`]: no table freed while growing).
    pub(crate) fn reserve(&mut self, companies: usize) {
        self.entries.reserve(companies);
        self.seen.reserve(companies);
    }

    /// Gives back the spare capacity the arenas grew with (up to half of them), once a bulk
    /// load is done.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.folded.shrink_to_fit();
        self.legal.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.seen.shrink_to_fit();
    }

    /// Companies whose folded name contains the folded `query`, in the order first indexed, one
    /// row per company, at most `limit`.
    pub(crate) fn search(&self, query: &str, limit: usize) -> Vec<NameMatch> {
        let query = fold_name(query);
        let mut found: Vec<NameMatch> = Vec::new();
        if query.is_empty() {
            return found;
        }
        let mut last_entry = None;
        for (at, _) in self.folded.match_indices(&query) {
            let entry = self
                .entries
                .partition_point(|e| e.folded_end < at + query.len());
            if last_entry == Some(entry) || entry >= self.entries.len() {
                continue;
            }
            last_entry = Some(entry);
            let corporate_number = format!("{:013}", self.entries[entry].corporate_number);
            if found.iter().any(|f| f.corporate_number == corporate_number) {
                continue;
            }
            found.push(NameMatch {
                corporate_number,
                legal_name: self.legal_text(entry).to_owned(),
            });
            if found.len() >= limit {
                break;
            }
        }
        found
    }

    fn folded_text(&self, entry: usize) -> &str {
        let start = entry
            .checked_sub(1)
            .map_or(0, |previous| self.entries[previous].folded_end + 1);
        &self.folded[start..self.entries[entry].folded_end]
    }

    fn legal_text(&self, entry: usize) -> &str {
        let start = entry
            .checked_sub(1)
            .map_or(0, |previous| self.entries[previous].legal_end);
        &self.legal[start..self.entries[entry].legal_end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_treats_widths_case_and_spaces_alike() {
        assert_eq!(fold_name("ＡＢＣ　株式会社"), fold_name("abc 株式会社"));
        assert_eq!(fold_name("ＡＢＣ　株式会社"), "abc株式会社");
        assert_eq!(fold_name("ｶﾌﾞｼｷｶﾞｲｼｬ"), "カブシキガイシャ");
        assert_eq!(fold_name("Ｎｏ．１"), "no.1");
        assert!(!fold_name("a\nb").contains('\n'));
    }

    fn index() -> NameIndex {
        let mut names = NameIndex::default();
        names.insert(
            "1010001000006",
            "さくら精密工業株式会社",
            Some("Sakura Precision"),
        );
        names.insert("2010001000005", "株式会社あおば", None);
        names.insert(
            "1010001000006",
            "さくら精密工業株式会社",
            Some("Sakura Precision"),
        );
        names.insert("3010001000004", "ｻｸﾗ商事株式会社", None);
        names
    }

    #[test]
    fn a_company_is_indexed_once() {
        assert_eq!(index().len(), 3);
    }

    #[test]
    fn partial_matches_in_any_width_and_case() {
        let names = index();
        let hit = names.search("精密", 10);
        assert_eq!(
            hit,
            vec![NameMatch {
                corporate_number: "1010001000006".into(),
                legal_name: "さくら精密工業株式会社".into(),
            }]
        );
        assert_eq!(names.search("ＳＡＫＵＲＡ ｐｒｅｃｉｓｉｏｎ", 10), hit);
        assert_eq!(names.search("サクラ", 10)[0].legal_name, "ｻｸﾗ商事株式会社");
        assert_eq!(names.search("株式会社", 10).len(), 3);
        assert_eq!(names.search("株式会社", 2).len(), 2);
        assert!(names.search("存在しない", 10).is_empty());
        assert!(names.search("　", 10).is_empty());
    }

    #[test]
    fn no_match_spans_two_names() {
        let names = index();
        // "…precision" ends one entry and "株式会社あおば" starts the next.
        assert!(names.search("precision株式", 10).is_empty());
    }

    #[test]
    fn a_company_with_two_names_is_one_row() {
        let mut names = index();
        names.insert("2010001000005", "株式会社あおば工業", None);
        let hit = names.search("あおば", 10);
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].legal_name, "株式会社あおば");
    }
}

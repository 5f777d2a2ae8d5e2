//! The company-name index behind `GET /v1/organizations?name=` and the look-up page: partial
//! matches on names folded ([`fold_name`]) so that a name is found however a person types it —
//! hiragana or katakana, full- or half-width, small kana or not, with or without long-vowel
//! marks, hyphens and 株式会社 — by its legal name, English name or reading (フリガナ).
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

/// Folds a name for matching, so that a name is found however a person types it:
///
/// - NFKC: full-width Latin letters and digits to half-width, half-width katakana to
///   full-width, the ideographic space to a space, ㈱ to (株), ㍿ to 株式会社;
/// - lower case, no whitespace;
/// - hiragana to katakana (さくら → サクラ), and small kana to their full forms (キャノン →
///   キヤノン, ヶ → ケ), as a reading is often written either way;
/// - the long-vowel mark, the hyphen and dash family and the middle dot dropped (セーコー and
///   セイコ-, ザ・サクラ and ザサクラ);
/// - one legal-form designation (株式会社, (株), 有限会社, 一般社団法人 …, see
///   [`LEGAL_FORMS`]) dropped from the start and one from the end, so that (株)さくら and
///   さくら株式会社 both find 株式会社さくら精機.
///
/// So "ＡＢＣ　株式会社", "abc株式会社" and "ABC 株式会社" all fold to "abc", and "ｻｸﾗ",
/// "さくら" and "サクラ" to "サクラ". Folding is linear in the length of the text.
pub(crate) fn fold_name(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !is_dropped_mark(*c))
        .map(full_katakana)
        .collect();
    without_legal_form(&folded).to_owned()
}

/// Signs that people write, leave out or type in different ways within a name: the long-vowel
/// mark (ｰ is ー after NFKC), the hyphens, dashes and minus signs that stand in for it, and the
/// middle dot (･ is ・ after NFKC).
fn is_dropped_mark(c: char) -> bool {
    matches!(
        c,
        'ー' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '・'
    )
}

/// Hiragana to katakana (the two blocks lie 0x60 apart, letter for letter), then small kana to
/// their full forms; anything else as it is.
fn full_katakana(c: char) -> char {
    let c = match c {
        'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    };
    match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        _ => c,
    }
}

/// Legal-form designations, as they read after the rest of the folding (NFKC turns （株） and
/// ㈱ into (株); small kana are full, so カブシキガイシャ reads カブシキガイシヤ). Longer forms
/// come before the shorter ones they contain.
const LEGAL_FORMS: [&str; 37] = [
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社会福祉法人",
    "独立行政法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "医療法人",
    "学校法人",
    "npo法人",
    "カブシキガイシヤ",
    "カブシキカイシヤ",
    "ユウゲンガイシヤ",
    "ユウゲンカイシヤ",
    "ゴウドウガイシヤ",
    "ゴウドウカイシヤ",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "(一社)",
    "(一財)",
    "(公社)",
    "(公財)",
    "(社)",
    "(財)",
    "(医)",
    "(学)",
    "(福)",
    "(特非)",
    "(独)",
];

/// `name` without one legal-form designation at its start and one at its end.
fn without_legal_form(name: &str) -> &str {
    let name = LEGAL_FORMS
        .iter()
        .find_map(|form| name.strip_prefix(form))
        .unwrap_or(name);
    LEGAL_FORMS
        .iter()
        .find_map(|form| name.strip_suffix(form))
        .unwrap_or(name)
}

/// One company whose name matched; the query layer adds what it holds
/// ([`crate::query::NameMatch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameHit {
    /// 法人番号.
    pub(crate) corporate_number: String,
    /// As registered.
    pub(crate) legal_name: String,
}

/// Between the folded forms of one company's names (its legal name, English name and
/// reading): whitespace, which folding removes, so that no match spans two of them.
const BETWEEN_NAMES: char = '\t';

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

    /// Indexes a company's names: the Japanese legal name, and the English one and the
    /// reading (フリガナ) if any. Names already indexed for the same company are not added
    /// twice.
    pub(crate) fn insert(
        &mut self,
        corporate_number: &str,
        legal_name: &str,
        legal_name_en: Option<&str>,
        legal_name_kana: Option<&str>,
    ) {
        let Ok(number) = corporate_number.parse::<u64>() else {
            return;
        };
        let mut folded = fold_name(legal_name);
        for other in [legal_name_en, legal_name_kana].into_iter().flatten() {
            folded.push(BETWEEN_NAMES);
            folded.push_str(&fold_name(other));
        }
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
    pub(crate) fn search(&self, query: &str, limit: usize) -> Vec<NameHit> {
        let query = fold_name(query);
        let mut found: Vec<NameHit> = Vec::new();
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
            found.push(NameHit {
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
        assert_eq!(fold_name("ＡＢＣ　株式会社"), "abc");
        assert_eq!(fold_name("ｶﾌﾞｼｷｶﾞｲｼｬ"), fold_name("カブシキガイシャ"));
        assert_eq!(fold_name("ｶﾌﾞｼｷｶﾞｲｼｬ"), "");
        assert_eq!(fold_name("Ｎｏ．１"), "no.1");
        assert!(!fold_name("a\nb").contains('\n'));
    }

    #[test]
    fn every_way_of_typing_sakura_folds_alike() {
        for typed in [
            "サクラ",
            "ｻｸﾗ",
            "さくら",
            "(株)さくら",
            "（株）さくら",
            "㈱さくら",
            "株式会社さくら",
            "株式会社 さくら",
            "さくら株式会社",
            "さくら(株)",
            "さくら㈱",
            "㍿さくら",
            "有限会社さくら",
            "(有)さくら",
            "㈲さくら",
            "合同会社さくら",
            "一般社団法人さくら",
            "さくら一般財団法人",
            "カブシキガイシャさくら",
        ] {
            assert_eq!(fold_name(typed), "サクラ", "{typed}");
        }
    }

    #[test]
    fn small_kana_fold_to_their_full_forms() {
        assert_eq!(fold_name("キャノン"), fold_name("キヤノン"));
        assert_eq!(fold_name("きゃのん"), "キヤノン");
        assert_eq!(fold_name("ｷｬﾉﾝ"), "キヤノン");
        assert_eq!(
            fold_name("ァィゥェォッャュョヮヵヶ"),
            "アイウエオツヤユヨワカケ"
        );
        assert_eq!(fold_name("霞ヶ関"), fold_name("霞ケ関"));
        assert_eq!(fold_name("ゕゖ"), "カケ");
    }

    #[test]
    fn long_vowel_marks_hyphens_and_middle_dots_are_dropped() {
        let plain = fold_name("セイコエプソン");
        for typed in [
            "セイコーエプソン",
            "ｾｲｺｰｴﾌﾟｿﾝ",
            "セイコ-エプソン",
            "セイコ‐エプソン",
            "セイコ‑エプソン",
            "セイコ‒エプソン",
            "セイコ–エプソン",
            "セイコ—エプソン",
            "セイコ―エプソン",
            "セイコ−エプソン",
            "セイコ－エプソン",
            "セイコ﹣エプソン",
            "セイコ・エプソン",
            "セイコ･エプソン",
        ] {
            assert_eq!(fold_name(typed), plain, "{typed}");
        }
        assert_eq!(fold_name("Sakura-Tech"), "sakuratech");
    }

    #[test]
    fn only_a_legal_form_at_either_end_is_dropped() {
        assert_eq!(fold_name("株式会社さくら株式会社"), "サクラ");
        assert_eq!(fold_name("さくら株式会社東京"), "サクラ株式会社東京");
        assert_eq!(fold_name("株式会社"), "");
        assert_eq!(fold_name("特定非営利活動法人みどり"), "ミドリ");
        assert_eq!(fold_name("NPO法人みどり"), "ミドリ");
    }

    fn index() -> NameIndex {
        let mut names = NameIndex::default();
        names.insert(
            "1010001000006",
            "さくら精密工業株式会社",
            Some("Sakura Precision"),
            None,
        );
        names.insert("2010001000005", "株式会社あおば", None, None);
        names.insert(
            "1010001000006",
            "さくら精密工業株式会社",
            Some("Sakura Precision"),
            None,
        );
        names.insert("3010001000004", "ｻｸﾗ商事株式会社", None, None);
        names.insert(
            "4010001000003",
            "株式会社北斗製作所",
            Some("Hokuto Seisakusho"),
            Some("ホクトセイサクショ"),
        );
        names
    }

    #[test]
    fn a_company_is_indexed_once() {
        assert_eq!(index().len(), 4);
    }

    #[test]
    fn partial_matches_in_any_width_and_case() {
        let names = index();
        let hit = names.search("精密", 10);
        assert_eq!(
            hit,
            vec![NameHit {
                corporate_number: "1010001000006".into(),
                legal_name: "さくら精密工業株式会社".into(),
            }]
        );
        assert_eq!(names.search("ＳＡＫＵＲＡ ｐｒｅｃｉｓｉｏｎ", 10), hit);
        let legal_names = |query| -> Vec<String> {
            names
                .search(query, 10)
                .into_iter()
                .map(|hit| hit.legal_name)
                .collect()
        };
        for sakura in [
            "サクラ",
            "ｻｸﾗ",
            "さくら",
            "(株)さくら",
            "㈱さくら",
            "さくら株式会社",
        ] {
            assert_eq!(
                legal_names(sakura),
                ["さくら精密工業株式会社", "ｻｸﾗ商事株式会社"],
                "{sakura}"
            );
        }
        assert_eq!(names.search("さくら", 1).len(), 1);
        // A legal form alone is no name.
        assert!(names.search("株式会社", 10).is_empty());
        assert!(names.search("存在しない", 10).is_empty());
        assert!(names.search("　", 10).is_empty());
    }

    #[test]
    fn no_match_spans_two_names() {
        let names = index();
        // "…precision" ends one entry and "株式会社あおば" starts the next.
        assert!(names.search("precisionあおば", 10).is_empty());
        // Nor one spanning a company's legal name and its English name or reading.
        assert!(names.search("製作所hokuto", 10).is_empty());
        assert!(names.search("seisakushoほくと", 10).is_empty());
    }

    #[test]
    fn a_reading_finds_a_kanji_name() {
        let names = index();
        for reading in [
            "ほくと",
            "ホクト",
            "ﾎｸﾄ",
            "ほくとせいさくしょ",
            "ホクトセイサクシヨ",
        ] {
            let hit = names.search(reading, 10);
            assert_eq!(hit.len(), 1, "{reading}");
            assert_eq!(hit[0].legal_name, "株式会社北斗製作所");
        }
    }

    #[test]
    fn a_company_with_two_names_is_one_row() {
        let mut names = index();
        names.insert("2010001000005", "株式会社あおば工業", None, None);
        let hit = names.search("あおば", 10);
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].legal_name, "株式会社あおば");
    }
}

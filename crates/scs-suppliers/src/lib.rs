//! Checking a supplier list at once: the registry's web page `/bulk` and `scs verify-batch`
//! (SPEC §8).
//!
//! Both read the same list ([`read_list`]: CSV in UTF-8 or Shift_JIS, or an `.xlsx` workbook),
//! judge each row with [`judge_all`] into a [`Category`] and write the same CSV ([`to_csv`]),
//! workbook ([`to_xlsx`]) or JSON ([`to_json`]). What differs is only the [`RegistrySource`] they ask:
//! the registry's own ledger for the web page, and a registry over HTTP for the CLI (which then
//! checks every signature itself, against the trust list it checked against the pinned operator
//! key). This crate knows neither: it does no I/O and does not depend on the registry, so the
//! CLI's check does not go through the server's code.
//!
//! A row is judged by verifying the company's registered credentials — active ones first,
//! highest ★ first — with the question "at least the ★ asked for, for this 法人番号, now", until
//! one is valid. So the verdict of a row is the verdict `scs verify` would give the best
//! credential the company has, and its reason is that report's.
//!
//! Bad rows never stop the list: a row that cannot be read (wrong check digit, a ★ that is not
//! 3, 4 or 5, an unterminated quote) gets the verdict 無効 and the category 入力エラー with the
//! reason, and the next row is read. Rows past [`MAX_ROWS`] are counted, not judged.
//!
//! - [`input`]: the file's bytes into rows of cells (which encoding, or a workbook).
//! - [`list`]: the rows read into suppliers, each with its 法人番号 and ★ required (given, or
//!   worked out from the trust list's [`RequiredLevelRule`](scs_core::trust_list::RequiredLevelRule))
//!   or why it cannot be read, with the user's other columns kept.
//! - [`judge`]: the rows judged against a [`RegistrySource`].
//! - [`category`]: what a result means for the ordering company, and the precedence.
//! - [`output`]: the results as CSV, workbook or JSON, and their summary.
//! - [`lang`]: the language ([`Lang`]) of the CSV and of the registry's pages.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod category;
pub mod input;
pub mod judge;
pub mod lang;
pub mod list;
pub mod output;

pub use category::{Category, EXPIRING_DAYS};
pub use input::Encoding;
pub use judge::{judge_all, CredentialSummary, Organization, RegistrySource, RowResult};
pub use lang::Lang;
pub use list::{
    corporate_number_message, read_list, KeptColumn, ListError, Parsed, Row, MAX_CSV_BYTES,
    MAX_ROWS,
};
pub use output::{
    office_date, office_time, problems_only, state_text, summary, to_csv, to_json, to_xlsx, Summary,
};

//! What people read about a designated issuer on the 指定機関一覧: its English name, how to reach
//! it, its site. Optional members of an issuer's entry, so that editions signed before they
//! existed stay valid; checked when present, because every page of the registry shows them.

use serde::{Deserialize, Serialize};

use super::{DesignatedIssuer, TrustListError};

/// Longest English name, in characters.
pub const MAX_NAME_EN_CHARS: usize = 200;
/// Longest e-mail address (RFC 5321's path limit), in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest telephone number as written, in characters.
pub const MAX_PHONE_CHARS: usize = 32;
/// Longest site address, in characters.
pub const MAX_SITE_URL_CHARS: usize = 300;

/// How to reach a designated issuer: an e-mail address, a telephone number, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerContact {
    /// E-mail address, `name@example.jp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Telephone number as people write it: `03-1234-5678`, `+81-3-1234-5678`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The descriptive part of an issuer's entry, as the operator edits it (`scs trust-list
/// add-issuer` and `set-issuer`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuerAbout {
    /// 名称.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// How to reach it.
    pub contact: Option<IssuerContact>,
    /// Its site, `https://…`.
    pub url: Option<String>,
}

impl IssuerContact {
    /// The telephone number as a `tel:` link target: its `+` and digits only.
    pub fn phone_href(&self) -> Option<String> {
        self.phone.as_ref().map(|phone| {
            let dialled: String = phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            format!("tel:{dialled}")
        })
    }
}

impl DesignatedIssuer {
    /// The name to show in `english` or Japanese: the English form when asked for and given,
    /// else 名称.
    pub fn name_for(&self, english: bool) -> &str {
        match &self.name_en {
            Some(en) if english => en,
            _ => &self.name,
        }
    }

    /// Its descriptive part.
    pub fn about(&self) -> IssuerAbout {
        IssuerAbout {
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            contact: self.contact.clone(),
            url: self.url.clone(),
        }
    }

    /// Replaces its descriptive part.
    pub(super) fn set_about(&mut self, about: IssuerAbout) {
        self.name = about.name;
        self.name_en = about.name_en;
        self.contact = about.contact;
        self.url = about.url;
    }
}

impl IssuerAbout {
    /// Refuses a blank name, an English name too long, a contact with nothing in it or with an
    /// address or number that cannot be one, a site that is not `https://`.
    pub fn check(&self) -> Result<(), TrustListError> {
        check_about(
            &self.name,
            self.name_en.as_deref(),
            self.contact.as_ref(),
            self.url.as_deref(),
        )
    }
}

impl DesignatedIssuer {
    /// [`IssuerAbout::check`] of its descriptive part.
    pub(super) fn check_about(&self) -> Result<(), TrustListError> {
        check_about(
            &self.name,
            self.name_en.as_deref(),
            self.contact.as_ref(),
            self.url.as_deref(),
        )
    }
}

fn check_about(
    name: &str,
    name_en: Option<&str>,
    contact: Option<&IssuerContact>,
    url: Option<&str>,
) -> Result<(), TrustListError> {
    if name.trim().is_empty() {
        return Err(refused("name must not be blank (名称が空です)"));
    }
    if name_en.is_some_and(|en| en.trim().is_empty() || en.chars().count() > MAX_NAME_EN_CHARS) {
        return Err(refused(
            "nameEn must be 1 to 200 characters (英語名称は1〜200文字です)",
        ));
    }
    if let Some(contact) = contact {
        check_contact(contact)?;
    }
    if let Some(url) = url.filter(|url| !is_site_url(url)) {
        return Err(refused(&format!(
            "url {url:?} is not an https:// address of at most {MAX_SITE_URL_CHARS} characters \
             (サイトは https:// で始まるアドレスで指定してください)"
        )));
    }
    Ok(())
}

fn refused(why: &str) -> TrustListError {
    TrustListError::Shape(why.to_owned())
}

fn check_contact(contact: &IssuerContact) -> Result<(), TrustListError> {
    if contact.email.is_none() && contact.phone.is_none() {
        return Err(refused(
            "contact needs an email or a phone (連絡先にはメールか電話番号が必要です)",
        ));
    }
    if let Some(email) = contact.email.as_deref().filter(|e| !is_email(e)) {
        return Err(refused(&format!(
            "contact.email {email:?} is not an e-mail address (メールアドレスの形ではありません)"
        )));
    }
    if let Some(phone) = contact.phone.as_deref().filter(|p| !is_phone(p)) {
        return Err(refused(&format!(
            "contact.phone {phone:?} is not a telephone number: digits, with + - ( ) or spaces \
             (電話番号は半角の数字と + - ( ) で指定してください)"
        )));
    }
    Ok(())
}

/// `local@domain.tld`: one `@`, a local part of at most 64 printable ASCII characters without
/// quoting, a domain of letters, digits and hyphens in at least two dot-separated labels.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && !"\"(),:;<>@[\\]".contains(c));
    text.len() <= MAX_EMAIL_CHARS && local_ok && is_host_name(domain) && domain.contains('.')
}

/// Letters, digits and hyphens in dot-separated labels (an internationalised name in its
/// `xn--` form), none empty, at most 253 characters.
fn is_host_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Half-width digits (5 to 15 of them, E.164's most) with `-`, spaces and parentheses between,
/// and `+` only in front.
fn is_phone(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    text.chars().count() <= MAX_PHONE_CHARS
        && (5..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || "-() ".contains(c))
}

/// `https://host[:port][/path…]`, printable ASCII that needs no escaping in HTML or a link.
fn is_site_url(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    text.len() <= MAX_SITE_URL_CHARS
        && is_host_name(host)
        && text
            .chars()
            .all(|c| c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about() -> IssuerAbout {
        IssuerAbout {
            name: "評価機関".into(),
            name_en: Some("Evaluation Body".into()),
            contact: Some(IssuerContact {
                email: Some("scs-desk@example.jp".into()),
                phone: Some("03-1234-5678".into()),
            }),
            url: Some("https://www.example.jp/scs/".into()),
        }
    }

    #[test]
    fn a_plausible_contact_and_an_https_site_are_accepted() {
        about().check().unwrap();
        let mut only_phone = about();
        only_phone.contact = Some(IssuerContact {
            email: None,
            phone: Some("+81 (3) 1234-5678".into()),
        });
        only_phone.check().unwrap();
        assert_eq!(
            only_phone.contact.unwrap().phone_href().unwrap(),
            "tel:+81312345678"
        );
        let mut bare = about();
        bare.name_en = None;
        bare.contact = None;
        bare.url = None;
        bare.check().unwrap();
    }

    #[test]
    fn a_site_that_is_not_https_or_a_contact_that_is_not_one_is_refused() {
        let with = |edit: fn(&mut IssuerAbout)| {
            let mut about = about();
            edit(&mut about);
            about.check().is_err()
        };
        assert!(with(|a| a.url = Some("http://www.example.jp".into())));
        assert!(with(|a| a.url = Some("https://".into())));
        assert!(with(|a| a.url = Some("https://exa mple.jp".into())));
        assert!(with(
            |a| a.url = Some("https://example.jp/\"onmouseover".into())
        ));
        assert!(with(
            |a| a.url = Some(format!("https://example.jp/{}", "a".repeat(300)))
        ));
        assert!(with(|a| a.url = Some("javascript:alert(1)".into())));
        assert!(with(|a| a.contact = Some(IssuerContact::default())));
        let emails = [
            "desk",
            "desk@",
            "@example.jp",
            "desk@localhost",
            "a b@example.jp",
        ]
        .map(|e| IssuerContact {
            email: Some(e.into()),
            phone: None,
        });
        let phones = [
            "1234",
            "０３-1234-5678",
            "03-1234-5678 ext. 9",
            "0312+345678",
        ]
        .map(|p| IssuerContact {
            email: None,
            phone: Some(p.into()),
        });
        for contact in emails.into_iter().chain(phones) {
            let mut bad = about();
            bad.contact = Some(contact.clone());
            assert!(bad.check().is_err(), "{contact:?}");
        }
        assert!(with(|a| a.name_en = Some("E".repeat(201))));
        assert!(with(|a| a.name = " ".into()));
    }
}

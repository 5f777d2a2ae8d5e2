//! Building a trust list edition before the operator signs it: a first edition, designating
//! an issuer, withdrawing one. Pure edits of the subject; `scs trust-list sign` signs the result.

use super::{
    DesignatedIssuer, DesignationState, DesignationStatus, IssuerAbout, Policy, RegistryInfo, Role,
    TrustList, TrustListError,
};
use crate::credential::Level;
use crate::keys::DidKey;
use crate::timestamp::Timestamp;

impl TrustList {
    /// Edition 1 for a new registry: no issuers yet, the scheme's default policy (★3 and ★4).
    pub fn first_edition(registry: RegistryInfo) -> Result<Self, TrustListError> {
        let edition = Self {
            kind: "SCSTrustList".into(),
            sequence: 1,
            issuers: Vec::new(),
            registry,
            policy: Policy::default(),
            in_force: Default::default(),
        };
        edition.check()?;
        Ok(edition)
    }

    /// Designates `key` for `levels` from `from`, with the roles those levels need, described
    /// by `about` (checked). A key already listed is refused: an issuer's entry is changed,
    /// not duplicated, so that one key never has two designations to choose from.
    pub fn designate(
        &mut self,
        key: &DidKey,
        about: IssuerAbout,
        levels: &[Level],
        from: Timestamp,
    ) -> Result<(), TrustListError> {
        about.check()?;
        if self.issuer(key).is_some() {
            return Err(TrustListError::Edit(format!(
                "{key} is already in this edition"
            )));
        }
        if levels.is_empty() {
            return Err(TrustListError::Edit(
                "an issuer needs at least one ★ level".into(),
            ));
        }
        if let Some(level) = levels.iter().find(|l| self.policy.rule(**l).is_none()) {
            return Err(TrustListError::Edit(format!(
                "the edition's policy has no rule for ★{}, so no issuer can be designated for it",
                level.get()
            )));
        }
        let mut levels = levels.to_vec();
        levels.sort();
        levels.dedup();
        self.issuers.push(DesignatedIssuer {
            id: key.to_string(),
            name: about.name,
            name_en: about.name_en,
            contact: about.contact,
            url: about.url,
            roles: roles_for(&levels),
            levels,
            valid_from: from,
            valid_until: None,
            keys: Vec::new(),
            status: DesignationStatus {
                state: DesignationState::Active,
                since: None,
                compromised_since: None,
            },
        });
        Ok(())
    }

    /// Replaces the descriptive part of `key`'s entry (names, contact, site) with `about`
    /// (checked); its designation is untouched.
    pub fn describe(&mut self, key: &DidKey, about: IssuerAbout) -> Result<(), TrustListError> {
        about.check()?;
        self.issuer_mut(key)?.set_about(about);
        Ok(())
    }

    pub(super) fn issuer_mut(
        &mut self,
        key: &DidKey,
    ) -> Result<&mut DesignatedIssuer, TrustListError> {
        self.issuers
            .iter_mut()
            .find(|i| i.key_uses().any(|k| key.is_did(k.id)))
            .ok_or_else(|| TrustListError::Edit(format!("{key} is not in this edition")))
    }

    /// Withdraws `key`'s designation from `since`; with `compromised_since`, everything the
    /// key signed from then on is void too. The entry stays (an edition may not drop an
    /// issuer: verifiers still judge what it signed while designated).
    pub fn withdraw(
        &mut self,
        key: &DidKey,
        since: Timestamp,
        compromised_since: Option<Timestamp>,
    ) -> Result<(), TrustListError> {
        let issuer = self.issuer_mut(key)?;
        if let (DesignationState::Withdrawn, Some(earlier)) =
            (issuer.status.state, issuer.status.since)
        {
            // Moving a withdrawal later would revive what the key signed in between.
            return Err(TrustListError::Edit(format!(
                "{key} was already withdrawn on {earlier}"
            )));
        }
        issuer.status = DesignationStatus {
            state: DesignationState::Withdrawn,
            since: Some(since),
            compromised_since,
        };
        Ok(())
    }

    /// The next edition to edit: the same content with the sequence one higher.
    pub fn next_edition(&self) -> Result<Self, TrustListError> {
        let sequence = self
            .sequence
            .checked_add(1)
            .ok_or_else(|| TrustListError::Edit("sequence cannot go higher".into()))?;
        Ok(Self {
            sequence,
            in_force: Default::default(),
            ..self.clone()
        })
    }
}

/// ★3 is confirmed by a confirming expert organisation; ★4 and up are evaluated by an
/// evaluation body (SPEC §4).
fn roles_for(levels: &[Level]) -> Vec<Role> {
    let mut roles = Vec::new();
    if levels.iter().any(|l| *l >= Level::STAR4) {
        roles.push(Role::EvaluationBody);
    }
    if levels.contains(&Level::STAR3) {
        roles.push(Role::ConfirmingExpertOrganization);
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::super::tests::t;
    use super::*;
    use crate::keys::SecretKey;

    fn key(n: u8) -> DidKey {
        SecretKey::from_seed(&[n; 32]).public().did_key()
    }

    fn named(name: &str) -> IssuerAbout {
        IssuerAbout {
            name: name.into(),
            ..Default::default()
        }
    }

    fn first() -> TrustList {
        TrustList::first_edition(RegistryInfo {
            base_url: "https://registry.example".into(),
            status_key: key(8).to_string(),
            log_key: key(9).to_string(),
        })
        .unwrap()
    }

    #[test]
    fn a_designated_issuer_is_authorised_for_its_levels_only() {
        let mut edition = first();
        let from = t("2027-01-01T00:00:00Z");
        edition
            .designate(
                &key(1),
                named("評価機関"),
                &[Level::STAR4, Level::STAR3],
                from,
            )
            .unwrap();
        let issuer = &edition.issuers[0];
        assert_eq!(issuer.levels, vec![Level::STAR3, Level::STAR4]);
        assert_eq!(
            issuer.roles,
            vec![Role::EvaluationBody, Role::ConfirmingExpertOrganization]
        );
        let later = Some(t("2027-06-01T00:00:00Z"));
        assert!(edition.authorise(&key(1), Level::STAR4, later).is_ok());
        assert!(edition
            .authorise(&key(1), Level::STAR4, Some(t("2026-12-31T00:00:00Z")))
            .is_err());
        assert!(edition.authorise(&key(2), Level::STAR4, later).is_err());
        edition.check().unwrap();
    }

    #[test]
    fn a_key_is_designated_once_and_only_for_levels_the_policy_has() {
        let mut edition = first();
        let from = t("2027-01-01T00:00:00Z");
        edition
            .designate(&key(1), named("A"), &[Level::STAR3], from)
            .unwrap();
        assert_eq!(
            edition.issuers[0].roles,
            vec![Role::ConfirmingExpertOrganization]
        );
        assert!(edition
            .designate(&key(1), named("A"), &[Level::STAR4], from)
            .is_err());
        assert!(edition
            .designate(&key(2), named("B"), &[Level::STAR5], from)
            .is_err());
        assert!(edition.designate(&key(2), named("B"), &[], from).is_err());
        assert_eq!(edition.issuers.len(), 1);
    }

    #[test]
    fn a_withdrawn_issuer_stays_listed_and_stops_counting() {
        let mut edition = first();
        edition
            .designate(
                &key(1),
                named("A"),
                &[Level::STAR4],
                t("2027-01-01T00:00:00Z"),
            )
            .unwrap();
        let since = t("2028-01-01T00:00:00Z");
        edition.withdraw(&key(1), since, None).unwrap();
        assert_eq!(edition.issuers.len(), 1);
        assert!(edition
            .authorise(&key(1), Level::STAR4, Some(t("2027-06-01T00:00:00Z")))
            .is_ok());
        assert!(edition
            .authorise(&key(1), Level::STAR4, Some(t("2028-06-01T00:00:00Z")))
            .is_err());
        assert!(edition.withdraw(&key(2), since, None).is_err());
        let later = t("2029-01-01T00:00:00Z");
        assert!(
            edition.withdraw(&key(1), later, None).is_err(),
            "a withdrawal is not moved later"
        );
        assert_eq!(edition.issuers[0].status.since, Some(since));
        assert_eq!(edition.next_edition().unwrap().sequence, 2);
    }

    #[test]
    fn an_issuers_names_contact_and_site_are_changed_but_not_its_designation() {
        let mut edition = first();
        let from = t("2027-01-01T00:00:00Z");
        edition
            .designate(&key(1), named("A"), &[Level::STAR4], from)
            .unwrap();
        let about = IssuerAbout {
            name: "評価機関A".into(),
            name_en: Some("Evaluation Body A".into()),
            contact: Some(super::super::IssuerContact {
                email: Some("desk@a.example.jp".into()),
                phone: None,
            }),
            url: Some("https://a.example.jp".into()),
        };
        edition.describe(&key(1), about.clone()).unwrap();
        assert_eq!(edition.issuers[0].about(), about);
        assert_eq!(edition.issuers[0].valid_from, from);
        let mut not_a_site = about;
        not_a_site.url = Some("ftp://a.example.jp".into());
        assert!(edition.describe(&key(1), not_a_site.clone()).is_err());
        assert!(edition
            .designate(&key(2), not_a_site, &[Level::STAR4], from)
            .is_err());
        assert!(edition.describe(&key(2), named("B")).is_err());
        assert_eq!(edition.issuers.len(), 1);
        edition.check().unwrap();
    }
}

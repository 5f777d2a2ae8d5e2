//! `--demo`: about thirty demo companies with ★3 and ★4 credentials — valid, revoked,
//! suspended, reinstated, expired and renewed — registered through the same signed-request path
//! as real issuers use, so the demo ledger is a real ledger.

use std::path::Path;

use scs_core::credential::{Level, Scope};
use scs_core::ids::CorporateNumber;
use scs_core::keys::SecretKey;
use scs_core::lifecycle::{sign_request, Reason, RequestBody};
use scs_core::proof::{self, ProofPurpose};
use scs_core::timestamp::Timestamp;
use scs_issuer::{IssueParams, SubjectInput};
use serde_json::Value;

use crate::demo_keys::DemoFile;
use scs_ledger::{Effect, Ledger};

/// The フリガナ of each of [`COMPANIES`], in the same order, as the 法人番号公表サイト gives
/// readings: katakana, without the legal form.
const READINGS: [&str; 30] = [
    "サクラセイキ",
    "フジミデンシ",
    "アオバシステム",
    "ミナトブツリュウ",
    "ホクトセイサクショ",
    "シノノメカガクコウギョウ",
    "カモメショクヒン",
    "ヒカリツウシン",
    "ヤマトメディカル",
    "ツバサコウクウブヒン",
    "ミドリケンセツ",
    "アサヒソフトウェア",
    "シラカバインサツ",
    "アオゾラデンキ",
    "ナギサスイサン",
    "イロハショウジ",
    "コダマセイミツ",
    "スズランジョウホウサービス",
    "ヤマビコキンゾク",
    "ハヤテウンユ",
    "コトブキセイヤク",
    "イズミデンソウ",
    "アケボノコウギョウ",
    "トキワデータ",
    "フタバジュシ",
    "クロシオエンジニアリング",
    "ユウヒデンシ",
    "オオゾラネット",
    "ヒマワリショウカイ",
    "ハクチョウセイサクショ",
];

/// What happens to a demo company's credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    Valid,
    Revoked(Reason),
    Suspended(Reason),
    Reinstated,
    Expired,
    Renewed,
}

const COMPANIES: [(&str, &str, u8, Story); 30] = [
    (
        "株式会社さくら精機",
        "Sakura Seiki Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "富士見電子株式会社",
        "Fujimi Denshi Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社青葉システム",
        "Aoba System Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "みなと物流株式会社",
        "Minato Logistics Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社北斗製作所",
        "Hokuto Seisakusho Co., Ltd.",
        4,
        Story::Revoked(Reason::Fraud),
    ),
    (
        "東雲化学工業株式会社",
        "Shinonome Chemical Industries Co., Ltd.",
        4,
        Story::Suspended(Reason::Nonconformity),
    ),
    (
        "株式会社かもめ食品",
        "Kamome Foods Co., Ltd.",
        3,
        Story::Expired,
    ),
    (
        "株式会社ひかり通信",
        "Hikari Tsushin Co., Ltd.",
        4,
        Story::Renewed,
    ),
    (
        "大和メディカル株式会社",
        "Yamato Medical Co., Ltd.",
        3,
        Story::Revoked(Reason::OrganizationDissolved),
    ),
    (
        "株式会社つばさ航空部品",
        "Tsubasa Aero Parts Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社みどり建設",
        "Midori Construction Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "朝日ソフトウェア株式会社",
        "Asahi Software Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社しらかば印刷",
        "Shirakaba Printing Co., Ltd.",
        3,
        Story::Reinstated,
    ),
    (
        "株式会社あおぞら電機",
        "Aozora Electric Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社なぎさ水産",
        "Nagisa Suisan Co., Ltd.",
        3,
        Story::Expired,
    ),
    (
        "株式会社いろは商事",
        "Iroha Shoji Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社こだま精密",
        "Kodama Precision Co., Ltd.",
        4,
        Story::Revoked(Reason::ScopeChange),
    ),
    (
        "株式会社すずらん情報サービス",
        "Suzuran Information Services Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社やまびこ金属",
        "Yamabiko Metals Co., Ltd.",
        4,
        Story::Renewed,
    ),
    (
        "株式会社はやて運輸",
        "Hayate Transport Co., Ltd.",
        3,
        Story::Suspended(Reason::HolderRequest),
    ),
    (
        "株式会社ことぶき製薬",
        "Kotobuki Pharmaceutical Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社いずみ電装",
        "Izumi Densou Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社あけぼの工業",
        "Akebono Kogyo Co., Ltd.",
        4,
        Story::Revoked(Reason::IssuerError),
    ),
    (
        "株式会社ときわデータ",
        "Tokiwa Data Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社ふたば樹脂",
        "Futaba Jushi Co., Ltd.",
        3,
        Story::Expired,
    ),
    (
        "株式会社くろしおエンジニアリング",
        "Kuroshio Engineering Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社ゆうひ電子",
        "Yuhi Denshi Co., Ltd.",
        3,
        Story::Valid,
    ),
    (
        "株式会社おおぞらネット",
        "Oozora Net Co., Ltd.",
        4,
        Story::Valid,
    ),
    (
        "株式会社ひまわり商会",
        "Himawari Shokai Co., Ltd.",
        3,
        Story::Revoked(Reason::Nonconformity),
    ),
    (
        "株式会社はくちょう製作所",
        "Hakucho Seisakusho Co., Ltd.",
        4,
        Story::Valid,
    ),
];

/// The demo 法人番号 of company `i` (fictional, with valid check digits).
pub fn demo_corporate_number(i: usize) -> CorporateNumber {
    // Bodies stay far below 10^12, where `from_body` would refuse.
    let body = 1_001_000_000 + 7_919 * (i as u64 % 1_000_000);
    CorporateNumber::from_body(body).unwrap_or(CorporateNumber::FIRST)
}

fn t(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap_or(Timestamp::EPOCH)
}

struct Seeder<'a> {
    ledger: &'a Ledger,
    now: Timestamp,
}

impl Seeder<'_> {
    async fn submit(&self, body: &RequestBody, key: &SecretKey) -> Option<Effect> {
        let document = sign_request(body, key, self.now, &scs_issuer::request_nonce()).ok()?;
        let entry =
            scs_ledger::verify_entry(document.clone(), &self.ledger.identity().operator).ok()?;
        match self.ledger.submit(entry, &document).await {
            Ok(committed) => Some(committed.effect),
            Err(error) => {
                tracing::warn!("demo seeding: {error}");
                None
            }
        }
    }

    /// Allocate → sign (backdated to the assessment) → register. Returns the credential.
    async fn register(
        &self,
        key: &SecretKey,
        issuer_name: &str,
        subject: &SubjectInput,
        level: Level,
        valid_from: Timestamp,
    ) -> Option<Value> {
        let Some(Effect::Allocated(status)) = self.submit(&RequestBody::AllocateStatus, key).await
        else {
            return None;
        };
        let params = IssueParams {
            issuer_name: issuer_name.into(),
            level,
            method: None,
            criteria_version: scs_issuer::CURRENT_CRITERIA_VERSION.into(),
            assessed_on: Timestamp::from_unix(valid_from.unix() - 14 * 86_400).map(|t| t.date()),
            valid_from,
            valid_for: None,
            status,
            policy: self.ledger.trust_list().0.policy.clone(),
        };
        let credential =
            scs_issuer::build(subject, &params, key, scs_issuer::random_credential_id()).ok()?;
        let created = Timestamp::from_unix(valid_from.unix() - 7 * 86_400)?;
        let signed = proof::sign(
            credential.to_json(),
            key,
            created,
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .ok()?;
        self.submit(
            &RequestBody::Register {
                credential: signed.clone(),
            },
            key,
        )
        .await?;
        Some(signed)
    }
}

fn load(file: DemoFile) -> Option<SecretKey> {
    file.secret().ok().map(|k| k.key)
}

/// Seeds a fresh demo ledger (one holding only its genesis trust list); does nothing otherwise.
/// Writes a few credentials to `<data>/demo/` for the guide.
pub async fn seed(ledger: &Ledger, data: &Path) {
    if ledger.checkpoint().0 > 1 {
        return;
    }
    let (Some(star3), Some(star4), Some(operator)) = (
        load(DemoFile::IssuerStar3),
        load(DemoFile::IssuerStar4),
        load(DemoFile::OperatorKey),
    ) else {
        tracing::warn!("built-in demo keys unreadable; no demo data");
        return;
    };
    let trust = ledger.trust_list().0;
    let name_of = |key: &SecretKey| {
        trust
            .issuer(&key.public().did_key())
            .map(|i| i.name.clone())
            .unwrap_or_default()
    };
    let seeder = Seeder {
        ledger,
        now: scs_issuer::now(),
    };
    let out = data.join("demo");
    let _ = std::fs::create_dir_all(&out);
    for (i, ((name, name_en, level, story), reading)) in COMPANIES.iter().zip(READINGS).enumerate()
    {
        let level = Level::new(u64::from(*level)).unwrap_or(Level::STAR3);
        let key = if level == Level::STAR4 || i % 4 == 0 {
            &star4
        } else {
            &star3
        };
        let subject = SubjectInput {
            id: None,
            kind: None,
            corporate_number: Some(demo_corporate_number(i)),
            lei: None,
            legal_name: (*name).into(),
            legal_name_en: Some((*name_en).into()),
            legal_name_kana: Some(reading.into()),
            scope: (i == 13).then(|| Scope::Partial {
                description: "本社及び横浜工場の生産管理システム / head office and Yokohama plant production systems".into(),
            }),
        };
        let valid_from = match story {
            Story::Expired => t("2025-01-15T00:00:00Z"),
            Story::Renewed => t("2024-06-01T00:00:00Z"),
            _ => t("2026-04-01T00:00:00Z"),
        };
        let Some(credential) = seeder
            .register(key, &name_of(key), &subject, level, valid_from)
            .await
        else {
            continue;
        };
        let id = credential["id"]
            .as_str()
            .and_then(|s| scs_core::ids::CredentialId::parse(s).ok());
        let Some(id) = id else { continue };
        let file = match story {
            Story::Valid if i == 0 => Some("valid-star4.json"),
            Story::Valid if i == 2 => Some("valid-star3.json"),
            Story::Revoked(_) if i == 4 => Some("revoked.json"),
            Story::Suspended(_) if i == 5 => Some("suspended.json"),
            Story::Expired if i == 6 => Some("expired.json"),
            _ => None,
        };
        match story {
            // Fraud is revoked by the operator on its own authority.
            Story::Revoked(Reason::Fraud) => {
                seeder
                    .submit(
                        &RequestBody::Revoke {
                            target: id,
                            reason: Reason::Fraud,
                        },
                        &operator,
                    )
                    .await;
            }
            Story::Revoked(reason) => {
                seeder
                    .submit(
                        &RequestBody::Revoke {
                            target: id,
                            reason: *reason,
                        },
                        key,
                    )
                    .await;
            }
            Story::Suspended(reason) => {
                seeder
                    .submit(
                        &RequestBody::Suspend {
                            target: id,
                            reason: *reason,
                        },
                        key,
                    )
                    .await;
            }
            Story::Reinstated => {
                seeder
                    .submit(
                        &RequestBody::Suspend {
                            target: id,
                            reason: Reason::Nonconformity,
                        },
                        key,
                    )
                    .await;
                seeder
                    .submit(
                        &RequestBody::Reinstate {
                            target: id,
                            reason: Reason::Nonconformity,
                        },
                        key,
                    )
                    .await;
            }
            Story::Renewed => {
                if seeder
                    .register(
                        key,
                        &name_of(key),
                        &subject,
                        level,
                        t("2026-06-01T00:00:00Z"),
                    )
                    .await
                    .is_some()
                {
                    seeder
                        .submit(
                            &RequestBody::Revoke {
                                target: id,
                                reason: Reason::Superseded,
                            },
                            key,
                        )
                        .await;
                }
            }
            Story::Valid | Story::Expired => {}
        }
        if let Some(file) = file {
            let text = serde_json::to_string_pretty(&credential).unwrap_or_default();
            let _ = std::fs::write(out.join(file), text + "\n");
            // Its QR code too, as `scs qr` draws it, for the web page's upload.
            if let Some(png) = qr_png(&credential, key, &ledger.identity().base_url) {
                let _ = std::fs::write(out.join(file.replace(".json", ".png")), png);
            }
        }
    }
}

/// The QR code (PNG) of a signed credential, signed with the same issuer key.
fn qr_png(signed: &Value, key: &SecretKey, registry_base: &str) -> Option<Vec<u8>> {
    let created = Timestamp::parse(signed["proof"]["created"].as_str()?).ok()?;
    let mut unsecured = signed.clone();
    unsecured.as_object_mut()?.remove("proof");
    let typed = scs_core::credential::AttainmentCredential::from_json(&unsecured).ok()?;
    let encoded =
        scs_core::compact::encode_credential(&typed, created, key, Some(registry_base)).ok()?;
    scs_qr::Symbol::new(&encoded.text)
        .ok()?
        .to_png(scs_qr::DEFAULT_MODULE_PIXELS)
        .ok()
}

/// What a newcomer can try, below the banner (`base`: `http://ADDRESS`).
pub fn guide(base: &str, data: &Path) -> String {
    let demo = data.join("demo");
    let valid = demo.join("valid-star4.json");
    let revoked = demo.join("revoked.json");
    format!(
        "
Try in the browser / ブラウザで試す:
  verify / 検証: upload {} (its QR code) or the .json beside it
  {base}/organizations/{}   (取消 / revoked: fraud)

Try the API / API を試す:
  {base}/v1/health
  {base}/v1/organizations/{}          (★4, 有効 / valid)
  {base}/v1/organizations/{}          (取消 / revoked: fraud)
  {base}/v1/organizations?name=さくら
  {base}/v1/status/revocation/0
  {base}/v1/log/checkpoint

  scs verify {} --registry {base} --demo
  scs verify {} --registry {base} --demo
  scs lookup {} --registry {base}
  scs log audit --registry {base} --demo
  (--demo: trust the demo operator key, whose secret is public / デモ用の鍵を信頼する)
",
        demo.join("valid-star4.png").display(),
        demo_corporate_number(4).as_str(),
        demo_corporate_number(0).as_str(),
        demo_corporate_number(4).as_str(),
        valid.display(),
        revoked.display(),
        demo_corporate_number(0).as_str(),
    )
}

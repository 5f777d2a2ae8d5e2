//! The QR code end to end (issue 4): `scs issue --qr`, `scs qr`, and `scs verify IMAGE` /
//! `--qr-text` give the same verdict and facts as `scs verify cred.json`; bad QR input exits 2
//! (or 1 for a well-formed code with a wrong signature) with one line, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{demo, scs, write_subject, Run};
use image::{GrayImage, Luma};
use scs_core::credential::{StatusEntry, StatusPurpose};
use scs_core::proof::{self, ProofPurpose};
use scs_core::status_list::{Bitstring, StatusList};
use scs_core::timestamp::Timestamp;
use scs_issuer::keyfile;
use serde_json::Value;

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// The registry base URL of the demo trust list, on which status list URLs are built.
fn registry_base() -> String {
    let list: Value =
        serde_json::from_str(&fs::read_to_string(demo("trust-list.json")).unwrap()).unwrap();
    list["credentialSubject"]["registry"]["baseUrl"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn list_url(purpose: StatusPurpose) -> String {
    format!("{}/v1/status/{}/0", registry_base(), purpose.as_str())
}

/// Signs a ★4 credential for `subject` with the demo evaluation body's key, valid from
/// 2026-06-01 for three years, with revocation and suspension entries at index 4242.
fn signed_credential(dir: &Path, name: &str, subject: &str) -> PathBuf {
    let issuer = keyfile::load_secret(&demo("issuer-star4.key")).unwrap().key;
    let subject = scs_issuer::SubjectInput::parse_many(subject)
        .unwrap()
        .remove(0);
    let params = scs_issuer::IssueParams {
        issuer_name: "デモ評価機関（デモ用）".into(),
        level: scs_core::credential::Level::STAR4,
        method: None,
        criteria_version: scs_issuer::CURRENT_CRITERIA_VERSION.into(),
        assessed_on: None,
        valid_from: t("2026-06-01T00:00:00Z"),
        valid_for: None,
        status: [StatusPurpose::Revocation, StatusPurpose::Suspension]
            .into_iter()
            .map(|purpose| StatusEntry {
                purpose,
                list_url: list_url(purpose),
                index: 4242,
            })
            .collect(),
        policy: Default::default(),
    };
    let cred = scs_issuer::issue(&subject, &params, &issuer, t("2026-05-28T09:00:00Z")).unwrap();
    let path = dir.join(name);
    fs::write(&path, cred.to_string()).unwrap();
    path
}

/// Both status lists, signed with the demo registry status key, bit 4242 set where asked.
fn status_lists(dir: &Path, revoked: bool, suspended: bool) -> [PathBuf; 2] {
    let status_key = keyfile::load_secret(&demo("registry-status.key"))
        .unwrap()
        .key;
    [
        (StatusPurpose::Revocation, revoked),
        (StatusPurpose::Suspension, suspended),
    ]
    .map(|(purpose, set)| {
        let mut bits = Bitstring::new(0);
        bits.set(4242, set);
        let list = StatusList {
            url: list_url(purpose),
            purpose,
            bits,
            valid_from: t("2026-06-01T00:00:00Z"),
            valid_until: None,
            ttl_ms: None,
        };
        let signed = proof::sign(
            list.to_json(&status_key.public().did_key()),
            &status_key,
            t("2026-06-01T00:00:00Z"),
            ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let path = dir.join(format!("{}-{set}.json", purpose.as_str()));
        fs::write(&path, signed.to_string()).unwrap();
        path
    })
}

/// `scs qr CRED --key <demo ★4 key> --out OUT`
fn draw(dir: &Path, cred: &Path, out: &str) -> Run {
    scs(
        dir,
        &[
            "qr",
            p(cred),
            "--key",
            p(&demo("issuer-star4.key")),
            "--out",
            out,
        ],
    )
}

/// A phone-photo stand-in: the PNG shrunk to 60 %, softened, saved as JPEG at quality 40.
fn photo(png: &Path, jpeg: &Path) {
    let image = image::open(png).unwrap().into_luma8();
    let (w, h) = (image.width() * 3 / 5, image.height() * 3 / 5);
    let small = image::imageops::resize(&image, w, h, image::imageops::FilterType::Triangle);
    let soft = image::imageops::blur(&small, 0.8);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 40)
        .encode_image(&soft)
        .unwrap();
    fs::write(jpeg, out).unwrap();
}

#[test]
fn json_and_qr_give_the_same_report_for_valid_revoked_suspended_and_expired_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let subjects = [
        // Without an English name every fact fits the QR code.
        (
            "plain.json",
            r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所"}"#,
            false,
        ),
        // The demo subject: its English name does not fit version 10 and is left out.
        (
            "demo.json",
            r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所", "legalNameEn": "Sample Manufacturing Co., Ltd."}"#,
            true,
        ),
    ];
    let cases = [
        ("valid", false, false, "2027-01-01", "valid", 0),
        ("revoked", true, false, "2027-01-01", "invalid", 1),
        ("suspended", false, true, "2027-01-01", "invalid", 1),
        ("expired", false, false, "2029-06-01", "invalid", 1),
        ("status unknown", false, false, "2027-01-01", "unknown", 1),
    ];
    for (name, subject, has_en) in subjects {
        let cred = signed_credential(d, name, subject);
        let stem = name.trim_end_matches(".json");
        let png = d.join(format!("{stem}.png"));
        let run = draw(d, &cred, p(&png));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("QR version 10"), "{}", run.stdout);
        let jpeg = d.join(format!("{stem}.jpg"));
        photo(&png, &jpeg);
        let txt = d.join(format!("{stem}.txt"));
        assert_eq!(draw(d, &cred, p(&txt)).code, 0);
        let text = fs::read_to_string(&txt).unwrap().trim().to_owned();
        assert!(text.starts_with("SCS1:") && text.len() <= 311, "{text}");

        for (case, revoked, suspended, at, verdict, code) in cases {
            let lists = status_lists(d, revoked, suspended);
            let verify = |input: &[&str]| {
                let mut args: Vec<String> = vec!["verify".into()];
                args.extend(input.iter().map(|s| s.to_string()));
                for arg in [
                    "--offline",
                    "--trust-list",
                    p(&demo("trust-list.json")),
                    "--demo",
                    "--at",
                    at,
                    "--min-level",
                    "4",
                    "--corporate-number",
                    "7000012050002",
                    "--json",
                ] {
                    args.push(arg.into());
                }
                if case != "status unknown" {
                    args.push("--status-list".into());
                    args.extend(lists.iter().map(|l| p(l).to_owned()));
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                scs(d, &args)
            };
            let json = verify(&[p(&cred)]);
            assert_eq!(
                json.code, code,
                "{name} {case}: {}{}",
                json.stdout, json.stderr
            );
            let mut expected = json.json();
            assert_eq!(expected["verdict"], verdict, "{name} {case}");
            if has_en {
                // The documented trade-off: the English name is the one fact the QR code of a
                // typical credential cannot carry.
                assert!(expected["credential"]["legalNameEn"].is_string());
                expected["credential"]
                    .as_object_mut()
                    .unwrap()
                    .remove("legalNameEn");
            }
            for input in [
                vec![p(&png)],
                vec![p(&jpeg)],
                vec!["--qr-text", &text],
                vec![p(&txt)],
            ] {
                let qr = verify(&input);
                assert_eq!(qr.code, code, "{name} {case} {input:?}: {}", qr.stderr);
                assert_eq!(qr.json(), expected, "{name} {case} {input:?}");
            }
        }
    }
}

#[test]
fn issue_with_qr_then_verify_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_subject(d);
    let issue = |qr: &str, out: &str, subject: &str| {
        scs(
            d,
            &[
                "issue",
                "--key",
                p(&demo("issuer-star4.key")),
                "--subject",
                subject,
                "--level",
                "4",
                "--trust-list",
                p(&demo("trust-list.json")),
                "--demo",
                "--out",
                out,
                "--qr",
                qr,
            ],
        )
    };
    let run = issue("cred.png", "cred.json", "subject.json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("QR version"), "{}", run.stdout);
    assert!(
        run.stderr.contains("English legal name is left out"),
        "{}",
        run.stderr
    );
    // Judged at the credential's own start, so that both reports name the same instant.
    let issued: Value =
        serde_json::from_str(&fs::read_to_string(d.join("cred.json")).unwrap()).unwrap();
    let at = issued["validFrom"].as_str().unwrap().to_owned();
    let verify = |file: &str| {
        scs(
            d,
            &[
                "verify",
                file,
                "--trust-list",
                p(&demo("trust-list.json")),
                "--demo",
                "--at",
                &at,
            ],
        )
    };
    let from_json = verify("cred.json");
    let from_png = verify("cred.png");
    assert_eq!(from_png.code, 0, "{}{}", from_png.stdout, from_png.stderr);
    assert!(from_png
        .stdout
        .starts_with("✓ 有効 / Valid — ★4 株式会社サンプル製作所 (法人番号 7000012050002)"));
    // The same verdict line and checks as the JSON credential.
    let checks = |run: &Run| -> Vec<String> {
        run.stdout
            .lines()
            .take_while(|l| !l.contains("証明書 Credential"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(checks(&from_png), checks(&from_json));

    let run = issue("cred.svg", "cred2.json", "subject.json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::read_to_string(d.join("cred.svg"))
        .unwrap()
        .starts_with("<?xml"));

    let run = draw(d, &d.join("cred.json"), "-");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains('█') && run.stdout.lines().count() > 30);

    // A batch: one code beside each credential, in the format --qr names.
    fs::write(
        d.join("subjects.json"),
        r#"[{"corporateNumber": "7000012050002", "legalName": "一社"},
            {"corporateNumber": "1180301018771", "legalName": "二社"}]"#,
    )
    .unwrap();
    let run = issue("x.png", "batch", "subjects.json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pngs: Vec<_> = fs::read_dir(d.join("batch"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), 2);
    let run = scs(
        d,
        &[
            "verify",
            p(&pngs[0]),
            "--trust-list",
            p(&demo("trust-list.json")),
            "--demo",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// The COSE bytes of a QR text.
fn cose(text: &str) -> Vec<u8> {
    base45::decode(text.strip_prefix("SCS1:").unwrap()).unwrap()
}

fn qr_text(cose: &[u8]) -> String {
    format!("SCS1:{}", base45::encode(cose))
}

fn png_of(image: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn bad_qr_input_exits_2_with_one_line_and_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = signed_credential(
        d,
        "cred.json",
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル"}"#,
    );
    assert_eq!(draw(d, &cred, "cred.txt").code, 0);
    assert_eq!(draw(d, &cred, "cred.png").code, 0);
    let good = fs::read_to_string(d.join("cred.txt"))
        .unwrap()
        .trim()
        .to_owned();
    let bytes = cose(&good);
    // Tag 18, array of 4, then the protected header: bstr of 13 bytes {1: -8, 4: h'<8 bytes>'},
    // then the empty unprotected map.
    assert_eq!(bytes[..8], [0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x27, 0x04, 0x48]);
    assert_eq!(bytes[16], 0xa0);

    let mut es256 = bytes.clone();
    es256[5] = 0x26; // -7, ES256
                     // {1: -8} protected, {4: kid} unprotected: the same length.
    let unprotected_kid = [
        &[0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27, 0xa1, 0x04, 0x48][..],
        &bytes[8..16],
        &bytes[17..],
    ]
    .concat();
    let mut nested = vec![0x81u8; 1000];
    nested.push(0);

    let text_cases: Vec<(&str, String, &str)> = vec![
        (
            "garbage",
            "hello, world".into(),
            "does not start with SCS1:",
        ),
        (
            "mis-prefixed",
            good.replacen("SCS1:", "HC1:", 1),
            "does not start with SCS1:",
        ),
        // Cut the bytes, not the text: a Base45 text cut at an arbitrary place can end in two
        // characters worth more than a byte, which is a Base45 error, not a CBOR one.
        ("truncated", qr_text(&bytes[..bytes.len() - 28]), "CBOR"),
        ("invalid base45", "SCS1:abc".into(), "Base45"),
        ("oversized", qr_text(&vec![0x40; 3000]), "longer than"),
        ("another algorithm", qr_text(&es256), "EdDSA"),
        (
            "unprotected key id",
            qr_text(&unprotected_kid),
            "unprotected",
        ),
        ("deeply nested", qr_text(&nested), "CBOR"),
    ];
    let tl = demo("trust-list.json");
    for (name, text, reason) in &text_cases {
        let run = scs(
            d,
            &[
                "verify",
                "--qr-text",
                text,
                "--trust-list",
                p(&tl),
                "--demo",
            ],
        );
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.error_line().contains(reason), "{name}: {}", run.stderr);
    }

    // Images.
    let code = image::open(d.join("cred.png")).unwrap().into_luma8();
    let mut two = GrayImage::from_pixel(code.width() * 2, code.height(), Luma([255]));
    image::imageops::overlay(&mut two, &code, 0, 0);
    let other = signed_credential(
        d,
        "other.json",
        r#"{"corporateNumber": "1180301018771", "legalName": "別会社"}"#,
    );
    assert_eq!(draw(d, &other, "other.png").code, 0);
    let other = image::open(d.join("other.png")).unwrap().into_luma8();
    image::imageops::overlay(&mut two, &other, i64::from(code.width()), 0);
    let png = fs::read(d.join("cred.png")).unwrap();
    let image_cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "blank.png",
            png_of(&GrayImage::from_pixel(400, 400, Luma([255]))),
            "no QR code",
        ),
        ("two.png", png_of(&two), "2 different QR codes"),
        (
            "cut.png",
            png[..png.len() / 2].to_vec(),
            "cannot decode the image",
        ),
        ("huge.png", huge_png(), "too large"),
        ("bytes.bin", vec![0x00, 0xff, 0x13, 0x37], "not JSON"),
    ];
    for (name, content, reason) in &image_cases {
        fs::write(d.join(name), content).unwrap();
        let run = scs(d, &["verify", name, "--trust-list", p(&tl), "--demo"]);
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        assert!(run.error_line().contains(reason), "{name}: {}", run.stderr);
    }

    // Usage.
    let (star3, star4) = (demo("issuer-star3.key"), demo("issuer-star4.key"));
    let usage: Vec<(Vec<&str>, &str)> = vec![
        (vec!["verify", "cred.png", "--qr-text", &good], "either"),
        (vec!["qr", "cred.json", "--out", "x.png"], "--key"),
        (
            vec!["qr", "cred.json", "--key", p(&star3), "--out", "x.png"],
            "not by the given key",
        ),
        (
            vec!["qr", "cred.json", "--key", p(&star4), "--out", "x.gif"],
            ".png, .svg or .txt",
        ),
    ];
    for (args, reason) in usage {
        let run = scs(d, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.error_line().contains(reason),
            "{args:?}: {}",
            run.stderr
        );
    }
    write_subject(d);
    let run = scs(
        d,
        &[
            "issue",
            "--key",
            p(&demo("issuer-star4.key")),
            "--subject",
            "subject.json",
            "--level",
            "4",
            "--issuer-name",
            "x",
            "--out",
            "y.json",
            "--qr",
            "y.gif",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains(".png, .svg or .txt"));
    assert!(
        !d.join("y.json").exists(),
        "nothing signed for a refused --qr"
    );

    // Well-formed, but the signature is wrong or cannot be checked: a report, exit 1.
    let mut altered = bytes.clone();
    let name = "サンプル".as_bytes();
    let at = altered.windows(name.len()).position(|w| w == name).unwrap();
    altered[at..at + name.len()].copy_from_slice("サンプロ".as_bytes());
    let run = scs(
        d,
        &[
            "verify",
            "--qr-text",
            &qr_text(&altered),
            "--trust-list",
            p(&tl),
            "--demo",
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("✗ 無効 / Invalid"), "{}", run.stdout);
    assert!(run.stdout.contains("altered"), "{}", run.stdout);
    let run = scs(d, &["verify", "--qr-text", &good, "--json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "invalid");
    assert!(run.json()["checks"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("no trust list"));
}

/// A PNG whose header claims 20000×20000 pixels.
fn huge_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = 20_000u32.to_be_bytes().repeat(2);
    header.extend([8, 0, 0, 0, 0]);
    for (kind, data) in [(b"IHDR", header), (b"IDAT", vec![]), (b"IEND", vec![])] {
        png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let chunk = [kind.as_slice(), &data].concat();
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

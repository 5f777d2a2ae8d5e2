//! Router tests through `oneshot`: every endpoint's happy path and every refusal of issue #3
//! item 8, each a 4xx problem+json with a stable `type`, and nothing stored changed by a
//! refused request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use scs_core::credential::{Level, StatusEntry};
use scs_core::keys::SecretKey;
use scs_core::lifecycle::{sign_request, Reason, RequestBody};
use scs_core::timestamp::Timestamp;
use scs_issuer::{keyfile, IssueParams, SubjectInput};
use scs_registry::http::{app, AppState};
use scs_registry::ledger::{Ledger, RegistryKeys};
use scs_registry::store::MemoryStore;
use serde_json::{json, Value};
use tower::ServiceExt;

fn demo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../keys/demo")
        .join(name)
}

fn key(name: &str) -> SecretKey {
    keyfile::load_secret(&demo(name)).unwrap().key
}

fn now() -> Timestamp {
    let s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp::from_unix(s as i64).unwrap()
}

struct World {
    dir: tempfile::TempDir,
    ledger: Arc<Ledger>,
    router: Router,
}

/// A demo ledger in `dir` over `store` (opened again on the same folder, a restart).
fn open_ledger(dir: &std::path::Path, store: Arc<MemoryStore>) -> Arc<Ledger> {
    let genesis: Value =
        serde_json::from_slice(&std::fs::read(demo("trust-list.json")).unwrap()).unwrap();
    Ledger::open(
        dir,
        store,
        keyfile::load_public(&demo("operator.pub")).unwrap(),
        RegistryKeys {
            status: key("registry-status.key"),
            log: key("registry-log.key"),
        },
        &genesis,
    )
    .unwrap()
}

/// The demo ledger of `scs serve --demo` in `dir` over `store`, seeded through the writer
/// (which is then stopped), its directory in use as the server's is.
async fn seeded_demo_ledger(dir: &std::path::Path, store: Arc<MemoryStore>) -> Arc<Ledger> {
    // The demo seeder reads `keys/demo` relative to the working directory, as `scs serve --demo`.
    std::env::set_current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap();
    let ledger = open_ledger(dir, store);
    ledger.load_from_log();
    ledger.start_writer();
    scs_registry::demo::seed(&ledger, dir).await;
    ledger.finish_writes();
    ledger
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_ledger(dir.path(), Arc::new(MemoryStore::default()));
    // As `scs serve` does (there in the background): credential look-ups use the directory.
    ledger.load_from_log();
    ledger.start_writer();
    let router = app(AppState::new(Arc::clone(&ledger), None));
    World {
        dir,
        ledger,
        router,
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    json: Value,
}

impl World {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            json,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    fn size(&self) -> u64 {
        self.ledger.checkpoint().0
    }

    async fn signed(&self, path: &str, body: &RequestBody, key: &SecretKey) -> Answer {
        self.post(path, &sign_request(body, key, now(), &nonce()).unwrap())
            .await
    }

    /// Reserves a revocation and a suspension entry for `issuer`.
    async fn allocate(&self, issuer: &SecretKey) -> Vec<StatusEntry> {
        let allocated = self
            .signed(
                "/v1/status-allocations",
                &RequestBody::AllocateStatus,
                issuer,
            )
            .await;
        assert_eq!(allocated.status, StatusCode::CREATED, "{}", allocated.json);
        serde_json::from_value(allocated.json["credentialStatus"].clone()).unwrap()
    }

    /// The bit of `entry` in the status list the registry serves now.
    async fn served_bit(&self, entry: &StatusEntry) -> bool {
        let path = entry
            .list_url
            .strip_prefix("http://127.0.0.1:8080")
            .unwrap();
        let answer = self.get(path).await;
        let (unsecured, _) =
            scs_core::proof::verify(answer.json, scs_core::proof::ProofPurpose::AssertionMethod)
                .unwrap();
        let list = scs_core::status_list::StatusList::from_json(&unsecured).unwrap();
        list.bits.get(entry.index as usize).unwrap()
    }

    /// Allocate → sign → register with the demo ★4 evaluation body.
    async fn register(&self, level: Level) -> (Value, Answer) {
        let issuer = key("issuer-star4.key");
        let credential = issue(&issuer, level, self.allocate(&issuer).await);
        let answer = self
            .signed(
                "/v1/credentials",
                &RequestBody::Register {
                    credential: credential.clone(),
                },
                &issuer,
            )
            .await;
        (credential, answer)
    }
}

fn nonce() -> String {
    format!("{:032x}", rand_nonce())
}

fn rand_nonce() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (u128::from(std::process::id()) << 96) | (u128::from(now().unix() as u64) << 32) | u128::from(n)
}

fn issue(issuer: &SecretKey, level: Level, status: Vec<StatusEntry>) -> Value {
    let subject = SubjectInput::parse_many(
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル", "legalNameEn": "Sample K.K."}"#,
    )
    .unwrap()
    .remove(0);
    let params = IssueParams {
        issuer_name: "デモ評価機関（デモ用）".into(),
        level,
        method: None,
        criteria_version: "2026-03-27".into(),
        assessed_on: None,
        valid_from: now(),
        valid_for: None,
        status,
        policy: Default::default(),
    };
    scs_issuer::issue(&subject, &params, issuer, now()).unwrap()
}

fn assert_problem(answer: &Answer, status: StatusCode, slug: &str) {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(
        answer.json["type"],
        format!("https://w3id.org/scs/problems/{slug}"),
        "{}",
        answer.json
    );
    assert_eq!(answer.json["status"], status.as_u16());
}

#[tokio::test]
async fn a_credential_goes_through_its_whole_life() {
    let w = world();
    assert_eq!(w.get("/v1/health").await.json["logSize"], 1);
    let (credential, registered) = w.register(Level::STAR4).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.json
    );
    assert_eq!(registered.json["logIndex"], 2);
    assert!(registered.json["checkpoint"]
        .as_str()
        .unwrap()
        .contains("\n3\n"));
    let id = credential["id"].as_str().unwrap().to_owned();

    // Idempotent: the same credential again, in a fresh request, gets the same answer.
    let issuer = key("issuer-star4.key");
    let again = w
        .signed(
            "/v1/credentials",
            &RequestBody::Register {
                credential: credential.clone(),
            },
            &issuer,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["logIndex"], 2);
    assert_eq!(w.size(), 3);

    let record = w.get(&format!("/v1/credentials/{id}")).await;
    assert_eq!(record.json["status"]["state"], "active");
    assert_eq!(
        record.json["credential"], credential,
        "the credential as registered"
    );
    assert_eq!(record.json["logIndex"], 2);
    assert_eq!(record.json["history"][0]["event"], "registered");
    let org = w.get("/v1/organizations/7000012050002").await;
    assert_eq!(org.json["highestLevel"], 4);
    assert_eq!(org.json["legalName"], "株式会社サンプル");
    assert_eq!(org.json["legalNameEn"], "Sample K.K.");
    let found = w
        .get("/v1/organizations?name=%EF%BD%BB%E3%83%B3%E3%83%97%E3%83%AB")
        .await; // ｻンプル (half-width サ)
    assert_eq!(
        found.json["results"].as_array().map(Vec::len),
        Some(1),
        "half-width katakana matches its full-width form"
    );
    let found = w
        .get("/v1/organizations?name=%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB")
        .await;
    assert_eq!(found.json["results"][0]["corporateNumber"], "7000012050002");

    let verified = w
        .post(
            "/v1/verify",
            &json!({"credential": credential, "minLevel": 4}),
        )
        .await;
    assert_eq!(verified.json["verdict"], "valid", "{}", verified.json);

    // The suspension bit as served, before, during and after a suspension: each answer after
    // the acknowledgement of the change (the handler keeps per-thread copies of the lists).
    let suspension: StatusEntry = serde_json::from_value(
        credential["credentialStatus"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["statusPurpose"] == "suspension")
            .unwrap()
            .clone(),
    )
    .unwrap();
    assert!(!w.served_bit(&suspension).await);
    assert!(!w.served_bit(&suspension).await, "from the copy");
    let suspended = w
        .signed(
            &format!("/v1/credentials/{id}/status"),
            &RequestBody::Suspend {
                target: id.parse_id(),
                reason: Reason::Nonconformity,
            },
            &issuer,
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.json);
    assert_eq!(suspended.json["state"], "suspended");
    assert!(w.served_bit(&suspension).await);
    let verified = w.post("/v1/verify", &credential).await;
    assert_eq!(verified.json["verdict"], "invalid");
    assert!(verified.json["checks"][3]["detail"]
        .as_str()
        .unwrap()
        .contains("nonconformity"));

    let reinstated = w
        .signed(
            &format!("/v1/credentials/{id}/status"),
            &RequestBody::Reinstate {
                target: id.parse_id(),
                reason: Reason::Nonconformity,
            },
            &issuer,
        )
        .await;
    assert_eq!(reinstated.json["state"], "active");
    assert!(!w.served_bit(&suspension).await);

    // The operator revokes on its own authority; revocation is final.
    let operator = key("operator.key");
    let revoked = w
        .signed(
            &format!("/v1/credentials/{id}/status"),
            &RequestBody::Revoke {
                target: id.parse_id(),
                reason: Reason::Fraud,
            },
            &operator,
        )
        .await;
    assert_eq!(revoked.json["state"], "revoked", "{}", revoked.json);
    let again = w
        .signed(
            &format!("/v1/credentials/{id}/status"),
            &RequestBody::Reinstate {
                target: id.parse_id(),
                reason: Reason::IssuerError,
            },
            &operator,
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT, "conflict");
    let record = w.get(&format!("/v1/credentials/{id}")).await;
    let events: Vec<&str> = record.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["registered", "suspended", "reinstated", "revoked"]);
    assert_eq!(
        w.get("/v1/organizations/7000012050002").await.json["highestLevel"],
        Value::Null
    );

    // The served status list carries the bit, signed by the registry status key.
    let entry: StatusEntry =
        serde_json::from_value(credential["credentialStatus"][0].clone()).unwrap();
    let path = entry
        .list_url
        .strip_prefix("http://127.0.0.1:8080")
        .unwrap()
        .to_owned();
    let response = w
        .router
        .clone()
        .oneshot(Request::get(&path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(response.headers().get(header::ETAG).is_some());
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        &format!(
            "public, max-age={}",
            scs_registry::ledger::STATUS_TTL_SECONDS
        ),
        "cached for the list's ttl"
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let (unsecured, info) = scs_core::proof::verify(
        serde_json::from_slice(&bytes).unwrap(),
        scs_core::proof::ProofPurpose::AssertionMethod,
    )
    .unwrap();
    assert_eq!(info.signer, key("registry-status.key").public().did_key());
    let list = scs_core::status_list::StatusList::from_json(&unsecured).unwrap();
    assert_eq!(list.bits.get(entry.index as usize), Some(true));
    assert_eq!(list.bits.count_set(), 1);
}

trait ParseId {
    fn parse_id(&self) -> scs_core::ids::CredentialId;
}

impl ParseId for String {
    fn parse_id(&self) -> scs_core::ids::CredentialId {
        scs_core::ids::CredentialId::parse(self).unwrap()
    }
}

#[tokio::test]
async fn bad_input_gets_a_stable_problem_and_changes_nothing() {
    let w = world();
    let (credential, _) = w.register(Level::STAR4).await;
    let id = credential["id"].as_str().unwrap().to_owned();
    let size = w.size();
    let issuer = key("issuer-star4.key");

    let wrong_type = w
        .send(
            Request::post("/v1/credentials")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_problem(
        &wrong_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );
    let no_type = w
        .send(
            Request::post("/v1/credentials")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_problem(
        &no_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );

    let malformed = w
        .send(
            Request::post("/v1/credentials")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"a\":"))
                .unwrap(),
        )
        .await;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "bad-json");

    let huge = format!("{{\"a\": \"{}\"}}", "x".repeat(200 * 1024));
    let too_large = w
        .send(
            Request::post("/v1/credentials")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large");

    let deep = "[".repeat(5000) + &"]".repeat(5000);
    let deep = w
        .send(
            Request::post("/v1/verify")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(deep))
                .unwrap(),
        )
        .await;
    assert_problem(&deep, StatusCode::BAD_REQUEST, "bad-json");

    assert_problem(
        &w.get("/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    assert_problem(
        &w.get("/v1/credentials/not-a-uuid").await,
        StatusCode::BAD_REQUEST,
        "bad-parameter",
    );
    assert_problem(
        &w.get("/v1/organizations/7000012050003").await,
        StatusCode::BAD_REQUEST,
        "invalid-corporate-number",
    );
    assert_problem(
        &w.get("/v1/organizations/12345").await,
        StatusCode::BAD_REQUEST,
        "invalid-corporate-number",
    );
    assert_problem(
        &w.get("/v1/log/entries/999999").await,
        StatusCode::BAD_REQUEST,
        "out-of-range",
    );
    assert_problem(
        &w.get("/v1/log/proof/inclusion?index=999&size=2").await,
        StatusCode::BAD_REQUEST,
        "out-of-range",
    );
    assert_problem(
        &w.get("/v1/log/proof/inclusion?index=x").await,
        StatusCode::BAD_REQUEST,
        "bad-parameter",
    );
    assert_problem(
        &w.get("/v1/log/tile/0/x001").await,
        StatusCode::BAD_REQUEST,
        "bad-parameter",
    );
    assert_problem(
        &w.get("/v1/status/revocation/99").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    assert_problem(
        &w.get("/v1/status/bogus/0").await,
        StatusCode::BAD_REQUEST,
        "bad-parameter",
    );
    assert_problem(
        &w.get("/no/such/page").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );

    // A tampered request.
    let mut tampered =
        sign_request(&RequestBody::AllocateStatus, &issuer, now(), &nonce()).unwrap();
    tampered["action"] = "register".into();
    assert_problem(
        &w.post("/v1/status-allocations", &tampered).await,
        StatusCode::UNAUTHORIZED,
        "bad-signature",
    );

    // A replayed request.
    let request = sign_request(&RequestBody::AllocateStatus, &issuer, now(), &nonce()).unwrap();
    assert_eq!(
        w.post("/v1/status-allocations", &request).await.status,
        StatusCode::CREATED
    );
    let size_after_allocation = w.size();
    assert_problem(
        &w.post("/v1/status-allocations", &request).await,
        StatusCode::CONFLICT,
        "replayed-request",
    );

    // A stale request.
    let old = Timestamp::from_unix(now().unix() - 3600).unwrap();
    let stale = sign_request(&RequestBody::AllocateStatus, &issuer, old, &nonce()).unwrap();
    assert_problem(
        &w.post("/v1/status-allocations", &stale).await,
        StatusCode::UNAUTHORIZED,
        "stale-request",
    );

    // A key the trust list does not know.
    let stranger = SecretKey::from_seed(&[42; 32]);
    assert_problem(
        &w.signed(
            "/v1/status-allocations",
            &RequestBody::AllocateStatus,
            &stranger,
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-authorised",
    );
    // The ★3 confirming organisation may not change the ★4 body's credential.
    let star3 = key("issuer-star3.key");
    assert_problem(
        &w.signed(
            &format!("/v1/credentials/{id}/status"),
            &RequestBody::Revoke {
                target: id.parse_id(),
                reason: Reason::Fraud,
            },
            &star3,
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-authorised",
    );
    // Someone else registering the ★4 body's credential.
    assert_problem(
        &w.signed(
            "/v1/credentials",
            &RequestBody::Register {
                credential: credential.clone(),
            },
            &star3,
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-authorised",
    );
    // A ★4 credential signed by the ★3-only organisation.
    let allocated = w
        .signed(
            "/v1/status-allocations",
            &RequestBody::AllocateStatus,
            &star3,
        )
        .await;
    let status: Vec<StatusEntry> =
        serde_json::from_value(allocated.json["credentialStatus"].clone()).unwrap();
    let size_after_second_allocation = w.size();
    let overreach = issue(&star3, Level::STAR4, status.clone());
    let refused = w
        .signed(
            "/v1/credentials",
            &RequestBody::Register {
                credential: overreach,
            },
            &star3,
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-credential",
    );
    assert!(refused.json["detail"]
        .as_str()
        .unwrap()
        .contains("not designated for ★4"));
    // Status entries reserved by someone else.
    let borrowed = issue(&issuer, Level::STAR4, status);
    let refused = w
        .signed(
            "/v1/credentials",
            &RequestBody::Register {
                credential: borrowed,
            },
            &issuer,
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-credential",
    );
    assert!(refused.json["detail"]
        .as_str()
        .unwrap()
        .contains("another issuer"));
    // A path that does not match the request's target.
    let other = "urn:uuid:00000000-0000-4000-8000-000000000000".to_owned();
    assert_problem(
        &w.signed(
            &format!("/v1/credentials/{other}/status"),
            &RequestBody::Revoke {
                target: id.parse_id(),
                reason: Reason::Fraud,
            },
            &issuer,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad-parameter",
    );

    // Nothing refused reached the log or changed the credential.
    assert_eq!(size_after_allocation, size + 1);
    assert_eq!(w.size(), size_after_second_allocation);
    assert_eq!(
        w.get(&format!("/v1/credentials/{id}")).await.json["status"]["state"],
        "active"
    );
}

#[tokio::test]
async fn trust_list_editions_only_move_forward_and_only_from_the_operator() {
    let w = world();
    let current: Value = w.get("/v1/trust-list").await.json;
    assert_eq!(current["credentialSubject"]["sequence"], 1);
    let operator = key("operator.key");
    let edition = |sequence: u64, signer: &SecretKey| {
        let mut list: scs_core::trust_list::TrustList =
            serde_json::from_value(current["credentialSubject"].clone()).unwrap();
        list.sequence = sequence;
        let doc = list.to_credential(&operator.public().did_key(), now());
        scs_core::proof::sign(
            doc,
            signer,
            now(),
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap()
    };
    let put = |doc: Value| {
        Request::put("/v1/trust-list")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(doc.to_string()))
            .unwrap()
    };
    assert_problem(
        &w.send(put(edition(1, &operator))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_problem(
        &w.send(put(edition(2, &key("issuer-star4.key")))).await,
        StatusCode::UNAUTHORIZED,
        "bad-signature",
    );
    let accepted = w.send(put(edition(2, &operator))).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.json);
    assert_eq!(accepted.json["sequence"], 2);
    assert_eq!(
        w.get("/v1/trust-list").await.json["credentialSubject"]["sequence"],
        2
    );
}

#[tokio::test]
async fn log_proofs_and_tiles_verify() {
    let w = world();
    for _ in 0..3 {
        w.register(Level::STAR4).await;
    }
    let size = w.size();
    let note = w
        .send(
            Request::get("/v1/log/checkpoint")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(note.content_type.starts_with("text/plain"));
    let root = w.ledger.tree().root(size).unwrap();
    let proof = w
        .get(&format!("/v1/log/proof/inclusion?index=2&size={size}"))
        .await
        .json;
    let hashes: Vec<scs_core::tlog::Hash> = proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| scs_core::tlog::Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    let entry = w.ledger.entry(2).unwrap();
    scs_core::tlog::verify_inclusion(&scs_core::tlog::leaf_hash(&entry), 2, size, &hashes, &root)
        .unwrap();
    let consistency = w
        .get(&format!("/v1/log/proof/consistency?from=3&to={size}"))
        .await
        .json;
    let hashes: Vec<scs_core::tlog::Hash> = consistency["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| scs_core::tlog::Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    scs_core::tlog::verify_consistency(3, size, &w.ledger.tree().root(3).unwrap(), &root, &hashes)
        .unwrap();
    // A partial tile of the level-0 hashes, and the entry bundle.
    let tile = w
        .router
        .clone()
        .oneshot(
            Request::get(format!("/v1/log/tile/0/000.p/{size}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(tile.status(), StatusCode::OK);
    let bytes = tile.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(bytes.len() as u64, size * 32);
    assert_eq!(&bytes[64..96], &scs_core::tlog::leaf_hash(&entry).0);
}

#[tokio::test]
async fn vc_api_issue_exists_only_in_demo_and_its_output_verifies() {
    let w = world();
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"}
    });
    assert_problem(
        &w.post("/credentials/issue", &json!({"credential": unsigned}))
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    );

    let demo_router = app(AppState::new(
        Arc::clone(&w.ledger),
        Some(Arc::new(key("issuer-star4.key"))),
    ));
    let response = demo_router
        .clone()
        .oneshot(
            Request::post("/credentials/issue")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"credential": unsigned, "options": {}}).to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let issued: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let credential = issued["verifiableCredential"].clone();
    assert_eq!(credential["proof"]["cryptosuite"], "eddsa-jcs-2022");

    let verified = w
        .post(
            "/credentials/verify",
            &json!({"verifiableCredential": credential, "options": {}}),
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.json);
    assert_eq!(verified.json["verified"], true);
    let mut tampered = credential.clone();
    tampered["credentialSubject"]["id"] = "did:example:other".into();
    let refused = w
        .post(
            "/credentials/verify",
            &json!({"verifiableCredential": tampered}),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-credential",
    );
    let not_vc = w
        .post(
            "/credentials/verify",
            &json!({"verifiableCredential": {"type": "x"}}),
        )
        .await;
    assert_eq!(not_vc.status, StatusCode::BAD_REQUEST);
}

/// For every credential of the demo ledger (active, revoked, suspended, reinstated, expired,
/// renewed), the view `GET /v1/credentials/{id}` answers equals the one built from the store's
/// record, and the directory holds the facts of exactly those whose status never changed: once
/// filled by the writer, and again after a restart, filled by the load from the log.
#[tokio::test]
async fn the_credential_directory_answers_as_the_store_does() {
    use scs_registry::directory::Standing;
    use scs_registry::state::CredentialRecord;
    use scs_registry::store::IndexStore;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let ledger = seeded_demo_ledger(dir.path(), store.clone()).await;

    let check = |ledger: &Ledger| -> Vec<(scs_core::ids::CredentialId, Standing)> {
        let records = store.scan_prefix(b"c/", usize::MAX).unwrap();
        assert!(records.len() >= 30, "{} demo credentials", records.len());
        records
            .into_iter()
            .map(|(key, value)| {
                let id = scs_core::ids::CredentialId::from_bytes(key[2..].try_into().unwrap());
                let record: CredentialRecord = serde_json::from_slice(&value).unwrap();
                let standing = ledger.directory().standing(&id);
                match standing {
                    Standing::Unchanged(_) => assert_eq!(record.history.len(), 1, "{id}"),
                    Standing::InStore => assert!(record.history.len() > 1, "{id}"),
                    Standing::Unknown => panic!("{id} is not in the directory"),
                }
                assert_eq!(
                    ledger.credential_view(&id).unwrap(),
                    ledger.credential_view_in_store(&id).unwrap(),
                    "{id}"
                );
                (id, standing)
            })
            .collect()
    };
    let live = check(&ledger);
    let unchanged = live
        .iter()
        .filter(|(_, s)| matches!(s, Standing::Unchanged(_)))
        .count();
    assert!(
        unchanged >= 20 && unchanged < live.len(),
        "{unchanged} of {}",
        live.len()
    );
    drop(ledger);

    let restarted = open_ledger(dir.path(), store.clone());
    assert_eq!(
        restarted.directory().len(),
        0,
        "loaded in the background, not at open"
    );
    let some_id = live[0].0;
    assert_eq!(
        restarted.directory().standing(&some_id),
        Standing::Unknown,
        "until loaded, look-ups go to the store"
    );
    assert!(restarted.credential_view(&some_id).is_some());
    restarted.load_from_log();
    assert_eq!(check(&restarted), live);
}

#[tokio::test]
async fn indexes_of_another_layout_are_rebuilt_from_the_log() {
    use scs_registry::state::{keys, INDEX_FORMAT};
    use scs_registry::store::IndexStore;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let ledger = seeded_demo_ledger(dir.path(), store.clone()).await;
    let number = scs_registry::demo::demo_corporate_number(0);
    let id = *ledger
        .organization(number.as_str())
        .first()
        .expect("the demo seeded this company");
    let before = ledger.credential(&id).unwrap();
    let indexes = store.dump();
    drop(ledger);

    // As an older version might have left them: another layout marker, a record of another shape.
    store
        .apply(vec![
            (keys::FORMAT.to_vec(), Some(b"1".to_vec())),
            (
                keys::credential(&id),
                Some(br#"{"credential":{}}"#.to_vec()),
            ),
        ])
        .unwrap();
    let ledger = open_ledger(dir.path(), store.clone());
    assert_eq!(ledger.credential(&id).unwrap(), before);
    assert_eq!(store.dump(), indexes, "the same indexes as before, rebuilt");
    assert_eq!(
        store.get(keys::FORMAT).unwrap().as_deref(),
        Some(INDEX_FORMAT)
    );
}

#[tokio::test]
async fn a_name_registered_with_a_full_width_corporate_number_is_found_after_a_restart() {
    let w = world();
    let issuer = key("issuer-star4.key");
    let mut credential = issue(&issuer, Level::STAR4, w.allocate(&issuer).await);
    // As another issuer's software may write it: full-width digits, which the profile accepts.
    credential.as_object_mut().unwrap().remove("proof");
    credential["credentialSubject"]["corporateNumber"] = json!("７００００１２０５０００２");
    let credential = scs_core::proof::sign(
        credential,
        &issuer,
        now(),
        scs_core::proof::ProofPurpose::AssertionMethod,
        Default::default(),
    )
    .unwrap();
    let registered = w
        .signed(
            "/v1/credentials",
            &RequestBody::Register { credential },
            &issuer,
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.json
    );
    let search = "/v1/organizations?name=%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB"; // サンプル
    let found = &w.get(search).await.json["results"];
    assert_eq!(found[0]["corporateNumber"], "7000012050002");

    // After a restart the names are loaded from the log: the same answer.
    w.ledger.finish_writes();
    let restarted = open_ledger(w.dir.path(), Arc::new(MemoryStore::default()));
    restarted.load_from_log();
    let names = restarted.search_names("サンプル", 10);
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].corporate_number, "7000012050002");
}

/// A signed register request whose logged bytes (its compact JSON) are exactly `size`: the
/// credential carries `floats` numbers 100000.0 and a `description` padded until they are.
fn register_request_of(
    issuer: &SecretKey,
    status: Vec<StatusEntry>,
    size: usize,
    floats: usize,
) -> Value {
    let mut credential = issue(issuer, Level::STAR4, status);
    credential.as_object_mut().unwrap().remove("proof");
    if floats > 0 {
        credential["measurements"] = vec![100_000.0; floats].into();
    }
    let mut padding = 0;
    loop {
        let mut padded = credential.clone();
        padded["description"] = "x".repeat(padding).into();
        let signed = scs_core::proof::sign(
            padded,
            issuer,
            now(),
            scs_core::proof::ProofPurpose::AssertionMethod,
            Default::default(),
        )
        .unwrap();
        let request = sign_request(
            &RequestBody::Register { credential: signed },
            issuer,
            now(),
            &nonce(),
        )
        .unwrap();
        let len = serde_json::to_vec(&request).unwrap().len();
        if len == size {
            return request;
        }
        // Signatures vary in length by a character or two: aim again.
        padding = (padding + size).saturating_sub(len);
    }
}

#[tokio::test]
async fn an_oversized_write_is_refused_before_the_writer_and_later_writes_go_through() {
    let w = world();
    let issuer = key("issuer-star4.key");
    let status = w.allocate(&issuer).await;
    // 65,536 bytes: within the old 64 KiB body limit, one byte over what the log takes.
    let request = register_request_of(&issuer, status, 65_536, 0);
    let before = w.size();
    let refused = w.post("/v1/credentials", &request).await;
    assert_problem(&refused, StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    assert_eq!(w.size(), before);
    // Anyone's next write still goes through.
    let (_, registered) = w.register(Level::STAR4).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.json
    );
    // The largest entry the log takes is taken.
    let status = w.allocate(&issuer).await;
    let largest = register_request_of(&issuer, status, scs_registry::log_files::MAX_ENTRY_BYTES, 0);
    let taken = w.post("/v1/credentials", &largest).await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.json);
}

#[tokio::test]
async fn a_body_that_grows_past_the_entry_limit_when_logged_is_refused_before_the_writer() {
    let w = world();
    let issuer = key("issuer-star4.key");
    let status = w.allocate(&issuer).await;
    // Logged as 65,536 bytes; sent as 1e5 for each 100000.0, 5,000 bytes shorter: within the
    // body limit.
    let request = register_request_of(&issuer, status, 65_536, 1000);
    let body = serde_json::to_string(&request)
        .unwrap()
        .replace("100000.0", "1e5");
    assert!(body.len() <= scs_registry::limits::MAX_BODY_BYTES);
    let refused = w
        .send(
            Request::post("/v1/credentials")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_problem(&refused, StatusCode::PAYLOAD_TOO_LARGE, "too-large");
    let (_, registered) = w.register(Level::STAR4).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.json
    );
}

/// The QR text of a signed credential, as `scs qr` makes it.
fn qr_text_of(credential: &Value, issuer: &SecretKey) -> String {
    let (unsecured, info) = scs_core::proof::verify(
        credential.clone(),
        scs_core::proof::ProofPurpose::AssertionMethod,
    )
    .unwrap();
    let typed = scs_core::credential::AttainmentCredential::from_json(&unsecured).unwrap();
    scs_core::compact::encode_credential(&typed, info.created.unwrap(), issuer, None)
        .unwrap()
        .text
}

#[tokio::test]
async fn verify_takes_typed_options_and_qr_text() {
    let w = world();
    let (credential, registered) = w.register(Level::STAR3).await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let asked = |extra: Value| {
        let mut body = json!({ "credential": credential.clone() });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // Options of the wrong type or unknown are refused, never dropped.
    for wrong in [
        json!({"minLevel": "4"}),
        json!({"corporateNumber": 7_000_012_050_002_u64}),
        json!({"minlevel": 4}),
        json!({"at": 0}),
    ] {
        let answer = w.post("/v1/verify", &asked(wrong.clone())).await;
        assert_problem(&answer, StatusCode::BAD_REQUEST, "bad-json");
    }
    let answer = w.post("/v1/verify", &asked(json!({"minLevel": 4}))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["verdict"], "invalid", "{}", answer.json);

    // QR text (SPEC §7), with the same options.
    let text = qr_text_of(&credential, &key("issuer-star4.key"));
    let answer = w.post("/v1/verify", &json!({ "qrText": text })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["verdict"], "valid", "{}", answer.json);
    let answer = w
        .post("/v1/verify", &json!({ "qrText": text, "minLevel": 4 }))
        .await;
    assert_eq!(answer.json["verdict"], "invalid", "{}", answer.json);
    let answer = w
        .post("/v1/verify", &json!({ "qrText": "SCS1:NOT-A-CODE" }))
        .await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "bad-parameter");
    let both = json!({ "qrText": text, "credential": credential });
    assert_problem(
        &w.post("/v1/verify", &both).await,
        StatusCode::BAD_REQUEST,
        "bad-json",
    );
}

#[tokio::test]
async fn the_vc_api_refuses_with_400_or_422_and_issues_only_as_the_demo_issuer() {
    let w = world();
    let demo_issuer = key("issuer-star4.key");
    let demo_router = app(AppState::new(
        Arc::clone(&w.ledger),
        Some(Arc::new(key("issuer-star4.key"))),
    ));
    let demo = World {
        dir: tempfile::tempdir().unwrap(),
        ledger: Arc::clone(&w.ledger),
        router: demo_router,
    };
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"}
    });
    let mut foreign = unsigned.clone();
    foreign["issuer"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into();
    assert_problem(
        &demo
            .post("/credentials/issue", &json!({ "credential": foreign }))
            .await,
        StatusCode::BAD_REQUEST,
        "bad-json",
    );
    let mut own = unsigned.clone();
    own["issuer"] = json!({"id": demo_issuer.public().did_key().to_string()});
    let issued = demo
        .post("/credentials/issue", &json!({ "credential": own }))
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.json);
    assert_problem(
        &demo
            .post(
                "/credentials/issue",
                &json!({ "credential": unsigned, "unknown": 1 }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "bad-json",
    );

    let mut tampered = issued.json["verifiableCredential"].clone();
    tampered["credentialSubject"]["id"] = "did:example:other".into();
    let refused = w
        .post(
            "/credentials/verify",
            &json!({ "verifiableCredential": tampered }),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-credential",
    );
    assert_problem(
        &w.post("/credentials/verify", &json!({ "verifiableCredential": 5 }))
            .await,
        StatusCode::BAD_REQUEST,
        "bad-json",
    );
}

#[tokio::test]
async fn every_api_error_is_problem_json() {
    let w = world();
    let method = |method: &str, path: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    };
    for (request, status) in [
        (
            method("DELETE", "/v1/health"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (method("GET", "/v1/verify"), StatusCode::METHOD_NOT_ALLOWED),
        (
            method("PUT", "/credentials/verify"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            method("GET", "/v1/organizations?name=a&name=b"),
            StatusCode::BAD_REQUEST,
        ),
        (
            method("GET", "/v1/log/proof/inclusion?index=1&index=2"),
            StatusCode::BAD_REQUEST,
        ),
        (
            method("GET", "/v1/credentials/%FF"),
            StatusCode::BAD_REQUEST,
        ),
        (
            method("GET", "/v1/organizations/%FF"),
            StatusCode::BAD_REQUEST,
        ),
        (
            method("GET", "/v1/status/revocation/%FF"),
            StatusCode::BAD_REQUEST,
        ),
        (
            method("GET", "/v1/log/entries/%FF"),
            StatusCode::BAD_REQUEST,
        ),
        (method("GET", "/v1/log/tile/%FF"), StatusCode::BAD_REQUEST),
        (
            method("POST", "/v1/credentials/%FF/status"),
            StatusCode::BAD_REQUEST,
        ),
        (method("GET", "/v1/nothing"), StatusCode::NOT_FOUND),
    ] {
        let path = request.uri().to_string();
        let answer = w.send(request).await;
        assert_eq!(answer.status, status, "{path}");
        assert_eq!(answer.content_type, "application/problem+json", "{path}");
        assert_eq!(answer.json["status"], status.as_u16(), "{path}");
    }
}

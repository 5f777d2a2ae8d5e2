//! Alerts POSTed to a webhook, signed as Standard Webhooks do: `webhook-id` (the alert's stable
//! id), `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 of
//! HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`; retried with exponential backoff.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use ureq::Agent;

use super::alerts::Alert;
use crate::keys::read_bounded;

/// Tries per alert and round; the waits between them double from [`FIRST_WAIT`] (0.5 + 1 + 2 +
/// 4 s). An alert still not taken stays queued for the next round.
const ATTEMPTS: u32 = 5;
const FIRST_WAIT: Duration = Duration::from_millis(500);
/// Largest secret file read.
const MAX_SECRET_BYTES: usize = 4096;

/// Where alerts are POSTed, and the secret that signs them.
pub struct Webhook {
    url: String,
    secret: Vec<u8>,
    agent: Agent,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// The webhook at `url`, signing with the secret in `secret_file`: `whsec_<base64>` (as
    /// Standard Webhooks gives them) or the raw bytes; the file must be readable by its owner
    /// only (mode 0600).
    pub fn new(url: &str, secret_file: &Path) -> Result<Self> {
        crate::client::check_url(url).context("--webhook")?;
        Ok(Self {
            url: url.to_owned(),
            secret: read_secret(secret_file)?,
            agent: Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(30)))
                .build()
                .into(),
        })
    }

    /// POSTs `alert`, trying up to [`ATTEMPTS`] times; the last failure if none was taken (a
    /// 2xx answer).
    pub fn deliver(&self, alert: &Alert) -> Result<(), String> {
        let body = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
        let mut wait = FIRST_WAIT;
        let mut failure = String::new();
        for attempt in 1..=ATTEMPTS {
            let timestamp = crate::now().unix().to_string();
            let signature = signature(&self.secret, &alert.id, &timestamp, &body);
            let sent = self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/json")
                .header("webhook-id", &alert.id)
                .header("webhook-timestamp", &timestamp)
                .header("webhook-signature", &signature)
                .send(&body[..]);
            match sent {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => failure = format!("answered {}", response.status()),
                Err(error) => failure = error.to_string(),
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(wait);
                wait *= 2;
            }
        }
        Err(format!("{}: {failure} ({ATTEMPTS} tries)", self.url))
    }
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn signature(secret: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The secret of `path`: owner-only, `whsec_<base64>` or raw bytes, not empty.
fn read_secret(path: &Path) -> Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "{} is readable by others (mode {mode:o}): chmod 600 it / 秘密鍵ファイルは所有者だけが読めるようにしてください（chmod 600）",
                path.display()
            );
        }
    }
    let bytes = read_bounded(path, MAX_SECRET_BYTES)?;
    let text = bytes.trim_ascii();
    let secret = match text.strip_prefix(b"whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded)
            .map_err(|e| anyhow!("{}: whsec_ secret is not base64: {e}", path.display()))?,
        None => text.to_vec(),
    };
    if secret.is_empty() {
        bail!("{} holds no secret / 秘密が空です", path.display());
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (its reference libraries' test).
    #[test]
    fn signs_as_standard_webhooks_does() {
        let secret = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}

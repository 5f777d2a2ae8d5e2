//! Helpers for tests that run the real `scs` binary in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod server;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `keys/demo/NAME`.
pub fn demo(name: &str) -> PathBuf {
    repo().join("keys/demo").join(name)
}

/// What a run of `scs` gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        let run = Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "scs panicked:\n{}",
            run.stderr
        );
        run
    }

    /// The one `error:` line of a refused input.
    pub fn error_line(&self) -> &str {
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "exactly one error line:\n{}", self.stderr);
        errors[0]
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// The environment variables `scs` takes settings from.
pub const SETTINGS_ENV: [&str; 5] = [
    "SCS_REGISTRY",
    "SCS_OPERATOR_KEY",
    "SCS_TRUST_LIST",
    "SCS_KEY",
    "SCS_CONFIG",
];

/// Runs `scs ARGS` in `dir`, with no settings from the environment or a config file.
pub fn scs(dir: &Path, args: &[&str]) -> Run {
    scs_with_env(dir, args, &[])
}

/// Runs `scs ARGS` in `dir` with these environment variables and no other settings: the
/// developer's own `SCS_*` variables are removed, and HOME and XDG_CONFIG_HOME point into `dir`
/// (at `.config`, which only `scs config set` creates), so their config file is never read.
pub fn scs_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scs"));
    for name in SETTINGS_ENV {
        command.env_remove(name);
    }
    Run::from(
        command
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join(".config"))
            .envs(env.iter().copied())
            .output()
            .expect("run scs"),
    )
}

/// A subject file for 国税庁's 法人番号.
pub fn write_subject(dir: &Path) -> PathBuf {
    let path = dir.join("subject.json");
    std::fs::write(
        &path,
        r#"{"corporateNumber": "7000012050002", "legalName": "株式会社サンプル製作所", "legalNameEn": "Sample Manufacturing Co., Ltd."}"#,
    )
    .unwrap();
    path
}

/// `scs issue --key (the demo ★4 evaluation body's) --subject subject.json ARGS` in `dir`.
pub fn issue_with_star4_key(dir: &Path, args: &[&str]) -> Run {
    let key = demo("issuer-star4.key");
    let head = [
        "issue",
        "--key",
        key.to_str().unwrap(),
        "--subject",
        "subject.json",
    ];
    scs(dir, &[head.as_slice(), args].concat())
}

/// Issues a ★`level` credential with the demo ★4 evaluation body into `dir/name` (`--demo`).
pub fn issue_demo(dir: &Path, level: &str, name: &str) -> PathBuf {
    let subject = write_subject(dir);
    let run = scs(
        dir,
        &[
            "issue",
            "--key",
            demo("issuer-star4.key").to_str().unwrap(),
            "--subject",
            subject.to_str().unwrap(),
            "--level",
            level,
            "--trust-list",
            demo("trust-list.json").to_str().unwrap(),
            "--demo",
            "--valid-from",
            "2026-04-01",
            "--out",
            name,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir.join(name)
}

/// Copies a folder and everything under it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Issues a ★4 credential with the demo ★4 key, registered at `url`, into `dir/cred.json`
/// (`--demo`, with `subject.json`), and revokes it for `fraud`: its id.
pub fn issue_and_revoke(dir: &Path, url: &str) -> String {
    write_subject(dir);
    let issued = issue_with_star4_key(
        dir,
        &[
            "--level",
            "4",
            "--registry",
            url,
            "--demo",
            "--out",
            "cred.json",
        ],
    );
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let credential: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cred.json")).unwrap()).unwrap();
    let id = credential["id"].as_str().unwrap().to_owned();
    let revoked = revoke_for_fraud(dir, &id, url);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    id
}

/// `scs verify cred.json --registry URL --demo --json` in `dir` for a revoked credential: the
/// verdict is `invalid` (exit 1); the report's `status` check.
pub fn revoked_status(dir: &Path, url: &str) -> serde_json::Value {
    let verified = scs(
        dir,
        &["verify", "cred.json", "--registry", url, "--demo", "--json"],
    );
    assert_eq!(verified.code, 1, "{}", verified.stderr);
    let report = verified.json();
    assert_eq!(report["verdict"], "invalid", "{report}");
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "status")
        .unwrap_or_else(|| panic!("no status check: {report}"))
        .clone()
}

/// `scs log audit --registry URL --demo FLAG cp.txt` in `dir` (`--save` or `--since`).
pub fn audit(dir: &Path, url: &str, flag: &str) -> Run {
    scs(
        dir,
        &["log", "audit", "--registry", url, "--demo", flag, "cp.txt"],
    )
}

/// `scs revoke ID --reason fraud` with the demo ★4 evaluation body's key, at `url`.
pub fn revoke_for_fraud(dir: &Path, id: &str, url: &str) -> Run {
    let key = demo("issuer-star4.key");
    scs(
        dir,
        &[
            "revoke",
            id,
            "--reason",
            "fraud",
            "--key",
            key.to_str().unwrap(),
            "--registry",
            url,
        ],
    )
}

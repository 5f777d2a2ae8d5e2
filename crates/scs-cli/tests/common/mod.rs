//! Helpers for tests that run the real `scs` binary in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `scs serve --demo`, stopped when dropped.
pub struct DemoServer {
    child: std::process::Child,
    /// Its base URL.
    pub url: String,
}

impl DemoServer {
    /// Starts it on a free port with its data in `data`, run from `cwd`, and waits until it
    /// answers.
    pub fn start(data: &Path, cwd: &Path) -> Self {
        Self::start_with(data, cwd, free_port(), &[])
    }

    /// [`DemoServer::start`] on `port`, with more flags.
    pub fn start_with(data: &Path, cwd: &Path, port: u16, flags: &[&str]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(data)
            .args(flags)
            .current_dir(cwd)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !server.is_healthy() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("scs serve --demo stopped: {status}");
            }
            assert!(std::time::Instant::now() < deadline, "server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        server
    }

    fn is_healthy(&self) -> bool {
        ureq::get(format!("{}/v1/health", self.url))
            .call()
            .is_ok_and(|r| r.status() == 200)
    }

    /// Stops it with SIGTERM (a graceful shutdown) and returns its exit code.
    pub fn terminate(mut self) -> i32 {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap().code().unwrap_or(-1)
    }

    /// Stops it with SIGKILL, as a power cut would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A test that fails midway does not leave its server running.
impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

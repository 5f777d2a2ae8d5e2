//! The real `scs serve --demo` on a free port, stopped when the test ends however it ends, and
//! plain HTTP calls to it.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `scs serve --demo`, stopped when dropped.
pub struct DemoServer {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl DemoServer {
    /// Starts it on a free port with its data in `data`, run from `cwd`, and waits until it
    /// answers.
    pub fn start(data: &Path, cwd: &Path) -> Self {
        Self::start_with(data, cwd, free_port(), &[])
    }

    /// [`DemoServer::start`] on `port`, with more flags. With `SCS_TEST_BACKEND=postgres`
    /// (scripts/test.sh runs the end-to-end suites a second time so) its store is a database
    /// of its own on the test cluster, the same one each time it starts on the same `data`.
    pub fn start_with(data: &Path, cwd: &Path, port: u16, flags: &[&str]) -> Self {
        Self::spawn(data, cwd, port, &[&store_flag(data), flags].concat())
    }

    /// [`DemoServer::start_with`] on the embedded store whatever the backend under test, for
    /// the tests of what the data folder holds (the log files, sled).
    pub fn start_on_files(data: &Path, cwd: &Path, port: u16) -> Self {
        Self::spawn(data, cwd, port, &[])
    }

    fn spawn(data: &Path, cwd: &Path, port: u16, flags: &[&str]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(data)
            .args(flags)
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let url = server.url.clone();
        wait_until_ready(&mut server.child, "scs serve --demo", || is_healthy(&url));
        server
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

/// `--store <database>` when the suite runs on PostgreSQL: one database per data folder.
fn store_flag(data: &Path) -> Vec<&'static str> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DATABASES: OnceLock<Mutex<HashMap<std::path::PathBuf, &'static str>>> = OnceLock::new();
    if !scs_ledger::test_support::on_postgres() {
        return Vec::new();
    }
    let mut databases = DATABASES.get_or_init(Mutex::default).lock().unwrap();
    let url: &'static str = databases.entry(data.to_owned()).or_insert_with(|| {
        let url = scs_ledger::test_support::fresh_database()
            .expect("SCS_TEST_BACKEND=postgres needs SCS_TEST_POSTGRES");
        // Kept for the whole test process: a restart on `data` finds it again.
        Box::leak(url.into_boxed_str())
    });
    vec!["--store", url]
}

fn is_healthy(url: &str) -> bool {
    ureq::get(format!("{url}/v1/health"))
        .call()
        .is_ok_and(|r| r.status() == 200)
}

/// Waits up to a minute until `ready`, failing the test when `child` (`what`) stops first.
pub fn wait_until_ready(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} stopped: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
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

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

pub fn get(url: &str) -> (u16, Value) {
    match agent().get(url).call() {
        Ok(mut r) => (
            r.status().as_u16(),
            serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap_or(Value::Null),
        ),
        Err(_) => (0, Value::Null),
    }
}

/// A page's form posted as `multipart/form-data` (text fields): the status and the body.
pub fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let boundary = "scs-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body += &format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
    }
    body += &format!("--{boundary}--\r\n");
    let mut answer = agent()
        .post(url)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .send(body.as_bytes())
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.body_mut().read_to_vec().unwrap())
}

pub fn post(url: &str, body: &Value) -> (u16, Value) {
    match agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
    {
        Ok(mut r) => (
            r.status().as_u16(),
            serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap_or(Value::Null),
        ),
        Err(_) => (0, Value::Null),
    }
}

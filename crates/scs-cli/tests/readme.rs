//! README.md, run as written: every command of its ```sh blocks, in order, in one shell in a
//! temporary folder, against a fresh `scs serve --demo` on a free port. Each command's exit code
//! and the words its comment promises are checked, so the README cannot drift from the code.
//!
//! The conventions README.md follows (it says so in an HTML comment at its top):
//! - ```sh blocks are run; ```text, ```json and others are shown only.
//! - A command's trailing comment (`  # …`) says what a reader sees: every `` `word` `` in it
//!   must appear in the command's output (stdout and stderr), and `exit N` gives the exit code
//!   (0 when not said). Every `scs` command says at least one word. The README's registry
//!   address is replaced by the test server's, in commands and words alike; the server names
//!   the README's address in what it signs and prints (`--public-url`), as the reader's does.
//! - The set-up lines are the test's own: `cargo run … serve --demo` is the server this test
//!   starts, `cargo build`/`alias scs=` are the binary under test, `./scripts/test.sh` is the
//!   suite this test is part of.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::DemoServer;
use common::{copy_dir, repo};

/// The README's registry address; the test's server listens elsewhere.
const README_URL: &str = "http://127.0.0.1:8080";

/// The README's first command: the demo registry.
const SERVE_DEMO: &str = "cargo run --release -p scs-cli -- serve --demo";

/// Lines that set up what the test already has (see the module comment).
const SET_UP: [&str; 3] = [
    "cargo build --release -p scs-cli",
    "alias scs=$PWD/target/release/scs",
    "./scripts/test.sh",
];

/// One command of a ```sh block.
#[derive(Debug)]
struct Step {
    /// README.md line where the command starts.
    line: usize,
    command: String,
    exit: i32,
    words: Vec<String>,
}

/// The commands of README.md's ```sh blocks, in order.
fn steps(readme: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut in_sh = false;
    let mut in_block = false;
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in readme.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if in_block {
                assert!(pending.is_none(), "README.md:{index}: a block ends in `\\`");
                in_block = false;
                in_sh = false;
            } else {
                in_block = true;
                in_sh = info.trim() == "sh";
            }
            continue;
        }
        if !in_sh {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((index + 1, String::new()));
        text.push_str(line);
        if let Some(open) = text.strip_suffix('\\') {
            pending = Some((start, format!("{} ", open.trim_end())));
            continue;
        }
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        steps.push(step(start, trimmed));
    }
    steps
}

/// Splits a command from its comment of expectations.
fn step(line: usize, text: &str) -> Step {
    let (command, comment) = match text.find("  # ") {
        Some(at) => (text[..at].trim_end(), &text[at + 4..]),
        None => (text, ""),
    };
    assert!(
        !command.contains("<<"),
        "README.md:{line}: a here-document cannot be run line by line; use echo"
    );
    let words: Vec<String> = comment
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    let exit = comment
        .split("exit ")
        .nth(1)
        .and_then(|rest| rest.chars().next())
        .and_then(|c| c.to_digit(10))
        .map_or(0, |d| d as i32);
    Step {
        line,
        command: command.to_owned(),
        exit,
        words,
    }
}

#[test]
fn the_readme_commands_run_as_written() {
    let readme = fs::read_to_string(repo().join("README.md")).unwrap();
    let steps = steps(&readme);
    assert_eq!(
        steps.first().map(|s| s.command.as_str()),
        Some(SERVE_DEMO),
        "the README's first command runs the demo registry"
    );
    assert!(
        steps.iter().any(|s| s.command == SET_UP[2]),
        "the README's second set-up command runs the test suite"
    );
    let run: Vec<&Step> = steps[1..]
        .iter()
        .filter(|s| !SET_UP.contains(&s.command.as_str()))
        .collect();
    for s in &run {
        let first_word = s.command.split_whitespace().next().unwrap_or("");
        assert!(
            first_word != "scs" || !s.words.is_empty(),
            "README.md:{}: say in `backticks` what `{}` shows",
            s.line,
            s.command
        );
        assert!(
            !s.command.contains("target/") && !s.command.starts_with("cargo "),
            "README.md:{}: `{}` is not a set-up line the test knows",
            s.line,
            s.command
        );
    }

    // A folder like the repository's root: the demo keys and vectors the README names, and the
    // demo registry's data folder, seeded by the server.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&repo().join("keys"), &d.join("keys"));
    copy_dir(&repo().join("tests/vectors"), &d.join("tests/vectors"));
    // At the README's address as the reader's registry is (`--public-url`): the credentials it
    // registers name it, as keys/demo/trust-list.json (signed for it) does.
    let server = DemoServer::start_with(
        &d.join("data"),
        d,
        common::server::free_port(),
        &["--public-url", README_URL],
    );

    let outputs = d.join(".readme-outputs");
    fs::create_dir(&outputs).unwrap();
    let mut script = String::from("cd \"$1\"\n");
    for (i, s) in run.iter().enumerate() {
        let command = s.command.replace(README_URL, &server.url);
        script.push_str(&format!(
            "{{ {command}\n}} >\"$2/{i}.out\" 2>&1 </dev/null; echo $? >\"$2/{i}.rc\"\n"
        ));
    }
    let home = d.join(".home");
    fs::create_dir(&home).unwrap();
    let scs_dir = Path::new(env!("CARGO_BIN_EXE_scs")).parent().unwrap();
    let path = format!(
        "{}:{}",
        scs_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut shell = Command::new("bash");
    shell
        .args(["--noprofile", "--norc", "-c", &script, "readme"])
        .arg(d)
        .arg(&outputs)
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .stdin(Stdio::null());
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("SCS_")) {
        shell.env_remove(name);
    }
    let mut child = shell.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the README's commands took over 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    for (i, s) in run.iter().enumerate() {
        let output = fs::read_to_string(outputs.join(format!("{i}.out"))).unwrap_or_default();
        let code: i32 = fs::read_to_string(outputs.join(format!("{i}.rc")))
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(-1);
        let missing: Vec<String> = s
            .words
            .iter()
            .map(|w| w.replace(README_URL, &server.url))
            .filter(|w| !output.contains(w.as_str()))
            .collect();
        assert!(
            code == s.exit && missing.is_empty() && !output.contains("panicked"),
            "README.md:{}: `{}`\nexpected exit {} and {:?}; got exit {code}, missing {missing:?}:\n{output}",
            s.line,
            s.command,
            s.exit,
            s.words
        );
    }
    drop(server);

    // What the README has a reader create in the repository's root is git-ignored (secret keys
    // above all), so none of it is committed by accident.
    fs::remove_dir_all(&outputs).unwrap();
    fs::remove_dir_all(&home).unwrap();
    for entry in fs::read_dir(d).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name == "keys" || name == "tests" {
            continue;
        }
        let name = if entry.file_type().unwrap().is_dir() {
            format!("{name}/")
        } else {
            name
        };
        let ignored = Command::new("git")
            .args(["check-ignore", "--no-index", "-q", &name])
            .current_dir(repo())
            .status()
            .unwrap();
        assert!(
            ignored.success(),
            "the README creates {name} in the repository, and .gitignore does not cover it"
        );
    }
}

//! Settings from the environment and the config file (`scs config`), run with the real binary
//! and HOME, XDG_CONFIG_HOME and SCS_CONFIG pointed into a temporary folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use common::server::DemoServer;
use common::{demo, scs, scs_with_env, write_subject};

/// A registry URL where nothing listens: a command that uses it says so, naming the URL.
const NOBODY: &str = "http://127.0.0.1:1";

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The default config file of the tests' HOME (see `common::scs_with_env`).
fn config_file(d: &Path) -> std::path::PathBuf {
    d.join(".config/scs/config.toml")
}

#[test]
fn online_commands_take_the_registry_and_key_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = DemoServer::start(&d.join("data"), &common::repo());
    let run = scs(d, &["config", "set", "registry", &server.url]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(d, &["config", "set", "key", p(&demo("issuer-star4.key"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // No --registry and no --key anywhere below.
    write_subject(d);
    let issue = [
        "issue",
        "--subject",
        "subject.json",
        "--level",
        "4",
        "--demo",
        "--out",
        "cred.json",
    ];
    let run = scs(d, &issue);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(d.join("cred.receipt.json").exists(), "registered");
    let run = scs(d, &["verify", "cred.json", "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = scs(d, &["log", "audit", "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let company = scs_registry::demo::demo_corporate_number(0);
    let run = scs(d, &["lookup", company.as_str()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    fs::write(d.join("suppliers.csv"), format!("{},4\n", company.as_str())).unwrap();
    let run = scs(d, &["verify-batch", "suppliers.csv", "--demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let credential: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("cred.json")).unwrap()).unwrap();
    let id = credential["id"].as_str().unwrap();
    let run = scs(d, &["revoke", id, "--reason", "holder-request"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(d, &["verify", "cred.json", "--demo", "--json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "invalid");

    // The environment wins over the file, and the flag over both.
    let nobody = [("SCS_REGISTRY", NOBODY)];
    let run = scs_with_env(d, &["lookup", company.as_str()], &nobody);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains(NOBODY), "{}", run.stderr);
    let flagged = ["lookup", company.as_str(), "--registry", &server.url];
    let run = scs_with_env(d, &flagged, &nobody);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // A registry from the file is a default that --offline turns off, for issue and verify.
    let offline = [
        &issue[..5],
        &[
            "--issuer-name",
            "試験機関",
            "--offline",
            "--out",
            "offline.json",
        ],
    ]
    .concat();
    let run = scs_with_env(d, &offline, &nobody);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!d.join("offline.receipt.json").exists(), "not registered");
}

#[test]
fn without_a_registry_anywhere_the_error_names_the_three_ways_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["lookup", "7000012050002"][..],
        &["log", "audit", "--demo"],
        &[
            "revoke",
            "urn:uuid:0b7d1c9e-2a4f-4c83-9d3e-1f2a3b4c5d6e",
            "--reason",
            "fraud",
            "--key",
            p(&demo("issuer-star4.key")),
        ],
    ] {
        let run = scs(d, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        let line = run.error_line();
        for way in ["--registry", "SCS_REGISTRY", "scs config set registry URL"] {
            assert!(line.contains(way), "{args:?}: {line}");
        }
    }
    let run = scs_with_env(
        d,
        &[
            "revoke",
            "urn:uuid:0b7d1c9e-2a4f-4c83-9d3e-1f2a3b4c5d6e",
            "--reason",
            "fraud",
        ],
        &[("SCS_REGISTRY", NOBODY)],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("scs config set key FILE"),
        "{}",
        run.stderr
    );
}

#[test]
fn offline_verification_ignores_a_registry_from_the_environment_but_not_from_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = common::issue_demo(d, "4", "cred.json");
    let tl = demo("trust-list.json");
    let offline = [
        "verify",
        p(&cred),
        "--offline",
        "--trust-list",
        p(&tl),
        "--demo",
    ];
    let run = scs_with_env(d, &offline, &[("SCS_REGISTRY", NOBODY)]);
    // Judged from the files alone, with no registry asked.
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("✓ 有効 / Valid"), "{}", run.stdout);
    // Without --offline the registry from the environment is asked.
    let online = ["verify", p(&cred), "--demo"];
    let run = scs_with_env(d, &online, &[("SCS_REGISTRY", NOBODY)]);
    assert!(
        run.stdout.contains(NOBODY) || run.stderr.contains(NOBODY),
        "{}{}",
        run.stdout,
        run.stderr
    );
    // On the command line the two contradict each other.
    let both = [&offline[..], &["--registry", "http://127.0.0.1:2"]].concat();
    let run = scs(d, &both);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("--offline"), "{}", run.stderr);
}

#[test]
fn trust_list_and_operator_key_come_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = common::issue_demo(d, "4", "cred.json");
    // The trust list from SCS_TRUST_LIST, the anchor from --demo: the issuer check passes.
    let tl = demo("trust-list.json");
    let args = ["verify", p(&cred), "--offline", "--demo", "--json"];
    let run = scs_with_env(d, &args, &[("SCS_TRUST_LIST", p(&tl))]);
    assert_eq!(run.json()["trustAnchor"], "demo", "{}", run.stdout);
    let issuer_check = &run.json()["checks"][1];
    assert_eq!(issuer_check["ok"], true, "{issuer_check}");
    // The operator key from the config file: --demo with it is a contradiction naming the file.
    let forger = d.join("forger");
    assert_eq!(scs(d, &["keygen", "--out", p(&forger)]).code, 0);
    let run = scs(
        d,
        &[
            "config",
            "set",
            "operator_key",
            p(&forger.with_extension("pub")),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs_with_env(d, &args, &[("SCS_TRUST_LIST", p(&tl))]);
    assert_eq!(run.code, 2);
    let line = run.error_line();
    assert!(
        line.contains("--demo") && line.contains("config.toml"),
        "{line}"
    );
}

#[test]
fn config_set_checks_each_value_and_writes_an_owner_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, value, why) in [
        ("registry", "ftp://registry.example", "http"),
        ("registry", "not a url", "URL"),
        ("key", "missing.key", "missing.key"),
        ("operator_key", p(&demo("operator.pub")), "DEMO"),
        ("trust_list", "subject.json", "subject.json"),
    ] {
        let run = scs(d, &["config", "set", name, value]);
        assert_eq!(run.code, 2, "{name} {value}");
        assert!(run.error_line().contains(why), "{}", run.stderr);
    }
    assert!(
        !config_file(d).exists(),
        "nothing written for refused values"
    );
    let run = scs(d, &["config", "set", "colour", "blue"]);
    assert_eq!(run.code, 2, "an unknown setting is refused by the parser");

    // A key others can read is refused; an owner-only one is stored as an absolute path.
    assert_eq!(scs(d, &["keygen", "--out", "keys/issuer"]).code, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = d.join("keys/issuer.key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let run = scs(d, &["config", "set", "key", "keys/issuer.key"]);
        assert_eq!(run.code, 2);
        assert!(run.error_line().contains("chmod 600"), "{}", run.stderr);
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    }
    let run = scs(d, &["config", "set", "key", "keys/issuer.key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = fs::read_to_string(config_file(d)).unwrap();
    let absolute = d.join("keys/issuer.key").canonicalize().unwrap();
    let stored = format!("key = \"{}\"", p(&absolute));
    let stored_as_given = format!("key = \"{}\"", p(&d.join("keys/issuer.key")));
    assert!(
        text.contains(&stored) || text.contains(&stored_as_given),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&config_file(d)), 0o600);
        assert_eq!(mode(config_file(d).parent().unwrap()), 0o700);
    }

    // Set and unset keep what else the user wrote, comments too.
    let with_comment = format!("# ours\nregistry = \"https://old.example\"\n{text}");
    fs::write(config_file(d), &with_comment).unwrap();
    let run = scs(
        d,
        &["config", "set", "registry", "https://registry.example"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(d, &["config", "unset", "key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(config_file(d)).unwrap(),
        "# ours\nregistry = \"https://registry.example\"\n"
    );
}

#[test]
fn a_config_file_with_a_typo_or_bad_syntax_is_refused_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cred = common::issue_demo(d, "4", "cred.json");
    let file = config_file(d);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let lookup = ["lookup", "7000012050002"];

    fs::write(
        &file,
        "registry = \"http://127.0.0.1:1\"\nregisty = \"x\"\n",
    )
    .unwrap();
    let run = scs(d, &lookup);
    assert_eq!(run.code, 2);
    let line = run.error_line();
    assert!(line.contains(&format!("{}:2:", file.display())), "{line}");
    assert!(line.contains("registy"), "{line}");
    // Fail closed: not even `config set` works on it until it is fixed.
    let run = scs(d, &["config", "set", "registry", NOBODY]);
    assert_eq!(run.code, 2);

    fs::write(&file, "\nkey = \n").unwrap();
    let run = scs(d, &lookup);
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains(&format!("{}:2:", file.display())),
        "{}",
        run.stderr
    );

    fs::write(&file, "registry = \"ftp://x\"\n").unwrap();
    let run = scs(d, &lookup);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("ftp://x"), "{}", run.stderr);

    // The demo operator key is never a setting, not even written by hand.
    let operator = fs::read_to_string(demo("operator.pub")).unwrap();
    let did = operator
        .lines()
        .find(|l| l.starts_with("did:key:"))
        .unwrap();
    fs::write(&file, format!("operator_key = \"{did}\"\n")).unwrap();
    let tl = demo("trust-list.json");
    let run = scs(
        d,
        &["verify", p(&cred), "--offline", "--trust-list", p(&tl)],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("DEMO"), "{}", run.stderr);
}

#[test]
fn config_show_says_where_each_value_came_from_and_never_prints_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(scs(d, &["keygen", "--out", "keys/issuer"]).code, 0);
    assert_eq!(scs(d, &["config", "set", "key", "keys/issuer.key"]).code, 0);
    assert_eq!(scs(d, &["config", "set", "registry", NOBODY]).code, 0);
    let run = scs_with_env(
        d,
        &["config", "show"],
        &[("SCS_REGISTRY", "https://env.example")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = |name: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {}", run.stdout))
            .to_owned()
    };
    assert!(
        line("registry").contains("https://env.example"),
        "{}",
        run.stdout
    );
    assert!(line("registry").contains("SCS_REGISTRY"), "{}", run.stdout);
    assert!(line("key").contains("issuer.key") && line("key").contains("file"));
    assert!(line("trust_list").contains("unset"), "{}", run.stdout);
    let secret = fs::read_to_string(d.join("keys/issuer.key")).unwrap();
    assert!(!run.stdout.contains(secret.lines().last().unwrap()));
    assert!(run.stdout.contains(p(&config_file(d))), "{}", run.stdout);

    // A relative path written by hand is taken from the config file's folder, not the working
    // directory, so the file means the same from anywhere.
    fs::write(config_file(d), "trust_list = \"lists/trust-list.json\"\n").unwrap();
    let run = scs(d, &["config", "show"]);
    let folder = config_file(d)
        .parent()
        .unwrap()
        .join("lists/trust-list.json");
    assert!(run.stdout.contains(p(&folder)), "{}", run.stdout);
}

#[test]
fn the_config_file_is_the_flag_else_scs_config_else_xdg_else_home() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = |env: &[(&str, &str)], args: &[&str]| {
        let run = scs_with_env(d, &[args, &["config", "path"]].concat(), env);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.trim().to_owned()
    };
    assert_eq!(path(&[], &[]), p(&config_file(d)));
    let xdg = d.join("xdg");
    assert_eq!(
        path(&[("XDG_CONFIG_HOME", p(&xdg))], &[]),
        p(&xdg.join("scs/config.toml"))
    );
    // A relative XDG_CONFIG_HOME is not valid (XDG Base Directory): HOME/.config instead.
    assert_eq!(
        path(&[("XDG_CONFIG_HOME", "relative")], &[]),
        p(&config_file(d))
    );
    assert_eq!(path(&[("SCS_CONFIG", "env.toml")], &[]), "env.toml");
    assert_eq!(
        path(&[("SCS_CONFIG", "env.toml")], &["--config", "flag.toml"]),
        "flag.toml"
    );

    // A config file named explicitly must exist; the default one need not.
    let run = scs_with_env(
        d,
        &["lookup", "7000012050002"],
        &[("SCS_CONFIG", "missing.toml")],
    );
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("missing.toml"), "{}", run.stderr);
    // `config set` creates it.
    let run = scs(
        d,
        &["--config", "mine.toml", "config", "set", "registry", NOBODY],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = scs(d, &["lookup", "7000012050002", "--config", "mine.toml"]);
    assert!(run.error_line().contains(NOBODY), "{}", run.stderr);
}

#[test]
fn help_says_where_settings_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = scs(d, &["--help"]);
    for text in [
        "SCS_REGISTRY",
        "SCS_KEY",
        "SCS_TRUST_LIST",
        "SCS_OPERATOR_KEY",
        "config.toml",
    ] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
    let run = scs(d, &["lookup", "--help"]);
    assert!(run.stdout.contains("[env: SCS_REGISTRY"), "{}", run.stdout);
    assert!(
        run.stdout.contains("`registry` in the config file"),
        "{}",
        run.stdout
    );
    let run = scs(d, &["revoke", "--help"]);
    assert!(run.stdout.contains("[env: SCS_KEY"), "{}", run.stdout);
}

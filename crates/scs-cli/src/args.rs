//! Raw command-line flags. Resolution (reading keys, parsing numbers into newtypes) happens in
//! each command's module, so that every bad value gets the same one-line error and exit 2.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::registry_cmds::Change;

/// What `scs --help` says after the commands: where the settings come from.
const SETTINGS_HELP: &str = "\
Settings / 設定 (flag > environment > config file / フラグ > 環境変数 > 設定ファイル):
  --registry URL       SCS_REGISTRY       registry
  --operator-key KEY   SCS_OPERATOR_KEY   operator_key
  --trust-list FILE    SCS_TRUST_LIST     trust_list
  --key FILE           SCS_KEY            key
Config file / 設定ファイル: --config FILE, else SCS_CONFIG, else $XDG_CONFIG_HOME/scs/config.toml
  (~/.config/scs/config.toml). `scs config set registry URL` stores a setting; `scs config
  show` lists them and where each came from. --demo is a flag only, never a setting
  (--demo はフラグでのみ指定できます).";

/// SCS ★ credential registry — issue and verify Supply Chain Security (SCS評価制度) ★ credentials.
#[derive(Debug, Parser)]
#[command(name = "scs", version, about, after_help = SETTINGS_HELP)]
pub struct Cli {
    /// The config file (default: $XDG_CONFIG_HOME/scs/config.toml or ~/.config/scs/config.toml).
    #[arg(long, global = true, env = "SCS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an Ed25519 key pair: OUT.key (mode 0600) and OUT.pub (did:key).
    Keygen(KeygenArgs),
    /// Operator: trust list editions.
    TrustList {
        /// What to do with the trust list.
        #[command(subcommand)]
        command: TrustListCommand,
    },
    /// Issuer: sign a ★ attainment credential.
    Issue(IssueArgs),
    /// Verify a ★ credential: exit 0 valid, 1 invalid or unknown, 2 bad input.
    Verify(VerifyArgs),
    /// Present credentials to one buyer: a verifiable presentation signed with the company's
    /// key for the buyer's challenge (and domain).
    Present(crate::present::PresentArgs),
    /// Check a supplier list (CSV of 法人番号, optionally with the ★ required) against a registry:
    /// a CSV or JSON report; exit 0 only when every row is valid.
    VerifyBatch(crate::verify_batch::VerifyBatchArgs),
    /// Check a registry's signed verification result (検証結果の証跡) offline: exit 0 valid, 1
    /// invalid, 2 unreadable.
    VerifyReceipt(crate::verify_receipt::VerifyReceiptArgs),
    /// Watch a supplier list: verify the registry's log stays consistent, report every change
    /// to the watched companies (and ★ below the required, expiry, no credential) once, on
    /// stdout and to a signed webhook. Exit 0 after a round, 3 registry inconsistent, 4 webhook
    /// not delivered, 2 bad input.
    Watch(crate::watch::WatchArgs),
    /// Save a registry's signed trust list, status lists and checkpoint in one file, for
    /// verifying offline (`scs verify --bundle`, `scs verify-batch --bundle`).
    Bundle(crate::bundle::BundleArgs),
    /// Publish a registry's log tiles, checkpoint, status lists, trust list and JSON-LD context
    /// as static files in the API's URL layout, for a web server or CDN; each run writes only
    /// what changed, after checking it all. Exit 1 when the log does not extend what was
    /// published.
    Publish(crate::publish::PublishArgs),
    /// Back up a registry's log — its entries and signed checkpoint, with the trust list — into
    /// one file (the private keys are not in it).
    Backup(crate::backup::BackupArgs),
    /// Restore a backup into a new data folder for `scs serve --data DIR`, checked by
    /// replaying it to the backup's signed checkpoint.
    Restore(crate::backup::RestoreArgs),
    /// Draw a credential's QR code: PNG, SVG, its text, or in the terminal (`--out -`).
    Qr(crate::qr::QrArgs),
    /// Run the registry (with its web pages); sled in --data is the embedded store.
    Serve(ServeArgs),
    /// Revoke a registered credential (final).
    Revoke(RevokeArgs),
    /// Suspend a registered credential (can be lifted).
    Suspend(SuspendArgs),
    /// Lift a suspension.
    Reinstate(ReinstateArgs),
    /// Look a company up by 法人番号: its credentials and highest ★ valid now.
    Lookup(LookupArgs),
    /// The transparency log (台帳).
    Log {
        /// What to do with the log.
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Settings: show them, or store the registry, operator key, trust list or key in the
    /// config file.
    Config {
        /// What to do with the settings.
        #[command(subcommand)]
        command: crate::config::ConfigCommand,
    },
    /// Print the shell completion script for bash, zsh or fish.
    Completions(crate::manual::CompletionsArgs),
    /// Print the man page, or write one page per command into a folder (--out).
    Man(crate::manual::ManArgs),
}

/// Where a registry's log and indexes live (`scs serve`, `scs restore`).
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Where the log and the indexes live: `sled` (files in --data, the default) or a
    /// PostgreSQL database, postgres://user@host:port/database, which every registry process
    /// pointed at it serves from (SCS_STORE keeps a password out of the process list).
    #[arg(
        long,
        env = "SCS_STORE",
        default_value = "sled",
        hide_env_values = true
    )]
    pub store: String,
}

/// Which operator key to trust: the anchor against which every trust list is checked. This
/// build trusts none by default; the demo operator's key (whose secret is in the repository)
/// only when `--demo` asks for it.
#[derive(Debug, Args)]
pub struct AnchorArgs {
    /// The scheme operator's public key that signs the trust list: a .pub file (as written by
    /// `scs keygen`) or a did:key string (or `operator_key` in the config file). Without it, no
    /// trust list is trusted (unless --demo).
    #[arg(long, env = "SCS_OPERATOR_KEY", value_name = "KEY")]
    pub operator_key: Option<String>,
    /// Trust the DEMO operator key (keys/demo/operator.pub, whose secret key is public) — for
    /// trying the demo registry and files only; every verdict then says so.
    #[arg(long)]
    pub demo: bool,
}

/// `scs keygen`
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path without suffix: writes OUT.key and OUT.pub.
    #[arg(long)]
    pub out: PathBuf,
    /// Mark the key as a demo/test key (the registry refuses such keys without --demo).
    #[arg(long, hide = true)]
    pub demo_mark: bool,
}

/// `scs trust-list …`
#[derive(Debug, Subcommand)]
pub enum TrustListCommand {
    /// Start edition 1: the registry's URL and keys, the scheme's default policy, no issuers.
    New(TrustListNewArgs),
    /// Designate an issuer in an edition (the file is changed in place).
    AddIssuer(TrustListAddIssuerArgs),
    /// Change an issuer's names, contact or site in an edition (its designation is untouched).
    SetIssuer(TrustListSetIssuerArgs),
    /// Withdraw an issuer's designation in an edition (it stays listed, marked withdrawn).
    WithdrawIssuer(TrustListWithdrawArgs),
    /// Replace an issuer's signing key in an edition: the old key's window ends, what it signed
    /// before stays valid, and the registry takes writes only from the new key.
    RotateKey(TrustListRotateKeyArgs),
    /// Declare one of an issuer's keys compromised in an edition: what it signed from then on
    /// is void.
    CompromiseKey(TrustListCompromiseKeyArgs),
    /// Start the next edition from a signed trust list: its content, the sequence one higher.
    Next(TrustListNextArgs),
    /// Sign a trust list edition with the operator key.
    Sign(TrustListSignArgs),
}

/// `scs trust-list new`
#[derive(Debug, Args)]
pub struct TrustListNewArgs {
    /// The registry's public base URL; status list URLs in credentials are built from it.
    #[arg(long)]
    pub base_url: String,
    /// The registry's status list public key (.pub file or did:key).
    #[arg(long)]
    pub status_key: String,
    /// The registry's log public key (.pub file or did:key).
    #[arg(long)]
    pub log_key: String,
    /// Where to write the unsigned edition (refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

/// `scs trust-list add-issuer`
#[derive(Debug, Args)]
pub struct TrustListAddIssuerArgs {
    /// The unsigned edition to change.
    pub edition: PathBuf,
    /// The issuer's public key (.pub file or did:key).
    #[arg(long)]
    pub issuer: String,
    /// 名称: the issuer's name.
    #[arg(long)]
    pub name: String,
    /// Its English name, the contact and site shown on the 指定機関一覧.
    #[command(flatten)]
    pub about: IssuerAboutArgs,
    /// A ★ level it may sign (repeat for several: --level 3 --level 4). ★4 makes it an
    /// evaluation body, ★3 a confirming expert organisation.
    #[arg(long = "level", required = true)]
    pub levels: Vec<u64>,
    /// Start of the designation (date or date-time; default now).
    #[arg(long)]
    pub from: Option<String>,
}

/// What the 指定機関一覧 shows about an issuer besides its name.
#[derive(Debug, Args)]
pub struct IssuerAboutArgs {
    /// The issuer's English name, shown on the English pages.
    #[arg(long)]
    pub name_en: Option<String>,
    /// Its contact e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Its contact telephone number (half-width digits, e.g. 03-1234-5678).
    #[arg(long)]
    pub phone: Option<String>,
    /// Its site (an https:// address).
    #[arg(long)]
    pub url: Option<String>,
}

/// `scs trust-list set-issuer`
#[derive(Debug, Args)]
pub struct TrustListSetIssuerArgs {
    /// The unsigned edition to change.
    pub edition: PathBuf,
    /// The issuer's public key (.pub file or did:key).
    #[arg(long)]
    pub issuer: String,
    /// 名称: the issuer's new name (default: unchanged).
    #[arg(long)]
    pub name: Option<String>,
    /// The members to set; those not given stay as they are.
    #[command(flatten)]
    pub about: IssuerAboutArgs,
}

/// `scs trust-list withdraw-issuer`
#[derive(Debug, Args)]
pub struct TrustListWithdrawArgs {
    /// The unsigned edition to change.
    pub edition: PathBuf,
    /// The issuer's public key (.pub file or did:key).
    #[arg(long)]
    pub issuer: String,
    /// When the designation ends (date or date-time; default now).
    #[arg(long)]
    pub since: Option<String>,
    /// The key was stolen or lost from this time: everything it signed since is void.
    #[arg(long)]
    pub compromised_since: Option<String>,
}

/// `scs trust-list rotate-key`
#[derive(Debug, Args)]
pub struct TrustListRotateKeyArgs {
    /// The unsigned edition to change.
    pub edition: PathBuf,
    /// The issuer: one of its keys (.pub file or did:key), usually the current one.
    #[arg(long)]
    pub issuer: String,
    /// Its new public key (.pub file or did:key).
    #[arg(long)]
    pub new_key: String,
    /// When the new key takes over (date or date-time; default now).
    #[arg(long)]
    pub from: Option<String>,
    /// The key being replaced was stolen or lost from this time: everything it signed since is
    /// void.
    #[arg(long)]
    pub compromised_since: Option<String>,
}

/// `scs trust-list compromise-key`
#[derive(Debug, Args)]
pub struct TrustListCompromiseKeyArgs {
    /// The unsigned edition to change.
    pub edition: PathBuf,
    /// The key (.pub file or did:key), current or retired.
    #[arg(long)]
    pub key: String,
    /// From when it was stolen or lost (date or date-time).
    #[arg(long)]
    pub since: String,
}

/// `scs trust-list next`
#[derive(Debug, Args)]
pub struct TrustListNextArgs {
    /// The signed trust list in force.
    pub trust_list: PathBuf,
    /// Where to write the next, unsigned edition (refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
    /// The operator key the signed trust list must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// `scs trust-list sign`
#[derive(Debug, Args)]
pub struct TrustListSignArgs {
    /// The operator's secret key file.
    #[arg(long)]
    pub key: PathBuf,
    /// The edition to sign: the trust list subject (type, sequence, issuers, registry, policy).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the signed trust list credential.
    #[arg(long)]
    pub out: PathBuf,
    /// A signed earlier edition: the new sequence must be greater.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// End of this edition (date or date-time): verifiers then need a newer one. Default: none.
    #[arg(long)]
    pub valid_until: Option<String>,
}

/// `scs issue`
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuer's secret key file (or `key` in the config file).
    #[arg(long, env = "SCS_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// credentialSubject fields other than achievement: corporateNumber (or lei), legalName,
    /// legalNameEn, legalNameKana (フリガナ), scope, and id (the company's did:key, for `scs
    /// present` with holder binding). A JSON array signs one credential per entry into the --out
    /// folder.
    #[arg(long)]
    pub subject: PathBuf,
    /// ★ level: 3 or 4. (★5 only once the trust list, --trust-list or the registry's,
    /// designates this issuer for it.)
    #[arg(long)]
    pub level: u64,
    /// Validity: `1y`, `3y`, `365d` (default ★3 1y, ★4 3y; capped by the trust list policy).
    #[arg(long)]
    pub valid_for: Option<String>,
    /// Start of validity (date or date-time; default now).
    #[arg(long)]
    pub valid_from: Option<String>,
    /// Assessment method (default: the one the policy requires for the level).
    #[arg(long)]
    pub method: Option<String>,
    /// Criteria set version.
    #[arg(long, default_value = scs_issuer::CURRENT_CRITERIA_VERSION)]
    pub criteria_version: String,
    /// Date the assessment concluded (YYYY-MM-DD; default the start of validity).
    #[arg(long)]
    pub assessed_on: Option<String>,
    /// The issuer's name as shown in the credential (default: its name in --trust-list).
    #[arg(long)]
    pub issuer_name: Option<String>,
    /// The signed trust list: gives the issuer name and policy, and confirms designation (or
    /// `trust_list` in the config file).
    #[arg(long, env = "SCS_TRUST_LIST", value_name = "FILE")]
    pub trust_list: Option<PathBuf>,
    /// The operator key that the trust list (--trust-list or the registry's) must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
    /// Registry URL: reserve status entries, sign, register; writes OUT.receipt.json too (or
    /// `registry` in the config file). Without one, an OUT.receipt.json left from an earlier
    /// credential is removed.
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Sign only: register nothing, even with a registry from SCS_REGISTRY or the config file.
    #[arg(long)]
    pub offline: bool,
    /// Also draw the QR code (compact form, signed with the same key): FILE.png, FILE.svg or
    /// FILE.txt; for a subject array, one beside each credential in the same format.
    #[arg(long)]
    pub qr: Option<PathBuf>,
    /// Output file (or folder, for a subject array).
    #[arg(long)]
    pub out: PathBuf,
}

/// `scs verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The credential: its JSON file, a PNG or JPEG image of its QR code, or a text file with
    /// the QR text.
    pub file: Option<PathBuf>,
    /// The QR text (`SCS1:…`) instead of a file.
    #[arg(long)]
    pub qr_text: Option<String>,
    /// Require at least this ★ (a higher ★ satisfies a lower ask).
    #[arg(long)]
    pub min_level: Option<u64>,
    /// Require this 法人番号.
    #[arg(long)]
    pub corporate_number: Option<String>,
    /// Judge validity at this time (date or date-time; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Registry URL: trust list (checked against the pinned operator key) and online status (or
    /// `registry` in the config file; --offline ignores that one).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// A registration receipt (OUT.receipt.json of `scs issue --registry`): the `ledger` check,
    /// the credential's inclusion in the ledger, offline; part of the verdict. Default:
    /// FILE.receipt.json when present.
    #[arg(long)]
    pub receipt: Option<PathBuf>,
    /// Do not contact any registry, not even one from SCS_REGISTRY or the config file; use
    /// --trust-list and --status-list files.
    #[arg(long)]
    pub offline: bool,
    /// The signed trust list file (or `trust_list` in the config file).
    #[arg(long, env = "SCS_TRUST_LIST", value_name = "FILE")]
    pub trust_list: Option<PathBuf>,
    /// Signed status list credential files.
    #[arg(long, num_args = 1..)]
    pub status_list: Vec<PathBuf>,
    /// An offline bundle (`scs bundle`): the trust list and status lists from it, checked
    /// against the pinned operator key; no registry is asked, no trust list file read.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["status_list", "offline"])]
    pub bundle: Option<PathBuf>,
    /// With --bundle: data older than this (30m, 24h, 7d; default 24h) gives 判定不能 / unknown.
    #[arg(long, value_name = "AGE", requires = "bundle")]
    pub max_age: Option<String>,
    /// The operator key that the trust list must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
    /// For a presentation: the challenge you gave the holder; its proof must carry it.
    #[arg(long)]
    pub challenge: Option<String>,
    /// For a presentation: your domain; its proof must carry it.
    #[arg(long)]
    pub domain: Option<String>,
    /// For a presentation: require holder binding — its signer must be the company key every
    /// credential names (credentialSubject.id).
    #[arg(long)]
    pub holder_binding: bool,
    /// Print the machine-readable report.
    #[arg(long)]
    pub json: bool,
}

/// `scs serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Data folder.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Run with the demo keys and demo data.
    #[arg(long)]
    pub demo: bool,
    /// The signed trust list (required without --demo).
    #[arg(long)]
    pub trust_list: Option<PathBuf>,
    /// The operator's public key file (required without --demo).
    #[arg(long)]
    pub operator_key: Option<PathBuf>,
    /// The registry's status list secret key (required without --demo).
    #[arg(long)]
    pub status_key: Option<PathBuf>,
    /// The registry's log secret key (required without --demo).
    #[arg(long)]
    pub log_key: Option<PathBuf>,
    /// The address people and verifiers reach the registry at, e.g. `https://scs.example.jp`
    /// behind a proxy: every URL the registry prints (pages, QR codes, status lists) is on it.
    /// With --demo the demo trust list is signed for it (default: the --listen address);
    /// otherwise it must be the trust list's registry address. Never taken from a request.
    #[arg(long, env = "SCS_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Memory for the index store's (sled's) cache, in MiB, used by writes and by look-ups of
    /// organisations and of credentials whose status changed (docs/PERFORMANCE.md).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(8..=65536))]
    pub index_cache_mib: u64,
    /// Seconds a connection may take to send a request's headers (tests shorten it).
    #[arg(long, hide = true, default_value_t = scs_registry::limits::HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_read_timeout_secs: u64,
}

/// `scs revoke`
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Why (the codes are listed by the help).
    #[arg(long, help = Change::Revoke.reason_help())]
    pub reason: String,
    /// The credential, key and registry.
    #[command(flatten)]
    pub change: StatusChangeArgs,
}

/// `scs suspend`
#[derive(Debug, Args)]
pub struct SuspendArgs {
    /// Why (the codes are listed by the help).
    #[arg(long, help = Change::Suspend.reason_help())]
    pub reason: String,
    /// The credential, key and registry.
    #[command(flatten)]
    pub change: StatusChangeArgs,
}

/// `scs reinstate`
#[derive(Debug, Args)]
pub struct ReinstateArgs {
    /// The matter the suspension was for, now resolved (the codes are listed by the help).
    #[arg(long, help = Change::Reinstate.reason_help())]
    pub reason: Option<String>,
    /// The credential, key and registry.
    #[command(flatten)]
    pub change: StatusChangeArgs,
}

/// What `scs revoke|suspend|reinstate` share.
#[derive(Debug, Args)]
pub struct StatusChangeArgs {
    /// The credential: its id (urn:uuid:…, printed by `scs issue`), or its file — the JSON, a
    /// PNG/JPEG of its QR code, or a QR text file. Only the id is read from it.
    pub credential: String,
    /// The issuer's (or operator's) secret key file (or `key` in the config file).
    #[arg(long, env = "SCS_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Registry URL (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Print the registry's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `scs lookup`
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// 法人番号 (13 digits; hyphens or spaces between them are fine).
    pub corporate_number: String,
    /// Registry URL (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// Print the registry's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `scs log …`
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the registry's checkpoint, and that it is consistent with one saved earlier.
    Audit(AuditArgs),
    /// Check a registry's log on disk (offline): every entry against its leaf, the checkpoint's
    /// root and signature. Exit 0 intact, 1 damaged (names the first bad entry), 2 bad usage.
    Check(CheckArgs),
}

/// `scs log check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The registry's data folder (holding `log/`).
    #[arg(long)]
    pub data: PathBuf,
    /// The log's public key (file or did:key). Default: the one named by the newest trust list
    /// in the log that the operator key signed.
    #[arg(long)]
    pub log_key: Option<String>,
    /// The operator key that signed the trust lists in the log (needed without --log-key).
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

/// `scs log audit`
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Registry URL (or `registry` in the config file).
    #[arg(long, env = "SCS_REGISTRY", value_name = "URL")]
    pub registry: Option<String>,
    /// A checkpoint saved earlier (the body of GET /v1/log/checkpoint).
    #[arg(long)]
    pub since: Option<PathBuf>,
    /// Save the new checkpoint here after a successful audit.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// The operator key that the registry's trust list (naming the log key) must be signed by.
    #[command(flatten)]
    pub anchor: AnchorArgs,
}

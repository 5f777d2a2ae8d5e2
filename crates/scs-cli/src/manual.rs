//! `scs completions` and `scs man`: generated from the same clap definition as `--help`, so
//! they never disagree with it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::args::Cli;
use crate::{emit, say, Outcome};

/// The shells `scs completions` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    /// bash: `source <(scs completions bash)`.
    Bash,
    /// zsh: save as `_scs` in a folder of `$fpath`.
    Zsh,
    /// fish: save as `~/.config/fish/completions/scs.fish`.
    Fish,
}

/// `scs completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: CompletionShell,
}

/// `scs man`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write scs.1 and one page per command (scs-verify.1, …) into this folder, instead of
    /// printing scs.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `scs completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "scs", &mut script);
    emit(&String::from_utf8_lossy(&script));
    Ok(Outcome::Yes)
}

/// `scs man [--out DIR]`
pub fn man(args: &ManArgs) -> Result<Outcome> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    match &args.out {
        None => emit(&String::from_utf8_lossy(&roff(&clap_mangen::Man::new(
            command,
        ))?)),
        Some(dir) => {
            scs_issuer::durable::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let written = write_pages(command, dir)?;
            say!("{written} man pages → {}", dir.display());
        }
    }
    Ok(Outcome::Yes)
}

/// Writes the page of `command` and of each of its subcommands, durably; returns how many.
fn write_pages(command: clap::Command, dir: &Path) -> Result<usize> {
    let mut written = 0;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        written += write_pages(sub.clone(), dir)?;
    }
    let page = clap_mangen::Man::new(command);
    let path = dir.join(page.get_filename());
    scs_issuer::durable::write(&path, &roff(&page)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(written + 1)
}

/// One page as roff.
fn roff(page: &clap_mangen::Man) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    page.render(&mut bytes)?;
    Ok(bytes)
}

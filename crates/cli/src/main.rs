//! `messaging-doctor check [PATH]`: see README ("Check an org's source in CI").

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand, ValueEnum};
use md_cli::{check_path, exit_status, iso8601, render, FailOn};

#[derive(Parser)]
#[command(
    name = "messaging-doctor",
    version,
    about = "Finds what stops Messaging for Web chats in an org's metadata source, before it is deployed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge the MessagingSession / MessagingEndUser automation in a Salesforce DX project
    /// (sfdx-project.json), a package directory or a Metadata API folder (package.xml).
    Check {
        /// The project or folder (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with status 1 when a finding is at least this severe.
        #[arg(long, value_enum, default_value_t = Threshold::Error)]
        fail_on: Threshold,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum Threshold {
    Error,
    Warning,
    Never,
}

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's own status); --help and --version with 0.
    let cli = Cli::parse();
    let Command::Check {
        path,
        format,
        fail_on,
    } = cli.command;
    let checked = match check_path(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("messaging-doctor: {e}");
            return ExitCode::from(2);
        }
    };
    let out = match format {
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::text(&checked, colour)
        }
        Format::Json => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let v = render::json(&checked, &iso8601(now.as_secs(), now.subsec_millis()));
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::sarif(&checked)).unwrap_or_default()
        ),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        // A closed pipe: nothing more to say, and not a finding.
        return ExitCode::from(2);
    }
    let threshold = match fail_on {
        Threshold::Error => FailOn::Error,
        Threshold::Warning => FailOn::Warning,
        Threshold::Never => FailOn::Never,
    };
    ExitCode::from(exit_status(&checked.report, threshold) as u8)
}

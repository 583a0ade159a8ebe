//! `switchboard-cli`: the engine without a window, for scripts and tests. It goes through the
//! same runtime Handle as the desktop app.

mod agent;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use switchboard_core::{CallerIdentity, Country, DialFormat, DialPlan, Source};
use switchboard_runtime::{normalize_with, Error, Handle, OpenOptions};

/// Switchboard from the command line.
#[derive(Debug, Parser)]
#[command(name = "switchboard-cli", version, about)]
struct Cli {
    /// The contact database (default: the app's, in the user's data folder).
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a number with a dial plan: its kind, E.164, dial string and human format.
    Normalize {
        /// The number as typed (quote it if it has spaces).
        number: String,
        #[command(flatten)]
        plan: PlanArgs,
        /// Read it as a stored field (non-digits ignored) instead of dial-box input.
        #[arg(long)]
        field: bool,
    },
    /// Import contacts from a CSV or vCard file.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Export every contact to a CSV file.
    Export {
        /// The file to write.
        file: PathBuf,
    },
    /// Who is calling from NUMBER: the ranked matches with their reasons.
    Lookup {
        /// The caller's number (or `anonymous`).
        number: String,
        /// The caller's display name, if any.
        #[arg(long)]
        name: Option<String>,
    },
    /// Search contacts by name, company, e-mail or number.
    Search {
        /// Words or a number.
        query: String,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A headless agent: registers its accounts, reads JSON commands on stdin, writes JSON
    /// events on stdout (docs/cli.md).
    Agent(Box<agent::AgentArgs>),
    /// Show or change the dial plan stored in the database.
    Plan {
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// List the sound devices (for the agent's --mic, --speaker and --ringer).
    Devices,
    /// The latest calls: direction, number, times, end reason, recording.
    History {
        /// At most this many calls.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// Dial-plan overrides.
#[derive(Debug, Args)]
struct PlanArgs {
    /// Default country (ISO code: FR, GB, US, DE...).
    #[arg(long)]
    country: Option<String>,
    /// Area code added to local numbers dialled without it (no leading 0).
    #[arg(long)]
    area_code: Option<String>,
    /// External-line prefix (e.g. 9 or 0).
    #[arg(long)]
    prefix: Option<String>,
    /// Length of internal extensions.
    #[arg(long)]
    ext_len: Option<u8>,
    /// Format the PBX expects: e164, international or national.
    #[arg(long)]
    format: Option<String>,
}

impl PlanArgs {
    fn any(&self) -> bool {
        self.country.is_some()
            || self.area_code.is_some()
            || self.prefix.is_some()
            || self.ext_len.is_some()
            || self.format.is_some()
    }

    fn apply(&self, mut plan: DialPlan) -> Result<DialPlan, Error> {
        if let Some(c) = &self.country {
            plan.country = c.parse::<Country>()?;
        }
        if let Some(a) = &self.area_code {
            plan.area_code = a.clone();
        }
        if let Some(p) = &self.prefix {
            plan.external_prefix = p.clone();
        }
        if let Some(n) = self.ext_len {
            plan.extension_len = n;
        }
        if let Some(f) = &self.format {
            plan.format = f.parse::<DialFormat>()?;
        }
        plan.validate()?;
        Ok(plan)
    }
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    error: &'a switchboard_runtime::ErrorReport,
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        say(serde_json::to_string(value).unwrap_or_default());
    } else {
        say(text());
    }
}

/// Writes one line on standard output. When its reader has gone (`... | head -1`), the
/// program ends there, quietly and with success: what it was asked to do is done, only the
/// rest of its report has no one to read it.
pub(crate) fn say(line: impl std::fmt::Display) {
    use std::io::Write;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cannot write the output: {e}");
        std::process::exit(1);
    }
}

async fn handle(cli: &Cli) -> Result<Handle, Error> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => Handle::default_db_path()?,
    };
    Handle::open(&path, OpenOptions::default()).await
}

async fn run(cli: &Cli) -> Result<(), Error> {
    let json = cli.json;
    match &cli.command {
        Command::Normalize {
            number,
            plan,
            field,
        } => {
            let base = match &cli.db {
                Some(_) => handle(cli).await?.settings().dial_plan,
                None => DialPlan::default(),
            };
            let source = if *field {
                Source::Field
            } else {
                Source::DialBox
            };
            let info = normalize_with(number, &plan.apply(base)?, source)?;
            print(json, &info, || {
                format!(
                    "{} {}\n  dial:    {}\n  e164:    {}",
                    info.kind,
                    info.display,
                    info.dial,
                    info.e164.as_deref().unwrap_or("-")
                )
            });
        }
        Command::Import { file } => {
            let handle = handle(cli).await?;
            let bar = indicatif::ProgressBar::new(std::fs::metadata(file).map_or(0, |m| m.len()));
            if !std::io::stderr().is_terminal() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {msg} rows ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let summary = handle
                .import(file, |p| {
                    bar.set_position(p.bytes);
                    bar.set_message(p.rows.to_string());
                })
                .await?;
            bar.finish_and_clear();
            print(json, &summary, || {
                let mut out = format!(
                    "imported {}, skipped {}, duplicates {}",
                    summary.imported, summary.skipped, summary.duplicates
                );
                for e in &summary.errors {
                    out.push_str(&format!("\n  line {}: {}", e.line, e.reason));
                }
                if summary.skipped > summary.errors.len() as u64 {
                    out.push_str(&format!(
                        "\n  ... and {} more",
                        summary.skipped - summary.errors.len() as u64
                    ));
                }
                out
            });
            handle.close().await;
        }
        Command::Export { file } => {
            let handle = handle(cli).await?;
            let n = handle.export(file).await?;
            print(json, &serde_json::json!({ "exported": n }), || {
                format!("exported {n} contacts to {}", file.display())
            });
        }
        Command::Lookup { number, name } => {
            let handle = handle(cli).await?;
            let identity = CallerIdentity {
                user: number.clone(),
                display_name: name.clone(),
            };
            let lookup = handle.lookup(&identity).await?;
            print(json, &lookup, || {
                let mut out = match &lookup.caller {
                    switchboard_core::Caller::External { .. } => lookup.display.clone(),
                    switchboard_core::Caller::Internal { extension, .. } => {
                        format!("internal {extension}")
                    }
                    switchboard_core::Caller::Unknown { reason } => format!("unknown ({reason:?})"),
                };
                if lookup.matches.is_empty() {
                    out.push_str("\n  no contact");
                }
                for m in &lookup.matches {
                    let who = m
                        .contact
                        .as_ref()
                        .map(|c| c.display_name.as_str())
                        .unwrap_or("-");
                    let company = m.company.as_ref().map_or("", |c| c.name.as_str());
                    out.push_str(&format!(
                        "\n  {who} ({company}) via {}: {:?}",
                        m.matched_number, m.reason
                    ));
                }
                out
            });
        }
        Command::Search { query, limit } => {
            let handle = handle(cli).await?;
            let found = handle.search(query, *limit).await?;
            print(json, &found, || {
                found
                    .iter()
                    .map(|c| {
                        format!(
                            "{}\t{}\t{}",
                            c.display_name,
                            c.company.as_deref().unwrap_or(""),
                            c.number.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Agent(args) => {
            let db = match &cli.db {
                Some(p) => p.clone(),
                None => Handle::default_db_path()?,
            };
            agent::run(args, &db).await?;
        }
        Command::Devices => {
            let devices = switchboard_runtime::sound_devices()?;
            for d in &devices {
                let kind = match (d.input, d.output) {
                    (true, true) => "in+out",
                    (true, false) => "in",
                    _ => "out",
                };
                if json {
                    let line = serde_json::json!({
                        "name": d.name, "id": d.id, "input": d.input, "output": d.output
                    });
                    say(line);
                } else {
                    say(format_args!("{kind}\t{}\t{}", d.id, d.name));
                }
            }
        }
        Command::History { limit } => {
            let handle = handle(cli).await?;
            let rows = handle.history(*limit).await?;
            print(json, &rows, || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}\t{:?}\t{}\t{}\t{}\t{}",
                            r.started_at,
                            r.direction,
                            r.remote_raw,
                            if r.answered_at.is_some() {
                                "answered"
                            } else {
                                "-"
                            },
                            r.end_reason.as_deref().unwrap_or("in progress"),
                            r.recording.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Plan { plan } => {
            let handle = handle(cli).await?;
            if plan.any() {
                handle
                    .set_dial_plan(plan.apply(handle.settings().dial_plan)?)
                    .await?;
            }
            let current = handle.settings().dial_plan;
            print(json, &current, || format!("{current:?}"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let report = e.report();
            if cli.json {
                say(serde_json::to_string(&ErrorOut { error: &report }).unwrap_or_default());
            } else {
                eprintln!("error: {}", report.message);
            }
            ExitCode::from(2)
        }
    }
}

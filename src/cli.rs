//! Command-line entry points: identifier checks, self-evaluation scoring, code-list look-ups and
//! the demo data set.

use crate::display::{pad, pad_left, width, wrap};
use crate::domain::industries::Industries;
use crate::domain::regions::Regions;
use crate::domain::rules::{Breakdown, Context, Inputs, Ruleset, TestStatus};
use crate::domain::{DigitalLevel, Lang, Localized, ResidentId, Tier, Uscc};
use crate::i18n::{tr, trf};
use crate::service::demo::{self, DatabaseState, DemoReport};
use crate::service::{DB_FILE, Service, ServiceConfig, ServiceError};
use crate::store::Location;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output width of tables and wrapped text: fits an 80-column terminal.
const COLS: usize = 80;

#[derive(Debug, Parser)]
#[command(
    name = "zjtx",
    version,
    about = "优质中小企业梯度培育平台 — terminal client and service"
)]
pub struct Cli {
    /// Interface language: zh (default) or en.
    #[arg(long, global = true, env = "ZJTX_LANG", value_parser = parse_lang, default_value = "zh")]
    pub lang: Lang,

    /// Start on a fresh copy of the demo data set (accounts in README; password Demo-2025!).
    #[arg(long, conflicts_with_all = ["server", "db"])]
    pub demo: bool,

    /// Use a remote `zjtx serve` (e.g. https://zjtx.example.cn) instead of the embedded
    /// database.
    #[arg(long, env = "ZJTX_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Also trust this PEM CA (or self-signed server) certificate for --server.
    #[arg(long, env = "ZJTX_CA_CERT", value_name = "FILE", requires = "server")]
    pub ca_cert: Option<PathBuf>,

    /// The data directory of the embedded database (default: the user's data directory).
    #[arg(long, env = "ZJTX_DATA_DIR", value_name = "DIR")]
    pub db: Option<PathBuf>,

    /// Colour theme: default, light, high-contrast, mono, or a TOML file. NO_COLOR forces mono.
    #[arg(long, env = "ZJTX_THEME", value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// ASCII borders and `*` masks, for terminals that draw ambiguous-width characters double.
    #[arg(long)]
    pub ascii: bool,

    /// Do not capture the mouse (the terminal's own text selection keeps working).
    #[arg(long)]
    pub no_mouse: bool,

    /// Without a command, the terminal UI starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}`: use zh or en"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, e.g. `zjtx man > zjtx.1`.
    Man,
    /// Check an identifier: exit 0 with a one-line confirmation, or exit 1 with the error.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Score a self-evaluation file (TOML or JSON) against its tier's rules.
    Score {
        /// The file: `tier`, `batch_year`, optional `authority`, `digital_level`, `ruleset`, and
        /// `[inputs]` (see fixtures/examples/).
        file: PathBuf,
        /// Print the breakdown as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Look up the GB/T 4754-2017 industry classification.
    #[command(subcommand)]
    Industries(IndustriesCommand),
    /// Look up the GB/T 2260 administrative divisions.
    #[command(subcommand)]
    Regions(RegionsCommand),
    /// Seed a new database with the demo data set (accounts with known passwords, enterprises in
    /// every state), and/or add bulk declarations for benchmarks.
    Demo {
        /// The database: a data directory (created if missing; the database is DIR/zjtx.db,
        /// evidence files are kept under DIR/evidence/), sqlite://FILE, or
        /// postgres://USER:PASSWORD@HOST:PORT/DATABASE (an existing, empty database). Default:
        /// the user's data directory.
        #[arg(long, value_name = "DIR|URL")]
        db: Option<String>,
        /// Where evidence files go. Default: the data directory (the SQLite file's directory);
        /// with PostgreSQL, the user's data directory.
        #[arg(long, value_name = "DIR")]
        files: Option<PathBuf>,
        /// Also generate N bulk declarations for benchmarks: after the demo set on a new
        /// database, or without it on a database that already holds the demo set.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        declarations: Option<u64>,
    },
    /// Serve the HTTP API (`/api/v1`, `/healthz`) until ctrl-c or SIGTERM; requests in flight
    /// are finished first. With `--tls-cert` and `--tls-key` it serves HTTPS only.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The database: a data directory (the SQLite database `zjtx.db` and evidence files),
        /// sqlite://FILE, or postgres://USER:PASSWORD@HOST:PORT/DATABASE (an existing database,
        /// migrated at start; several servers may share it). Default: the user's data
        /// directory, the same one `zjtx demo` seeds.
        #[arg(long, env = "ZJTX_DATA_DIR", value_name = "DIR|URL")]
        db: Option<String>,
        /// Where evidence files and unfinished uploads are kept. Default: the data directory (the
        /// SQLite file's directory); with PostgreSQL, the user's data directory. Servers sharing
        /// one PostgreSQL database must share this directory too (e.g. on a network file system).
        #[arg(long, env = "ZJTX_FILES_DIR", value_name = "DIR")]
        files: Option<PathBuf>,
        /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Log in to a `zjtx serve` and keep the token: in the OS keyring, or where none answers
    /// within 2 s (or `ZJTX_KEYRING=off`) in a file with mode 0600 in the config dir;
    /// `ZJTX_TOKEN` overrides both. The password comes from `ZJTX_PASSWORD` or standard input.
    Login {
        /// The server, e.g. https://zjtx.example.cn or http://127.0.0.1:8080.
        #[arg(long, env = "ZJTX_SERVER")]
        server: String,
        /// Login name, phone or (legal person) USCC.
        #[arg(long)]
        user: String,
        /// Also trust this PEM CA (or self-signed server) certificate for HTTPS.
        #[arg(long, env = "ZJTX_CA_CERT", value_name = "FILE")]
        ca_cert: Option<PathBuf>,
    },
    /// Log out: revoke the kept token on the server and forget it (keyring and file).
    Logout {
        #[arg(long, env = "ZJTX_SERVER")]
        server: String,
        /// Also trust this PEM CA (or self-signed server) certificate for HTTPS.
        #[arg(long, env = "ZJTX_CA_CERT", value_name = "FILE")]
        ca_cert: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// A unified social credit code (统一社会信用代码, GB 32100-2015).
    Uscc {
        code: String,
        /// Also check the organisation code in positions 9–17 (GB 11714).
        #[arg(long)]
        strict: bool,
    },
    /// A resident ID number (居民身份证号码, GB 11643).
    Id { number: String },
}

#[derive(Debug, Subcommand)]
pub enum IndustriesCommand {
    /// Search by code prefix or by part of a name.
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show one code with its path and assessment questionnaire.
    Show { code: String },
}

#[derive(Debug, Subcommand)]
pub enum RegionsCommand {
    /// Show one code with its path and certifying authority.
    Show { code: String },
    /// Search by code prefix or by part of a name.
    Search { text: String },
}

/// The clap command with `--version` telling where the config, data and logs live.
pub fn clap_command() -> clap::Command {
    use clap::CommandFactory;
    let long = format!(
        "{}\n{}",
        env!("CARGO_PKG_VERSION"),
        crate::tui::launch::Paths::discover().describe()
    );
    Cli::command().long_version(&*Box::leak(long.into_boxed_str()))
}

pub fn main() -> ExitCode {
    use clap::FromArgMatches;
    let cli = match Cli::from_arg_matches(&clap_command().get_matches()) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let lang = cli.lang;
    let Some(command) = cli.command else {
        let args = crate::tui::launch::TuiArgs {
            lang,
            demo: cli.demo,
            server: cli.server,
            ca_cert: cli.ca_cert,
            db: cli.db,
            theme: cli.theme,
            ascii: cli.ascii,
            no_mouse: cli.no_mouse,
        };
        return match crate::tui::launch::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    };
    let result = match command {
        Command::Completions { shell } => {
            let mut cmd = clap_command();
            clap_complete::generate(shell, &mut cmd, "zjtx", &mut std::io::stdout());
            Ok(String::new())
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(clap_command()).render(&mut out) {
                Ok(()) => Ok(String::from_utf8_lossy(&out).into_owned()),
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Check(CheckCommand::Uscc { code, strict }) => check_uscc(lang, &code, strict),
        Command::Check(CheckCommand::Id { number }) => check_id(lang, &number),
        Command::Score { file, json } => score(lang, &file, json),
        Command::Industries(IndustriesCommand::Search { text, limit }) => {
            industries_search(lang, &text, limit)
        }
        Command::Industries(IndustriesCommand::Show { code }) => industries_show(lang, &code),
        Command::Regions(RegionsCommand::Show { code }) => regions_show(lang, &code),
        Command::Regions(RegionsCommand::Search { text }) => regions_search(lang, &text),
        Command::Demo {
            db,
            files,
            declarations,
        } => storage(lang, db.as_deref(), files)
            .and_then(|storage| demo(lang, &storage, declarations)),
        Command::Serve {
            listen,
            db,
            files,
            tls_cert,
            tls_key,
        } => storage(lang, db.as_deref(), files)
            .and_then(|storage| serve(lang, &listen, &storage, tls_cert.zip(tls_key))),
        Command::Login {
            server,
            user,
            ca_cert,
        } => login(&server, &user, ca_cert.as_deref()),
        Command::Logout { server, ca_cert } => logout(&server, ca_cert.as_deref()),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

/// A command's output, or the message of why it failed.
type Out = Result<String, String>;

fn client_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn config_dir() -> Result<PathBuf, String> {
    crate::client::token::config_dir()
        .ok_or_else(|| "no config directory: set ZJTX_CONFIG_DIR".to_string())
}

/// An HTTP client for `server`, trusting `ca_cert` too when given.
fn http_client(server: &str, ca_cert: Option<&Path>) -> Result<crate::client::ApiClient, String> {
    let pem = match ca_cert {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?,
        ),
        None => None,
    };
    crate::client::ApiClient::http_with_root_cert(server, pem.as_deref()).map_err(|e| match ca_cert
    {
        Some(path) => format!("the CA certificate {}: {e}", path.display()),
        None => e.to_string(),
    })
}

/// `zjtx login`: the token of a fresh session, kept for later commands.
fn login(server: &str, user: &str, ca_cert: Option<&Path>) -> Out {
    let password = match std::env::var("ZJTX_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let dir = config_dir()?;
    client_runtime()?.block_on(async {
        let api = http_client(server, ca_cert)?;
        let ok = api
            .login(user, &password)
            .await
            .map_err(|e| e.to_string())?;
        let token = api.token().unwrap_or_default();
        let stored = crate::client::token::save(&dir, &token)
            .map_err(|e| format!("cannot keep the token in {}: {e}", dir.display()))?;
        Ok(format!(
            "logged in as {user} until {}\ntoken kept in {stored}\n",
            ok["expires_at"].as_str().unwrap_or("?")
        ))
    })
}

/// `zjtx logout`: revokes the kept token and forgets it.
fn logout(server: &str, ca_cert: Option<&Path>) -> Out {
    let dir = config_dir()?;
    let Some(token) = crate::client::token::load(&dir) else {
        return Ok("not logged in\n".to_string());
    };
    client_runtime()?.block_on(async {
        let api = http_client(server, ca_cert)?;
        api.set_token(Some(token));
        // An expired or revoked token is as good as logged out.
        match api.logout().await {
            Ok(()) => {}
            Err(e) if e.status() == Some(401) => {}
            Err(e) => return Err(e.to_string()),
        }
        crate::client::token::clear(&dir).map_err(|e| e.to_string())?;
        Ok("logged out\n".to_string())
    })
}

/// Where `zjtx serve` and `zjtx demo` keep their data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// `--db`.
    pub database: Location,
    /// `--files`: evidence blobs and unfinished uploads.
    pub files: PathBuf,
}

impl Storage {
    /// The service configuration for this storage.
    pub fn config(&self) -> ServiceConfig {
        ServiceConfig::new(&self.files).with_database(self.database.clone())
    }

    /// Opens (and migrates) the database and the service over it. A failure names the
    /// database's own reason (unreachable host, unknown database, refused password, a changed
    /// migration …), which a service error would hide behind an incident number.
    async fn open(&self, lang: Lang) -> Result<Service, String> {
        let store = self.database.open().await.map_err(|e| {
            trf(
                lang,
                "demo.open_failed",
                &[
                    ("path", &self.database.to_string()),
                    ("error", &e.to_string()),
                ],
            )
        })?;
        Ok(Service::with_store(store, self.config()))
    }

    /// Creates the files directory (a file in its place is refused).
    fn create_files_dir(&self, lang: Lang) -> Result<(), String> {
        let shown = self.files.display().to_string();
        if self.files.exists() && !self.files.is_dir() {
            return Err(trf(lang, "db.files_not_dir", &[("path", &shown)]));
        }
        std::fs::create_dir_all(&self.files).map_err(|e| {
            trf(
                lang,
                "db.files_create",
                &[("path", &shown), ("error", &e.to_string())],
            )
        })
    }
}

/// Reads `--db` and `--files`: a data directory (the default: the user's), `sqlite://FILE` or a
/// PostgreSQL URL; files in `--files`, else beside the SQLite file, else (PostgreSQL) in the
/// user's data directory.
pub fn storage(lang: Lang, db: Option<&str>, files: Option<PathBuf>) -> Result<Storage, String> {
    let database = match db.map(str::trim).filter(|d| !d.is_empty()) {
        Some(arg) => {
            let database = Location::from_arg(arg).map_err(|t| t.get(lang).to_string())?;
            let named_dir = Path::new(arg);
            if database == Location::Sqlite(named_dir.join(DB_FILE))
                && named_dir.exists()
                && !named_dir.is_dir()
            {
                return Err(trf(lang, "demo.not_dir", &[("path", arg)]));
            }
            database
        }
        None => Location::Sqlite(
            default_data_dir()
                .ok_or_else(|| tr(lang, "demo.no_data_dir"))?
                .join(DB_FILE),
        ),
    };
    let files = match files.or_else(|| database.default_files_dir()) {
        Some(dir) => dir,
        None => default_data_dir().ok_or_else(|| tr(lang, "db.no_files_dir"))?,
    };
    Ok(Storage { database, files })
}

/// `zjtx serve`: a multi-thread runtime running the API until a shutdown signal.
fn serve(lang: Lang, listen: &str, storage: &Storage, tls: Option<(PathBuf, PathBuf)>) -> Out {
    // Bad certificate or key files are reported before anything else happens.
    let tls = match tls {
        Some((cert, key)) => Some(crate::api::tls_config(&cert, &key)?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        storage.create_files_dir(lang)?;
        let shown = storage.database.to_string();
        let service = storage.open(lang).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!(
            "{}",
            trf(
                lang,
                "serve.listening",
                &[
                    ("url", &format!("{scheme}://{addr}/api/v1")),
                    ("db", &shown),
                    ("files", &storage.files.display().to_string()),
                ],
            )
        );
        let served = match tls {
            Some(tls) => {
                crate::api::serve_tls(
                    listener,
                    tls,
                    service.clone(),
                    crate::api::shutdown_signal(),
                )
                .await
            }
            None => {
                crate::api::serve(listener, service.clone(), crate::api::shutdown_signal()).await
            }
        };
        served.map_err(|e| format!("server error: {e}"))?;
        service.close().await;
        Ok(String::new())
    })
}

fn check_uscc(lang: Lang, code: &str, strict: bool) -> Out {
    let uscc = Uscc::parse(code).map_err(|e| e.message(lang))?;
    if strict {
        uscc.check_org_code().map_err(|e| e.message(lang))?;
    }
    let unknown = || tr(lang, "check.unknown");
    let region = Regions::builtin()
        .full_name(uscc.region_code())
        .unwrap_or_else(unknown);
    let mut out = format!(
        "{}（{}：{}；{}：{}；{}：{} {}）\n",
        trf(lang, "check.uscc.ok", &[("code", uscc.as_str())]),
        tr(lang, "check.uscc.authority"),
        uscc.registration_authority_name()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_else(unknown),
        tr(lang, "check.uscc.entity"),
        uscc.entity_type_name()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_else(unknown),
        tr(lang, "check.uscc.region"),
        uscc.region_code(),
        region,
    );
    if lang == Lang::En {
        out = out
            .replace('（', " (")
            .replace('）', ")")
            .replace('；', "; ")
            .replace('：', ": ");
    }
    if strict {
        out.push_str(&tr(lang, "check.uscc.org"));
        out.push('\n');
    }
    Ok(out)
}

fn check_id(lang: Lang, number: &str) -> Out {
    let id = ResidentId::parse(number).map_err(|e| e.message(lang))?;
    let region = Regions::builtin()
        .full_name(id.region_code())
        .unwrap_or_else(|| tr(lang, "check.unknown"));
    let sex = tr(
        lang,
        if id.is_female() {
            "check.id.female"
        } else {
            "check.id.male"
        },
    );
    let (open, sep, colon, close) = match lang {
        Lang::Zh => ("（", "；", "：", "）"),
        Lang::En => (" (", "; ", ": ", ")"),
    };
    Ok(format!(
        "{}{open}{}{colon}{}{sep}{}{colon}{sex}{sep}{}{colon}{} {region}{close}\n",
        trf(lang, "check.id.ok", &[("id", &id.masked())]),
        tr(lang, "check.id.birth"),
        id.birth_date(),
        tr(lang, "check.id.sex"),
        tr(lang, "check.id.region"),
        id.region_code(),
    ))
}

/// A self-evaluation file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelfEvaluation {
    tier: Tier,
    batch_year: i32,
    #[serde(default)]
    ruleset: Option<String>,
    #[serde(default)]
    authority: Option<String>,
    #[serde(default)]
    digital_level: Option<u8>,
    #[serde(default)]
    inputs: Inputs,
}

fn read_self_evaluation(lang: Lang, path: &Path) -> Result<SelfEvaluation, String> {
    let shown = path.display().to_string();
    let src = std::fs::read_to_string(path).map_err(|e| {
        trf(
            lang,
            "score.file_read",
            &[("path", &shown), ("error", &e.to_string())],
        )
    })?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || src.trim_start().starts_with('{');
    let parsed = if is_json {
        serde_json::from_str(&src).map_err(|e| e.to_string())
    } else {
        toml::from_str(&src).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        trf(
            lang,
            "score.file_parse",
            &[("path", &shown), ("error", e.trim())],
        )
    })
}

fn score(lang: Lang, path: &Path, json: bool) -> Out {
    let se = read_self_evaluation(lang, path)?;
    let rs = match &se.ruleset {
        Some(id) => Ruleset::builtin(id).ok_or_else(|| {
            trf(
                lang,
                "score.bad_ruleset",
                &[("id", id), ("ids", &Ruleset::builtin_ids().join(", "))],
            )
        })?,
        None => Ruleset::for_batch_year(se.batch_year),
    };
    let digital_level = match se.digital_level {
        None => None,
        Some(n) => Some(
            DigitalLevel::from_number(n)
                .ok_or_else(|| trf(lang, "score.bad_level", &[("level", &n.to_string())]))?,
        ),
    };
    let errors = rs.validate_inputs(se.tier, se.authority.as_deref(), &se.inputs, false);
    if !errors.is_empty() {
        let mut msg = trf(
            lang,
            "score.input_errors",
            &[("n", &errors.len().to_string())],
        );
        for e in &errors {
            msg.push_str("\n  · ");
            msg.push_str(&e.message(lang));
        }
        return Err(msg);
    }
    let ctx = Context {
        batch_year: se.batch_year,
        authority: se.authority.clone(),
        digital_level,
    };
    let bd = rs
        .evaluate(se.tier, &se.inputs, &ctx)
        .ok_or_else(|| format!("ruleset {} has no rules for {}", rs.id, se.tier.code()))?;
    if json {
        return Ok(serde_json::to_string_pretty(&bd).expect("a breakdown serialises") + "\n");
    }
    Ok(render_breakdown(lang, rs, &ctx, &bd))
}

/// The breakdown as aligned text that fits 80 columns.
pub fn render_breakdown(lang: Lang, rs: &Ruleset, ctx: &Context, bd: &Breakdown) -> String {
    let mut o = String::new();
    let line = |o: &mut String, s: &str| {
        o.push_str(s.trim_end());
        o.push('\n');
    };
    let rule = "─".repeat(COLS);
    line(&mut o, bd.tier.name().get(lang));
    let authority = ctx
        .authority
        .as_deref()
        .and_then(|a| Regions::builtin().get(a).map(|r| format!("{a} {}", r.name)))
        .unwrap_or_else(|| "—".into());
    let level = ctx
        .digital_level
        .map(|l| l.name().get(lang).to_string())
        .unwrap_or_else(|| tr(lang, "score.no_level"));
    line(
        &mut o,
        &format!("{}: {}", tr(lang, "score.ruleset"), rs.title.get(lang)),
    );
    line(
        &mut o,
        &format!(
            "{}: {}  {}: {}",
            tr(lang, "score.batch"),
            ctx.batch_year,
            tr(lang, "score.authority"),
            authority
        ),
    );
    if bd.tier == Tier::Specialized {
        line(
            &mut o,
            &format!("{}: {}", tr(lang, "score.digital_level"), level),
        );
    }
    line(
        &mut o,
        &format!(
            "{}: {}",
            tr(lang, "score.verdict"),
            bd.verdict.headline().get(lang)
        ),
    );

    if !bd.gates.is_empty() {
        line(&mut o, &rule);
        line(&mut o, &tr(lang, "score.gates"));
        let mut aspect: Option<String> = None;
        for g in &bd.gates {
            let a = g.aspect.as_ref().map(|a| a.get(lang).to_string());
            if a != aspect && a.is_some() {
                line(&mut o, &format!(" [{}]", a.clone().unwrap_or_default()));
                aspect = a;
            }
            test_lines(
                &mut o,
                lang,
                g.status,
                g.label.get(lang),
                g.detail.get(lang),
                g.self_declared,
            );
        }
    }

    if !bd.indicators.is_empty() {
        line(&mut o, &rule);
        line(&mut o, &tr(lang, "score.indicators"));
        // Columns: no 3 | indicator 31 | figure 18 | band 16 | points 8 (+4 separators) = 80
        let (cn, ci, cf, cb, cp) = (3, 31, 18, 16, 8);
        line(
            &mut o,
            &format!(
                "{} {} {} {} {}",
                pad_left(&tr(lang, "score.col_no"), cn),
                pad(&tr(lang, "score.col_indicator"), ci),
                pad(&tr(lang, "score.col_figure"), cf),
                pad(&tr(lang, "score.col_band"), cb),
                pad_left(&tr(lang, "score.col_points"), cp),
            ),
        );
        for i in &bd.indicators {
            let figure = i
                .figure
                .as_ref()
                .map(|f| f.get(lang).to_string())
                .unwrap_or_else(|| "—".into());
            // A choice shows its option once.
            let band = if Some(&i.band) == i.figure.as_ref() {
                String::new()
            } else {
                i.band.get(lang).to_string()
            };
            line(
                &mut o,
                &format!(
                    "{} {} {} {} {}",
                    pad_left(&i.no.to_string(), cn),
                    pad(i.label.get(lang), ci),
                    pad(&figure, cf),
                    pad(&band, cb),
                    pad_left(&format!("{}/{}", num(i.points), num(i.max)), cp),
                ),
            );
        }
        let groups: Vec<String> = bd
            .groups
            .iter()
            .map(|g| {
                let floor = match (g.floor, g.floor_met) {
                    (Some(f), Some(met)) => {
                        format!("(≥{}{})", num(f), if met { "✓" } else { "✗" })
                    }
                    _ => String::new(),
                };
                format!(
                    "{} {}/{}{}",
                    g.label.get(lang),
                    num(g.points),
                    num(g.max),
                    floor
                )
            })
            .collect();
        for l in wrap(
            &format!("{}: {}", tr(lang, "score.groups"), groups.join("  ")),
            COLS,
        ) {
            line(&mut o, &l);
        }
        if let (Some(total), Some(max), Some(pass)) = (bd.total, bd.max_total, bd.pass_score) {
            line(
                &mut o,
                &trf(
                    lang,
                    "score.total",
                    &[
                        ("total", &num(total)),
                        ("max", &num(max)),
                        ("pass", &num(pass)),
                    ],
                ),
            );
        }
    }

    if !bd.direct.is_empty() {
        line(&mut o, &rule);
        line(&mut o, &tr(lang, "score.direct"));
        for d in &bd.direct {
            test_lines(
                &mut o,
                lang,
                d.status,
                d.label.get(lang),
                d.detail.get(lang),
                false,
            );
        }
    }

    if !bd.statements.is_empty() {
        line(&mut o, &rule);
        line(&mut o, &tr(lang, "score.statements"));
        for s in &bd.statements {
            for l in wrap(&format!("· {}", s.label.get(lang)), COLS) {
                line(&mut o, &l);
            }
            let text = s
                .text
                .clone()
                .unwrap_or_else(|| tr(lang, "score.not_provided"));
            for l in wrap(&text, COLS - 4) {
                line(&mut o, &format!("    {l}"));
            }
        }
    }

    line(&mut o, &rule);
    line(&mut o, &tr(lang, "score.reasons"));
    for r in &bd.verdict.reasons {
        for (k, l) in wrap(r.get(lang), COLS - 4).iter().enumerate() {
            line(
                &mut o,
                &format!("{}{l}", if k == 0 { "  · " } else { "    " }),
            );
        }
    }
    if !bd.missing.is_empty() {
        let labels: Vec<String> = bd
            .missing
            .iter()
            .map(|id| rs.figure_label(id).get(lang).to_string())
            .collect();
        let sep = if lang == Lang::Zh { "、" } else { ", " };
        for (k, l) in wrap(
            &format!("{}: {}", tr(lang, "score.missing"), labels.join(sep)),
            COLS - 4,
        )
        .iter()
        .enumerate()
        {
            line(
                &mut o,
                &format!("{}{l}", if k == 0 { "  · " } else { "    " }),
            );
        }
    }
    o
}

/// A test line: status mark, label, and the deciding figures wrapped below it.
fn test_lines(o: &mut String, lang: Lang, status: TestStatus, label: &str, detail: &str, sd: bool) {
    let mark = match status {
        TestStatus::Pass => "✓",
        TestStatus::Fail => "✗",
        TestStatus::Missing => "?",
        TestStatus::NotApplicable => "-",
    };
    let label = if sd {
        format!("{label} [{}]", tr(lang, "score.self_declared"))
    } else {
        label.to_string()
    };
    for (k, l) in wrap(&label, COLS - 4).iter().enumerate() {
        let prefix = if k == 0 {
            format!(" {mark}  ")
        } else {
            "    ".into()
        };
        o.push_str(&format!("{prefix}{l}\n"));
    }
    for l in wrap(detail, COLS - 8) {
        o.push_str(&format!("        {l}\n"));
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn industries_search(lang: Lang, text: &str, limit: usize) -> Out {
    let found = Industries::builtin().search(text, limit);
    if found.is_empty() {
        return Err(trf(lang, "industries.none", &[("text", text)]));
    }
    let mut o = format!(
        "{} {} {}\n",
        pad(&tr(lang, "industries.col_code"), 6),
        pad(&tr(lang, "industries.col_level"), 8),
        tr(lang, "industries.col_name")
    );
    for i in found {
        o.push_str(&format!(
            "{} {} {}\n",
            pad(&i.code, 6),
            pad(i.level.name().get(lang), 8),
            crate::display::truncate(&i.name, COLS - 16)
        ));
    }
    Ok(o)
}

fn industries_show(lang: Lang, code: &str) -> Out {
    let inds = Industries::builtin();
    let code = code.trim().to_ascii_uppercase();
    let ind = inds
        .get(&code)
        .ok_or_else(|| trf(lang, "industries.not_found", &[("code", &code)]))?;
    let mut o = String::new();
    for (depth, i) in inds.path(&ind.code).iter().enumerate() {
        o.push_str(&format!(
            "{}{} {}（{}）\n",
            "  ".repeat(depth),
            i.code,
            i.name,
            i.level.name().get(lang)
        ));
    }
    if let Some(cat) = inds.category(&ind.code) {
        o.push_str(&format!(
            "{}: {}\n",
            tr(lang, "industries.category"),
            cat.name().get(lang)
        ));
    }
    Ok(localise_brackets(lang, o))
}

fn regions_show(lang: Lang, code: &str) -> Out {
    let regions = Regions::builtin();
    let code = code.trim();
    let r = regions
        .get(code)
        .ok_or_else(|| trf(lang, "regions.not_found", &[("code", code)]))?;
    let mut o = format!("{} {}（{}）\n", r.code, r.name, r.level.name().get(lang));
    let path = regions.path(code);
    if path.len() > 1 {
        let names: Vec<String> = path[..path.len() - 1]
            .iter()
            .map(|p| format!("{} {}", p.code, p.name))
            .collect();
        o.push_str(&format!(
            "{}: {}\n",
            tr(lang, "regions.path"),
            names.join(" › ")
        ));
    }
    if let Some(a) = regions.authority(code) {
        o.push_str(&format!(
            "{}: {} {}（{}）\n",
            tr(lang, "regions.authority"),
            a.code,
            a.name,
            a.kind.name().get(lang)
        ));
    }
    let children = regions.children(code);
    let children: Vec<_> = children.iter().filter(|c| c.code != r.code).collect();
    if !children.is_empty() {
        o.push_str(&format!(
            "{} ({}):\n",
            tr(lang, "regions.children"),
            children.len()
        ));
        let cells: Vec<String> = children
            .iter()
            .map(|c| format!("{} {}", c.code, c.name))
            .collect();
        let cell = cells.iter().map(|c| width(c)).max().unwrap_or(0) + 2;
        let per_line = (COLS / cell).max(1);
        for chunk in cells.chunks(per_line) {
            let row: String = chunk.iter().map(|c| pad(c, cell)).collect();
            o.push_str(&format!("{}\n", row.trim_end()));
        }
    }
    Ok(localise_brackets(lang, o))
}

fn regions_search(lang: Lang, text: &str) -> Out {
    let regions = Regions::builtin();
    let found = regions.search(text);
    if found.is_empty() {
        return Err(trf(lang, "regions.none", &[("text", text)]));
    }
    let mut o = String::new();
    for r in found {
        o.push_str(&format!(
            "{} {}\n",
            r.code,
            regions.full_name(&r.code).unwrap_or_else(|| r.name.clone())
        ));
    }
    Ok(o)
}

/// Full-width brackets read naturally in Chinese; English output gets ASCII ones.
fn localise_brackets(lang: Lang, s: String) -> String {
    match lang {
        Lang::Zh => s,
        Lang::En => s.replace('（', " (").replace('）', ")"),
    }
}

// ---------------------------------------------------------------------------------------------
// zjtx demo
// ---------------------------------------------------------------------------------------------

/// The default data directory (`directories`: e.g. `~/.local/share/zjtx` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn", "zjtx", "zjtx").map(|d| d.data_dir().to_path_buf())
}

/// A runtime for the async commands: multi-thread, two workers.
fn runtime(lang: Lang) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| trf(lang, "demo.runtime", &[("error", &e.to_string())]))
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// `zjtx demo`: the demo set into a new database, and/or bulk declarations.
fn demo(lang: Lang, storage: &Storage, declarations: Option<u64>) -> Out {
    storage.create_files_dir(lang)?;
    let db_path = storage.database.to_string();
    runtime(lang)?.block_on(async {
        let svc = storage.open(lang).await?;
        let out = demo_run(lang, &svc, &db_path, declarations).await;
        svc.close().await;
        out
    })
}

async fn demo_run(lang: Lang, svc: &Service, db_path: &str, declarations: Option<u64>) -> Out {
    let failed = |e: ServiceError| trf(lang, "demo.failed", &[("error", e.text().get(lang))]);
    let state = demo::database_state(svc).await.map_err(failed)?;
    let seed = match (state, declarations) {
        (DatabaseState::Empty, _) => true,
        (DatabaseState::Demo { bulk: false }, Some(_)) => false,
        (DatabaseState::Demo { bulk: true } | DatabaseState::BulkOnly, Some(_)) => {
            return Err(trf(lang, "demo.bulk_exists", &[("path", db_path)]));
        }
        _ => return Err(trf(lang, "demo.not_empty", &[("path", db_path)])),
    };
    let mut o = String::new();
    if seed {
        eprintln!("{}", trf(lang, "demo.seeding", &[("path", db_path)]));
        let started = std::time::Instant::now();
        let report = demo::seed_demo(svc).await.map_err(failed)?;
        o.push_str(&render_demo_report(lang, &report, db_path));
        o.push_str(&trf(
            lang,
            "demo.seed_time",
            &[("secs", &seconds(started.elapsed()))],
        ));
        o.push('\n');
    } else {
        o.push_str(&trf(lang, "demo.bulk_only", &[("path", db_path)]));
        o.push('\n');
    }
    if let Some(n) = declarations {
        eprintln!(
            "{}",
            trf(lang, "demo.bulk_generating", &[("n", &n.to_string())])
        );
        let started = std::time::Instant::now();
        let written = demo::add_bulk_declarations(svc, n).await.map_err(failed)?;
        o.push_str(&trf(
            lang,
            "demo.bulk_done",
            &[
                ("n", &written.to_string()),
                ("secs", &seconds(started.elapsed())),
            ],
        ));
        o.push('\n');
    }
    Ok(o)
}

/// The accounts table (80 columns, aligned by display width) and the counts.
pub fn render_demo_report(lang: Lang, report: &DemoReport, db_path: &str) -> String {
    // Columns: login 14 | password 11 | role and note 53 (+2 separators) = 80
    let (cl, cp, cr) = (14, 11, COLS - 14 - 11 - 2);
    let mut o = String::new();
    let mut line = |s: &str| {
        o.push_str(s.trim_end());
        o.push('\n');
    };
    for l in wrap(
        &trf(
            lang,
            "demo.done",
            &[("path", db_path), ("today", &report.today.to_string())],
        ),
        COLS,
    ) {
        line(&l);
    }
    for l in wrap(
        &trf(
            lang,
            "demo.password_note",
            &[("password", demo::DEMO_PASSWORD)],
        ),
        COLS,
    ) {
        line(&l);
    }
    line("");
    line(&format!(
        "{} {} {}",
        pad(&tr(lang, "demo.col_login"), cl),
        pad(&tr(lang, "demo.col_password"), cp),
        tr(lang, "demo.col_role")
    ));
    line(&"─".repeat(COLS));
    for a in &report.accounts {
        let mut first = true;
        for text in [a.role.get(lang), a.note.get(lang)] {
            for l in wrap(text, cr) {
                if first {
                    line(&format!(
                        "{} {} {l}",
                        pad(&a.login, cl),
                        pad(&a.password, cp)
                    ));
                    first = false;
                } else {
                    line(&format!("{} {l}", " ".repeat(cl + cp + 1)));
                }
            }
        }
    }
    line(&"─".repeat(COLS));
    let c = &report.counts;
    for l in wrap(
        &trf(
            lang,
            "demo.counts",
            &[
                ("accounts", &c.accounts.to_string()),
                ("enterprises", &c.enterprises.to_string()),
                ("declarations", &c.declarations.to_string()),
                ("certifications", &c.certifications.to_string()),
                ("messages", &c.messages.to_string()),
                ("announcements", &c.announcements.to_string()),
                ("requests", &c.support_requests.to_string()),
            ],
        ),
        COLS,
    ) {
        line(&l);
    }
    line(&tr(lang, "demo.warning"));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_reads_db_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let s = storage(Lang::En, data.to_str(), None).unwrap();
        assert_eq!(s.database, Location::Sqlite(data.join(DB_FILE)));
        assert_eq!(s.files, data);

        let s = storage(Lang::En, Some("sqlite:///srv/zjtx/main.db"), None).unwrap();
        assert_eq!(
            s.database,
            Location::Sqlite(PathBuf::from("/srv/zjtx/main.db"))
        );
        assert_eq!(s.files, PathBuf::from("/srv/zjtx"));

        let url = "postgres://zjtx:pw@db:5432/zjtx";
        let s = storage(Lang::En, Some(url), Some(PathBuf::from("/mnt/shared"))).unwrap();
        assert_eq!(s.database, Location::Postgres(url.into()));
        assert_eq!(s.files, PathBuf::from("/mnt/shared"));
        // --files wins over the data directory too.
        let s = storage(Lang::En, data.to_str(), Some(PathBuf::from("/mnt/shared"))).unwrap();
        assert_eq!(s.files, PathBuf::from("/mnt/shared"));
        assert_eq!(s.database, Location::Sqlite(data.join(DB_FILE)));
    }

    #[test]
    fn storage_refusals_are_bilingual() {
        let zh = storage(Lang::Zh, Some("mysql://h/db"), None).unwrap_err();
        let en = storage(Lang::En, Some("mysql://h/db"), None).unwrap_err();
        assert!(
            zh.contains("不支持") && en.contains("Unsupported"),
            "{zh} / {en}"
        );
        // A file where the data directory should be.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let en = storage(Lang::En, file.to_str(), None).unwrap_err();
        assert!(en.contains("is a file"), "{en}");
        let s = storage(Lang::En, dir.path().to_str(), Some(file.clone())).unwrap();
        let en = s.create_files_dir(Lang::En).unwrap_err();
        assert!(en.contains("--files"), "{en}");
    }
}

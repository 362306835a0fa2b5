//! Starting the terminal UI: the options of a bare `zjtx`, the config file, the log file, the
//! data (embedded database, a fresh demo set, or a remote `zjtx serve`), then the loop.
//!
//! Paths (the `directories` crate; shown by `zjtx --version`):
//! - config: `$ZJTX_CONFIG_DIR`, else the XDG config dir (`~/.config/zjtx`): `config.toml`
//!   (`theme`, `ascii`, `mouse`, `server`) and `keys.toml` (the keymap patch);
//! - data: the XDG data dir (`~/.local/share/zjtx`): the embedded database;
//! - logs: the XDG state dir (`~/.local/state/zjtx/zjtx.log`), never the screen.

use super::Ui;
use super::app::{self, App};
use super::keymap::{Keymap, KeymapWarning};
use super::screen::Screen;
use super::screens::public::PublicHome;
use super::terminal::Options;
use super::theme::Theme;
use crate::client::ApiClient;
use crate::domain::{Lang, Localized};
use crate::i18n::{tr, trf};
use crate::service::{Service, ServiceConfig};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The options of a bare `zjtx` (the terminal UI).
#[derive(Debug, Clone, Default)]
pub struct TuiArgs {
    pub lang: Lang,
    /// Start on a fresh copy of the demo data set.
    pub demo: bool,
    /// A remote `zjtx serve` instead of the embedded database.
    pub server: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// The data directory of the embedded database.
    pub db: Option<PathBuf>,
    pub theme: Option<String>,
    pub ascii: bool,
    pub no_mouse: bool,
}

/// The config file (`config.toml`); every key optional, flags win.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<String>,
    pub ascii: Option<bool>,
    pub mouse: Option<bool>,
    pub server: Option<String>,
}

/// The directories zjtx uses.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub log: Option<PathBuf>,
}

impl Paths {
    pub fn discover() -> Paths {
        let dirs = directories::ProjectDirs::from("cn", "zjtx", "zjtx");
        Paths {
            config: crate::client::token::config_dir(),
            data: dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
            log: dirs.as_ref().map(|d| {
                d.state_dir()
                    .unwrap_or_else(|| d.data_local_dir())
                    .join("zjtx.log")
            }),
        }
    }

    /// The lines `zjtx --version` adds.
    pub fn describe(&self) -> String {
        let show = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "-".into())
        };
        format!(
            "config: {}\ndata:   {}\nlog:    {}",
            show(&self.config),
            show(&self.data),
            show(&self.log)
        )
    }
}

/// Reads `config.toml` from the config dir; problems become start-up warnings.
pub fn read_config(dir: Option<&Path>) -> (Config, Vec<String>) {
    let Some(path) = dir.map(|d| d.join("config.toml")) else {
        return (Config::default(), Vec::new());
    };
    match std::fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), Vec::new()),
        Err(e) => (Config::default(), vec![format!("{}: {e}", path.display())]),
        Ok(src) => match toml::from_str(&src) {
            Ok(c) => (c, Vec::new()),
            Err(e) => (
                Config::default(),
                vec![format!("{}: {}", path.display(), e.message())],
            ),
        },
    }
}

/// Logs go to a file (never the screen); the guard flushes it at exit.
fn start_log(path: Option<&Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = path?;
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::never(dir, path.file_name()?);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("ZJTX_LOG").unwrap_or_else(|_| "info".into());
    let level = filter
        .parse::<tracing::Level>()
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
    Some(guard)
}

/// Runs the terminal UI until the user quits. Errors before the UI starts come back as text.
pub fn run(args: TuiArgs) -> Result<(), String> {
    let lang = args.lang;
    let paths = Paths::discover();
    let _log = start_log(paths.log.as_deref());
    let (config, mut warnings) = read_config(paths.config.as_deref());
    let theme_name = args.theme.clone().or(config.theme.clone());
    let theme = match Theme::from_env(theme_name.as_deref()) {
        Ok(t) => t,
        Err(e) => return Err(e.message(lang)),
    };
    let ascii = args.ascii || config.ascii.unwrap_or(false);
    let mouse = !args.no_mouse && config.mouse.unwrap_or(true);
    let keys = paths
        .config
        .as_ref()
        .map(|d| d.join("keys.toml"))
        .filter(|p| p.exists());
    let (keymap, key_warnings) = Keymap::load(keys.as_deref());
    let ui = Ui::new(theme, ascii, lang);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| trf(lang, "demo.runtime", &[("error", &e.to_string())]))?;
    let server = args.server.clone().or(config.server.clone());
    let mut demo_dir = None;
    let (client, mode, token_dir) = match &server {
        Some(url) => {
            let pem = match &args.ca_cert {
                Some(p) => Some(std::fs::read(p).map_err(|e| {
                    trf(
                        lang,
                        "tui.ca_unreadable",
                        &[
                            ("path", &p.display().to_string()),
                            ("error", &e.to_string()),
                        ],
                    )
                })?),
                None => None,
            };
            let client =
                ApiClient::http_with_root_cert(url, pem.as_deref()).map_err(|e| e.to_string())?;
            if let Some(dir) = &paths.config
                && let Some(token) = crate::client::token::load(dir)
            {
                client.set_token(Some(token));
            }
            (
                client,
                super::widgets::statusbar::Mode::Remote(url.clone()),
                paths.config.clone(),
            )
        }
        None => {
            let dir = if args.demo {
                let d = rt.block_on(fresh_demo(lang, paths.data.as_deref()))?;
                demo_dir = Some(d.clone());
                d
            } else {
                args.db
                    .clone()
                    .or(paths.data.clone())
                    .ok_or_else(|| tr(lang, "demo.no_data_dir"))?
            };
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let svc = rt
                .block_on(Service::open(ServiceConfig::new(&dir)))
                .map_err(|e| {
                    trf(
                        lang,
                        "demo.open_failed",
                        &[
                            ("path", &dir.display().to_string()),
                            ("error", e.text().get(lang)),
                        ],
                    )
                })?;
            (
                ApiClient::in_process(svc),
                super::widgets::statusbar::Mode::Local,
                None,
            )
        }
    };
    let mut all: Vec<KeymapWarning> = key_warnings;
    warnings.extend(all.drain(..).map(|w| w.message(lang)));
    let root: Box<dyn Screen> = Box::new(PublicHome::new(&ui));
    let mut app = App::new(ui, keymap, &[], client, root);
    if !warnings.is_empty() {
        app.toast = Some(super::widgets::dialog::Toast {
            kind: super::widgets::dialog::ToastKind::Warning,
            message: warnings.join("\n"),
        });
    }
    app.header.mode = mode;
    app.session.token_dir = token_dir;
    app.session.local_dir = paths.data.clone();
    tracing::info!(
        demo = args.demo,
        remote = server.is_some(),
        "terminal UI starting"
    );
    let options = Options { mouse, ascii };
    let result = app::run(options, app, &rt).map_err(|e| e.to_string());
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    if let Some(d) = demo_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    result
}

/// A fresh copy of the demo data set for this run. The set is seeded once a day into a
/// template under the data dir (`demo-template/`: about 3 s, its story ends today) and copied
/// for every run, so `zjtx --demo` starts in milliseconds and every run starts clean.
async fn fresh_demo(lang: Lang, data: Option<&Path>) -> Result<PathBuf, String> {
    let base = data
        .map(|d| d.join("demo"))
        .ok_or_else(|| tr(lang, "demo.no_data_dir"))?;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%d")
        .to_string();
    let stamp = format!("{today} {}", env!("CARGO_PKG_VERSION"));
    let template = base.join("template");
    let stamp_file = template.join("STAMP");
    let fresh = std::fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp);
    if !fresh {
        eprintln!("{}", tr(lang, "tui.demo_preparing"));
        let _ = std::fs::remove_dir_all(&template);
        let building = base.join(format!("template.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&building);
        std::fs::create_dir_all(&building).map_err(|e| format!("{}: {e}", building.display()))?;
        let svc = Service::open(ServiceConfig::new(&building))
            .await
            .map_err(|e| e.text().get(lang).to_string())?;
        let seeded = crate::service::demo::seed_demo(&svc).await;
        svc.close().await;
        seeded.map_err(|e| trf(lang, "demo.failed", &[("error", e.text().get(lang))]))?;
        std::fs::write(building.join("STAMP"), &stamp).map_err(|e| e.to_string())?;
        std::fs::rename(&building, &template).map_err(|e| e.to_string())?;
    }
    remove_stale_runs(&base);
    let run = base.join(format!("run.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run);
    copy_dir(&template, &run).map_err(|e| format!("{}: {e}", run.display()))?;
    Ok(run)
}

/// Removes the copies of runs whose process is gone (killed before it could clean up).
fn remove_stale_runs(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(pid) = name
            .strip_prefix("run.")
            .and_then(|p| p.parse::<u32>().ok())
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
            && Path::new("/proc/self").exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

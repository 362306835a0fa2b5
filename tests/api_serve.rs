//! `zjtx serve` as a process: it listens, answers, and on SIGTERM finishes the request in flight
//! before it exits 0. Two processes serve one PostgreSQL database.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[cfg(unix)]
#[tokio::test]
async fn serve_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The first line on stderr names the address.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches("/api/v1")
        .to_string();

    let client = zjtx::client::ApiClient::http(&base).unwrap();
    assert_eq!(client.healthz().await.unwrap()["status"], "ok");
    let doc = client.openapi().await.unwrap();
    assert!(doc["paths"]["/api/v1/declarations/{id}/submit"]["post"].is_object());

    // A request in flight when SIGTERM arrives still gets its answer: a body sent slowly.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = br#"{"identifier":"nobody","password":"Wrong-123"}"#;
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(&body[10..]).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the request in flight was answered: {answer}"
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    // Gone: no new connections.
    assert!(
        reqwest::Client::new()
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_err()
    );
}

/// A `zjtx serve` process on a loopback port: (process, base URL, data dir).
#[cfg(unix)]
fn spawn_serve() -> (std::process::Child, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches("/api/v1")
        .to_string();
    (child, base, dir)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_an_owner_only_token_and_logout_revokes_it() {
    use std::os::unix::fs::PermissionsExt;
    let (mut server, base, _data) = spawn_serve();
    let api = zjtx::client::ApiClient::http(&base).unwrap();
    api.register("cli_user", "Secret-123", "natural", "13900000009", None)
        .await
        .unwrap();
    let config = tempfile::tempdir().unwrap();
    let zjtx = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_zjtx"))
            .args(args)
            .env("ZJTX_CONFIG_DIR", config.path())
            .env("ZJTX_PASSWORD", "Secret-123")
            // The file store, also on a desktop with a keyring (tests/api_tls.rs covers the
            // fallback when the keyring is unreachable).
            .env("ZJTX_KEYRING", "off")
            .env_remove("ZJTX_TOKEN")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) =
        tokio::task::block_in_place(|| zjtx(&["login", "--server", &base, "--user", "cli_user"]));
    assert_eq!(code, 0, "{out}{err}");
    let file = config.path().join("token");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let token = std::fs::read_to_string(&file).unwrap();
    api.set_token(Some(token.clone()));
    assert_eq!(api.me().await.unwrap()["login_name"], "cli_user");

    let (code, out, err) = tokio::task::block_in_place(|| zjtx(&["logout", "--server", &base]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!file.exists());
    assert_eq!(api.me().await.unwrap_err().status(), Some(401));

    // A wrong password: exit 1, nothing kept.
    let out = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_zjtx"))
            .args(["login", "--server", &base, "--user", "cli_user"])
            .env("ZJTX_CONFIG_DIR", config.path())
            .env("ZJTX_PASSWORD", "Wrong-999")
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(!file.exists());
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A `zjtx serve` process with these `--db` and `--files`: (process, base URL, banner line).
#[cfg(unix)]
fn spawn_serve_on(db: &str, files: &std::path::Path) -> (std::process::Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args([
            "--lang",
            "en",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--files",
        ])
        .arg(files)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches("/api/v1")
        .to_string();
    (child, base, line)
}

/// `zjtx serve --db postgres://…` twice on one database and one files directory: an account
/// registered through one process logs in through the other; a taken login name is refused by
/// either. The banner never shows the password.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_postgres_database() {
    let Some(db) = common::PgDb::create().await else {
        return;
    };
    // The URL with a password (trust authentication ignores it): the banner must hide it.
    let url = db.url.replacen("://postgres@", "://postgres:s3cret-pw@", 1);
    let files = tempfile::tempdir().unwrap();
    let (mut one, base_one, banner) = spawn_serve_on(&url, files.path());
    let (mut two, base_two, _) = spawn_serve_on(&url, files.path());
    assert!(banner.contains("postgres://postgres:***@"), "{banner}");
    assert!(!banner.contains("s3cret-pw"), "{banner}");
    assert!(
        banner.contains(&files.path().display().to_string()),
        "{banner}"
    );

    let a = zjtx::client::ApiClient::http(&base_one).unwrap();
    let b = zjtx::client::ApiClient::http(&base_two).unwrap();
    assert_eq!(b.healthz().await.unwrap()["status"], "ok");
    a.register("shared_user", "Secret-123", "natural", "13900000010", None)
        .await
        .unwrap();
    b.login("shared_user", "Secret-123").await.unwrap();
    assert_eq!(b.me().await.unwrap()["login_name"], "shared_user");
    let taken = b
        .register("SHARED_user", "Secret-123", "natural", "13900000011", None)
        .await
        .unwrap_err();
    assert_eq!(taken.status(), Some(422), "{taken}");
    assert!(taken.to_string().contains("SHARED_user"), "{taken}");

    for server in [&mut one, &mut two] {
        server.kill().unwrap();
        server.wait().unwrap();
    }
}

/// A database that does not exist: `zjtx serve` stops at once with the server's reason, the URL
/// shown without its password.
#[cfg(unix)]
#[test]
fn serve_names_why_the_database_cannot_be_opened() {
    let Some(server) = common::pg_server() else {
        return;
    };
    let url = common::with_database(&server, "zjtx_no_such_database").replacen(
        "://postgres@",
        "://postgres:s3cret-pw@",
        1,
    );
    let files = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args([
            "--lang",
            "en",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &url,
            "--files",
        ])
        .arg(files.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Cannot open the database"), "{err}");
    assert!(
        err.contains("\"zjtx_no_such_database\" does not exist"),
        "{err}"
    );
    assert!(!err.contains("s3cret-pw"), "{err}");
}

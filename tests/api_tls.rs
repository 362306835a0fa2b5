//! `zjtx serve --tls-cert/--tls-key`: HTTPS with a self-signed certificate made here, trusted by
//! the client through an extra root certificate; plain HTTP to the TLS port fails; bad
//! certificate or key files are refused with a message naming the file; SIGTERM still stops the
//! server gracefully. And where `zjtx login` keeps the token (keyring unreachable → 0600 file).
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM).
fn self_signed() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".into()])
        .unwrap();
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

fn serve_cmd(data: &Path, cert: &Path, key: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zjtx"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(data)
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key);
    cmd
}

/// A TLS `zjtx serve`: (process, https base URL).
fn spawn_tls(data: &Path, cert: &Path, key: &Path) -> (std::process::Child, String) {
    let mut child = serve_cmd(data, cert, key)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https address in {line:?}"))
        .trim_end_matches("/api/v1")
        .to_string();
    (child, base)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `zjtx` with a private config dir and no token or keyring from the environment.
fn zjtx(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zjtx"));
    cmd.args(args)
        .env("ZJTX_CONFIG_DIR", config)
        .env("ZJTX_PASSWORD", "Secret-123")
        .env_remove("ZJTX_TOKEN")
        .env_remove("ZJTX_KEYRING")
        .env_remove("ZJTX_CA_CERT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_trusted_self_signed_certificate_and_no_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed();
    let cert = write(dir.path(), "cert.pem", &cert_pem);
    let key = write(dir.path(), "key.pem", &key_pem);
    let (mut child, base) = spawn_tls(&dir.path().join("data"), &cert, &key);

    // Trusted through the extra root: the API answers.
    let api =
        zjtx::client::ApiClient::http_with_root_cert(&base, Some(cert_pem.as_bytes())).unwrap();
    assert_eq!(api.healthz().await.unwrap()["status"], "ok");

    // Without it the certificate is not trusted.
    let plain = zjtx::client::ApiClient::http(&base).unwrap();
    assert!(plain.healthz().await.is_err());

    // Plain HTTP to the TLS port gets no answer.
    let http = base.replace("https://", "http://");
    let res = reqwest::Client::new()
        .get(format!("{http}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(res.is_err(), "plain HTTP answered: {res:?}");

    // SIGTERM: a graceful stop with exit 0, then nothing listens.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(api.healthz().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_over_https_with_ca_cert_keeps_the_token_in_a_0600_file_without_keyring() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed();
    let cert = write(dir.path(), "cert.pem", &cert_pem);
    let key = write(dir.path(), "key.pem", &key_pem);
    let (mut server, base) = spawn_tls(&dir.path().join("data"), &cert, &key);
    let api =
        zjtx::client::ApiClient::http_with_root_cert(&base, Some(cert_pem.as_bytes())).unwrap();
    api.register("tls_user", "Secret-123", "natural", "13900000019", None)
        .await
        .unwrap();
    let config = tempfile::tempdir().unwrap();
    let cert_arg = cert.to_str().unwrap();
    // No Secret Service is reachable: the session bus address points nowhere.
    let no_bus = [(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/zjtx-bus",
    )];

    // Without --ca-cert the server is not trusted: exit 1, nothing kept.
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &["login", "--server", &base, "--user", "tls_user"],
            &no_bus,
        )
    });
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!config.path().join("token").exists());

    // A missing CA file is named.
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &[
                "login",
                "--server",
                &base,
                "--user",
                "tls_user",
                "--ca-cert",
                "/nonexistent/ca.pem",
            ],
            &no_bus,
        )
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("/nonexistent/ca.pem"), "{}", text(&out));

    // With it: logged in; the keyring is unreachable, so the token is in the 0600 file and the
    // output says so, well within the keyring time-out.
    let started = std::time::Instant::now();
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &[
                "login",
                "--server",
                &base,
                "--user",
                "tls_user",
                "--ca-cert",
                cert_arg,
            ],
            &no_bus,
        )
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let file = config.path().join("token");
    let said = text(&out);
    assert!(said.contains("token kept in"), "{said}");
    assert!(said.contains(&file.display().to_string()), "{said}");
    assert!(said.contains("mode 0600"), "{said}");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let kept = std::fs::read_to_string(&file).unwrap();
    let me = api.another();
    me.set_token(Some(kept.clone()));
    assert_eq!(me.me().await.unwrap()["login_name"], "tls_user");

    // ZJTX_TOKEN overrides the kept token: logout revokes the session it names, not the file's.
    let other = api.another();
    other.login("tls_user", "Secret-123").await.unwrap();
    let other_token = other.token().unwrap();
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &["logout", "--server", &base, "--ca-cert", cert_arg],
            &[no_bus[0], ("ZJTX_TOKEN", &other_token)],
        )
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(other.me().await.unwrap_err().status(), Some(401));
    assert_eq!(me.me().await.unwrap()["login_name"], "tls_user");
    // ... and logout forgot the kept token too.
    assert!(!file.exists());

    // Logged in again and out again: the file's session is revoked and the file is gone.
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &[
                "login",
                "--server",
                &base,
                "--user",
                "tls_user",
                "--ca-cert",
                cert_arg,
            ],
            &no_bus,
        )
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    me.set_token(Some(std::fs::read_to_string(&file).unwrap()));
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &["logout", "--server", &base, "--ca-cert", cert_arg],
            &no_bus,
        )
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!file.exists());
    assert_eq!(me.me().await.unwrap_err().status(), Some(401));
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &["logout", "--server", &base, "--ca-cert", cert_arg],
            &no_bus,
        )
    });
    assert!(String::from_utf8_lossy(&out.stdout).contains("not logged in"));

    // ZJTX_KEYRING=off: straight to the file, saying why.
    let out = tokio::task::block_in_place(|| {
        zjtx(
            config.path(),
            &[
                "login",
                "--server",
                &base,
                "--user",
                "tls_user",
                "--ca-cert",
                cert_arg,
            ],
            &[("ZJTX_KEYRING", "off")],
        )
    });
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("ZJTX_KEYRING"), "{}", text(&out));
    assert!(file.exists());
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn bad_certificate_or_key_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed();
    let (_, other_key_pem) = self_signed();
    let cert = write(dir.path(), "cert.pem", &cert_pem);
    let key = write(dir.path(), "key.pem", &key_pem);
    let garbage = write(dir.path(), "garbage.pem", "not a certificate\n");
    let other_key = write(dir.path(), "other-key.pem", &other_key_pem);
    let missing = dir.path().join("missing.pem");
    let data = dir.path().join("data");
    let cases = [
        (
            &missing,
            &key,
            "missing.pem",
            "cannot read the TLS certificate",
        ),
        (&cert, &missing, "missing.pem", "cannot read the TLS key"),
        (&garbage, &key, "garbage.pem", "TLS certificate"),
        (&cert, &garbage, "garbage.pem", "TLS key"),
        (&key, &key, "key.pem", "TLS certificate"),
        (&cert, &other_key, "other-key.pem", "does not fit"),
    ];
    for (c, k, named, what) in cases {
        let out = serve_cmd(&data, c, k).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{c:?} {k:?}: {err}");
        assert!(
            err.contains(named) && err.contains(what),
            "{c:?} {k:?}: {err}"
        );
    }
    // --tls-cert without --tls-key is a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

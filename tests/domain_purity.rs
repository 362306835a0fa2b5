//! The domain core stays pure: no I/O, no async runtime, no database, no UI, no clock reads.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn domain_has_no_io_async_or_clock() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain"),
        &mut files,
    );
    assert!(files.len() >= 10, "found {} domain files", files.len());
    let forbidden = [
        "tokio",
        "sqlx",
        "axum",
        "reqwest",
        "ratatui",
        "crossterm",
        "std::fs",
        "std::net",
        "std::process",
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
        "async fn",
    ];
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        for word in forbidden {
            assert!(
                !src.contains(word),
                "{} uses `{word}`: the domain must stay pure",
                f.display()
            );
        }
    }
}

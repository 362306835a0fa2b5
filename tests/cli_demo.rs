//! `zjtx demo`, run as a user runs it: the real binary (with the production password hashing),
//! its exit code and output.

use std::path::Path;
use std::process::Command;

fn zjtx_in(envs: &[(&str, &Path)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zjtx"));
    cmd.args(args).env_remove("ZJTX_LANG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn zjtx(args: &[&str]) -> (i32, String, String) {
    zjtx_in(&[], args)
}

#[test]
fn demo_seeds_a_new_database_once_and_prints_the_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let db = dir.to_str().unwrap();

    let (code, out, err) = zjtx(&["demo", "--db", db]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("zjtx.db").is_file());
    assert!(out.contains("演示数据已写入"), "{out}");
    assert!(
        out.contains("登录名") && out.contains("角色与说明"),
        "{out}"
    );
    for login in [
        "mi_admin",
        "gd_admin",
        "sz_admin",
        "th_county",
        "kf_support",
        "gz_jinpeng",
        "np_chenming",
    ] {
        let row = out
            .lines()
            .find(|l| l.starts_with(&format!("{login} ")))
            .unwrap_or_else(|| panic!("a row for {login}: {out}"));
        assert!(row.contains("Demo-2025!"), "{row}");
    }
    assert!(out.contains("县级审核员 · 广东省 广州市 天河区"), "{out}");
    assert!(out.contains("共 27 个账号"), "{out}");
    assert!(out.contains("演示数据用时"), "{out}");
    for line in out.lines() {
        assert!(
            zjtx::display::width(line) <= 80,
            "line wider than 80 columns: {line}"
        );
    }
    // The evidence PDFs are stored beside the database.
    assert!(dir.join("evidence").is_dir());

    // A second run is refused, and says what to do.
    let (code, out, err) = zjtx(&["demo", "--db", db]);
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty());
    assert!(err.contains("已有数据"), "{err}");
    assert!(err.contains("新目录") && err.contains("删除"), "{err}");
    assert!(err.contains(db), "names the database: {err}");
    let (code, _, err) = zjtx(&["--lang", "en", "demo", "--db", db]);
    assert_eq!(code, 1);
    assert!(err.contains("already holds data"), "{err}");

    // Bulk declarations go into the demo database once, timed.
    let (code, out, err) = zjtx(&["demo", "--db", db, "--declarations", "25"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("只添加基准测试申报"), "{out}");
    assert!(out.contains("已生成 25 份基准测试申报，用时"), "{out}");
    let (code, _, err) = zjtx(&["demo", "--db", db, "--declarations", "25"]);
    assert_eq!(code, 1);
    assert!(err.contains("重复的统一社会信用代码"), "{err}");
}

#[test]
fn demo_refuses_a_file_and_a_zero_count() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("zjtx.db");
    std::fs::write(&file, b"not a directory").unwrap();
    let (code, _, err) = zjtx(&["demo", "--db", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("应为数据目录"), "{err}");

    let (code, _, err) = zjtx(&[
        "demo",
        "--db",
        tmp.path().to_str().unwrap(),
        "--declarations",
        "0",
    ]);
    assert_eq!(code, 2, "a usage error");
    assert!(err.contains("--declarations"), "{err}");
}

/// Without `--db` the user's data directory is used (XDG on Linux).
#[cfg(target_os = "linux")]
#[test]
fn demo_defaults_to_the_user_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let xdg = tmp.path().join("xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    // A file where the data directory would be: refused before anything is written, naming it.
    std::fs::write(xdg.join("zjtx"), b"").unwrap();
    let (code, _, err) = zjtx_in(
        &[("XDG_DATA_HOME", &xdg), ("HOME", tmp.path())],
        &["--lang", "en", "demo"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("{} is a file", xdg.join("zjtx").display())),
        "{err}"
    );
}

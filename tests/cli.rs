//! The command-line tools, run as a user runs them: the real binary, its exit code and output.

use std::process::Command;

fn zjtx(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(args)
        .env_remove("ZJTX_LANG")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn check_uscc_valid_and_invalid() {
    let (code, out, _) = zjtx(&["check", "uscc", " 91110108551385082q "]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("统一社会信用代码 91110108551385082Q 校验通过"),
        "{out}"
    );
    assert!(out.contains("海淀区"), "{out}");
    assert_eq!(out.lines().count(), 1);

    let (code, out, err) = zjtx(&["check", "uscc", "91110108551385082R"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("第 18 位应为“Q”"), "{err}");

    let (code, _, err) = zjtx(&["--lang", "en", "check", "uscc", "91110108551385O82Q"]);
    assert_eq!(code, 1);
    assert!(err.contains("Character 15, “O”"), "{err}");
    assert!(err.contains("I, O, S, V"), "{err}");
}

#[test]
fn check_id_valid_and_bad_date() {
    let (code, out, _) = zjtx(&["check", "id", "11010519491231002x"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1949-12-31"), "{out}");
    assert!(
        out.contains("110105********002X"),
        "the full number is not echoed: {out}"
    );
    let (code, _, err) = zjtx(&["check", "id", "11010519490230002X"]);
    assert_eq!(code, 1);
    assert!(err.contains("19490230"), "{err}");
}

#[test]
fn score_examples_fit_80_columns() {
    for tier in ["innovative", "specialized", "little_giant"] {
        for lang in ["zh", "en"] {
            let path = format!(
                "{}/fixtures/examples/{tier}.toml",
                env!("CARGO_MANIFEST_DIR")
            );
            let (code, out, err) = zjtx(&["--lang", lang, "score", &path]);
            assert_eq!(code, 0, "{tier} {lang}: {err}");
            for line in out.lines() {
                assert!(
                    zjtx::display::width(line) <= 80,
                    "{tier} {lang}: line wider than 80 columns: {line}"
                );
            }
        }
    }
}

#[test]
fn score_json_carries_the_breakdown() {
    let path = format!(
        "{}/fixtures/examples/specialized.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, _) = zjtx(&["score", "--json", &path]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tier"], "specialized");
    assert_eq!(v["verdict"]["qualifies"], true);
    assert_eq!(v["verdict"]["route"]["route"], "score");
    assert_eq!(
        v["indicators"].as_array().unwrap().len(),
        14,
        "13 indicators, 9 in two parts"
    );
}

#[test]
fn score_refuses_bad_input_with_the_field_named() {
    let dir = std::env::temp_dir().join(format!("zjtx-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "tier = \"innovative\"\nbatch_year = 2024\n[inputs]\nrevenue_y1 = -10\nip_class = \"patent\"\n",
    )
    .unwrap();
    let (code, out, err) = zjtx(&["score", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("自评数据有 2 处错误"), "{err}");
    assert!(err.contains("上年度营业收入：不能为负数"), "{err}");
    assert!(err.contains("“patent”不是可选项"), "{err}");

    std::fs::write(&file, "tier = \"giant\"\nbatch_year = 2024\n").unwrap();
    let (code, _, err) = zjtx(&["score", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("格式有误"), "{err}");

    let (code, _, err) = zjtx(&["--lang", "en", "score", "/nonexistent/x.toml"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Cannot read /nonexistent/x.toml"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn industries_search_and_show() {
    let (code, out, _) = zjtx(&["industries", "search", "集成电路"]);
    assert_eq!(code, 0);
    assert!(out.contains("3973"), "{out}");
    let (code, out, _) = zjtx(&["industries", "show", "3973"]);
    assert_eq!(code, 0);
    assert!(out.contains("C 制造业"), "{out}");
    assert!(out.contains("数字化水平评测问卷: 制造业"), "{out}");
    let (code, _, err) = zjtx(&["industries", "search", "不存在的行业名"]);
    assert_eq!(code, 1);
    assert!(err.contains("没有找到"), "{err}");
}

#[test]
fn regions_show_names_the_authority() {
    let (code, out, _) = zjtx(&["regions", "show", "440305"]);
    assert_eq!(code, 0);
    assert!(out.contains("440305 南山区"), "{out}");
    assert!(out.contains("认定机关: 440300 深圳市"), "{out}");
    let (code, out, _) = zjtx(&["regions", "show", "440106"]);
    assert_eq!(code, 0);
    assert!(out.contains("认定机关: 440000 广东省"), "{out}");
    let (code, _, err) = zjtx(&["regions", "show", "999999"]);
    assert_eq!(code, 1);
    assert!(err.contains("999999"), "{err}");
}

#[test]
fn version_names_the_config_data_and_log_paths() {
    let (code, out, _) = zjtx(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    for label in ["config:", "data:", "log:"] {
        assert!(out.contains(label), "{out}");
    }
}

#[test]
fn completions_and_man_page() {
    let (code, out, _) = zjtx(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_zjtx") && out.contains("--demo"), "{out}");
    let (code, out, _) = zjtx(&["completions", "zsh"]);
    assert_eq!(code, 0);
    assert!(out.contains("#compdef zjtx"));
    let (code, out, _) = zjtx(&["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie") || out.contains(".TH zjtx"), "{out}");
    assert!(out.contains("demo"));
}

//! End to end: the real binary in a pseudo-terminal, driven by keys, read back as a user sees
//! it. `zjtx --demo` starts on a fresh copy of the demo data set.

#[path = "common/pty.rs"]
mod pty;

use pty::{ENTER, TAB, Tui};

#[test]
fn demo_log_in_reaches_the_enterprise_home_and_q_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut t = Tui::start(home.path(), &["--demo"], 80, 24);
    // the first start of the day seeds the demo template (a few seconds in a debug build)
    t.wait_for("通知公告", 120);
    t.wait_for("工业和信息化部", 10);
    t.send(b"5"); // 登录
    t.wait_for("登录名", 10);
    t.type_text("gz_ruixin");
    t.send(TAB);
    t.type_text("Demo-2025!");
    t.send(ENTER);
    t.wait_for("广州瑞芯智能传感股份有限公司", 30);
    let screen = t.screen();
    assert!(screen.contains("法人账户"), "{screen}");
    assert!(
        screen.contains("本地"),
        "local mode in the header: {screen}"
    );
    t.send(b"q");
    let status = t.wait_exit(10).expect("q quits from the home");
    assert!(status.success());
    // the run's copy of the demo data is gone; the template stays for the next start
    let demo = home.path().join("data/zjtx/demo");
    let runs: Vec<_> = std::fs::read_dir(&demo)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("run."))
        .collect();
    assert!(runs.is_empty(), "left behind: {runs:?}");
    assert!(demo.join("template/zjtx.db").exists());
    // logs went to the state dir, not the screen
    let log = std::fs::read_to_string(home.path().join("state/zjtx/zjtx.log")).unwrap();
    assert!(log.contains("terminal UI starting"), "{log}");
}

#[test]
fn a_hang_up_ends_the_program_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut t = Tui::start(home.path(), &["--demo", "--lang", "en"], 80, 24);
    t.wait_for("Announcements", 120);
    let pid = t.pid().expect("pid");
    let ok = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = t.wait_exit(10).expect("SIGHUP ends the program");
    assert!(status.success(), "{status:?}");
}

fn log_in(t: &mut Tui, login: &str, expect: &str) {
    t.send(b"5"); // 登录 on the public home
    t.wait_for("登录名", 10);
    t.type_text(login);
    t.send(TAB);
    t.type_text("Demo-2025!");
    t.send(ENTER);
    t.wait_for(expect, 30);
}

/// The reviewer chain across three accounts in one run: a city reviewer passes, a province
/// reviewer returns with a reason, the enterprise sees 已退回 and the reason.
#[test]
fn a_declaration_passed_by_the_city_and_returned_by_the_province_shows_returned_to_the_enterprise()
{
    let home = tempfile::tempdir().unwrap();
    let mut t = Tui::start(home.path(), &["--demo"], 80, 24);
    t.wait_for("通知公告", 120);
    log_in(&mut t, "gz_city", "市级审核员");
    t.send(b"1"); // 申报审核
    t.wait_for("广州华科", 10);
    t.send(b"a"); // 通过
    t.wait_for("审核意见", 10);
    t.send(pty::F9);
    t.wait_for("省级", 10);
    t.send(pty::ESC); // the note that it passed
    t.send(pty::ESC);
    t.wait_for("退出登录", 10);
    t.send(b"6"); // 退出登录
    t.wait_for("通知公告", 10);

    log_in(&mut t, "gd_prov", "省级审核员");
    t.send(b"1");
    t.wait_for("广州华科", 10);
    // 广州岭南 reached the province first: 华科 is the second row
    t.send(b"j");
    t.send(b"r"); // 退回
    t.wait_for("退回理由", 10);
    t.wait_for("广州华科", 5);
    t.send(TAB);
    t.type_text("研发费用明细不完整，请补充");
    t.send(pty::F9);
    t.wait_for("已退回", 10);
    t.send(pty::ESC); // the note that it was returned
    t.send(pty::ESC);
    t.wait_for("退出登录", 10);
    t.send(b"6");
    t.wait_for("通知公告", 10);

    log_in(&mut t, "gz_huake", "广州华科精密机械有限公司");
    t.send(b"4"); // 企业申报信息
    t.wait_for("已退回", 10);
    t.send(ENTER);
    t.wait_for("研发费用明细不完整，请补充", 10);
}

/// Two sessions on one database act on the same item: the second sees who acted first, and
/// the item reloads.
#[test]
fn the_second_of_two_reviewers_on_one_item_sees_the_conflict() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("shared");
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(["demo", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let db = db.to_str().unwrap();
    let mut first = Tui::start(&home.path().join("a"), &["--db", db], 80, 24);
    let mut second = Tui::start(&home.path().join("b"), &["--db", db], 80, 24);
    for t in [&mut first, &mut second] {
        t.wait_for("通知公告", 60);
        log_in(t, "gz_city", "市级审核员");
        t.send(b"1");
        t.wait_for("广州华科", 10);
    }
    // the first passes while the second still shows the item at city level
    first.send(b"a");
    first.wait_for("审核意见", 10);
    first.send(pty::F9);
    first.wait_for("省级", 10);
    second.send(b"a");
    second.wait_for("审核意见", 10);
    second.send(pty::F9);
    // plain words: who acted first, and that this decision did not count
    second.wait_for("决定没有生效", 10);
    let screen = second.screen();
    assert!(screen.contains("已被 郑伟"), "{screen}");
    // the item is reloaded: the row shows the level it reached
    assert!(screen.contains("省级"), "{screen}");
}

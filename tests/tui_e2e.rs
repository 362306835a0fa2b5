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
    t.send(b"1");
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

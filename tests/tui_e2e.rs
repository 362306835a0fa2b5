//! End to end: the real binary in a pseudo-terminal, driven by keys, read back as a user sees
//! it. `zjtx --demo` starts on a fresh copy of the demo data set.

#[path = "common/pty.rs"]
mod pty;

use pty::{ENTER, ESC, F7, F9, PGDN, RIGHT, TAB, Tui};

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

/// A valid unified social credit code for `first17` (the check character appended).
fn uscc(first17: &str) -> String {
    let check = zjtx::domain::ids::uscc_check_char(first17).expect("17 USCC characters");
    format!("{first17}{check}")
}

/// A valid resident ID number for `first17`.
fn resident_id(first17: &str) -> String {
    let check = zjtx::domain::ids::id_check_char(first17).expect("17 digits");
    format!("{first17}{check}")
}

/// Seeds the demo data set into a database directory the test keeps (a `--demo` run works on
/// a copy that is gone when it ends).
fn seeded_db(home: &std::path::Path) -> String {
    let db = home.join("db");
    let seeded = std::process::Command::new(env!("CARGO_BIN_EXE_zjtx"))
        .args(["demo", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    db.to_str().unwrap().to_string()
}

fn log_out(t: &mut Tui, item: &[u8]) {
    for _ in 0..4 {
        t.send(pty::ESC);
    }
    t.wait_for("退出登录", 10);
    t.send(item);
    t.wait_for("通知公告", 10);
}

/// A new enterprise from nothing to a declaration waiting at its first review level, as a
/// person does it at 80×24: register, log in, verify, fill the basic information with the
/// region and industry pickers, take the assessment, declare 专精特新 with evidence, submit;
/// the county reviewer then finds it in the queue.
#[test]
fn a_new_enterprise_registers_verifies_takes_the_assessment_and_declares_specialized() {
    let home = tempfile::tempdir().unwrap();
    let db = seeded_db(home.path());
    let evidence = home.path().join("营业执照副本.pdf");
    std::fs::write(
        &evidence,
        b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    )
    .unwrap();
    let mut t = Tui::start(home.path(), &["--db", &db], 80, 24);
    t.wait_for("通知公告", 60);

    // 注册: a legal-person account
    t.send(b"6");
    t.wait_for("账户类型", 10);
    t.send(RIGHT); // 法人账户
    t.send(TAB);
    t.type_text("xince_2026");
    t.send(TAB);
    t.type_text("Xince-2026!");
    t.send(TAB);
    t.type_text("Xince-2026!");
    t.send(TAB);
    t.type_text("13912345678");
    t.send(F9);
    t.wait_for("注册成功", 10);
    // the log-in opens with the login name filled in
    t.type_text("Xince-2026!");
    t.send(ENTER);

    // 实名认证 comes first for a new legal-person account
    t.wait_for("您的法人账户尚未实名认证", 30);
    let code = uscc("91440106MA5E2E2E1");
    t.type_text("广州新测科技有限公司");
    t.send(TAB);
    t.type_text(&code);
    t.send(TAB);
    t.type_text("张测试");
    t.send(TAB);
    t.type_text(&resident_id("44010619800101123"));
    t.send(F9);
    t.wait_for("实名认证完成", 10);
    // the home says why nothing can be declared yet
    t.wait_for("企业基本信息不完整", 10);
    t.send(ESC); // the note

    // 企业信息: the region and industry pickers, then the figures
    t.send(b"1");
    t.wait_for(&code, 10);
    t.send(ENTER);
    t.wait_for("修改企业信息", 10);
    t.type_text("天河");
    t.wait_for("440106 天河区", 10);
    t.send(ENTER);
    t.type_text("传感器");
    t.wait_for("3983 敏感元件及传感器制造", 10);
    t.send(ENTER);
    t.wait_for("3983 敏感元件及传感器制造", 10);
    t.type_text("工业压力传感器"); // 细分领域
    t.send(TAB);
    t.type_text("压力变送器"); // 主导产品
    t.send(TAB);
    for v in [
        "2018-03-15",
        "广州市天河区科韵路1号",
        "120",
        "8000",
        "9000",
        "李联系",
    ] {
        t.type_text(v);
        t.send(TAB);
    }
    t.send(F9);
    t.wait_for("企业信息已保存", 10);
    let screen = t.screen();
    // the region decides the authority
    assert!(screen.contains("认定机关          广东省"), "{screen}");
    t.send(ESC); // the note
    t.send(ESC);

    // 数字化水平评测: the manufacturing questionnaire, answered throughout, completed
    t.wait_for("尚未完成评测", 10);
    t.send(b"2");
    t.wait_for("按 n 或 F8 开始", 10);
    t.send(b"n");
    t.wait_for("中小企业数字化水平评测（制造业）", 10);
    for _ in 0..30 {
        t.send(b"4");
    }
    t.wait_for("30 / 30", 10);
    t.wait_for("答案已保存（30/30）", 10);
    t.send(F9);
    t.wait_for("评测结果", 10);
    t.wait_for("三级", 10);
    t.send(ESC);
    t.send(ESC);

    // the home now offers the open windows: 专精特新 is the second
    t.wait_for("专精特新 · 广东省", 10);
    assert!(t.screen().contains("当前等级：三级"), "{}", t.screen());
    t.send(TAB);
    t.send(b"j");
    t.send(ENTER);
    t.wait_for("专精特新中小企业", 10);
    // the window chosen on the home is under the cursor: Enter creates the draft
    t.send(ENTER);
    t.wait_for("已新建申报", 10);
    t.send(ESC); // the note
    t.wait_for("大前年主营业务收入", 10); // the form is loaded

    // 1/4 经营与财务数据: revenue, total assets and employees come from the basic
    // information; the rest is typed (a Tab past the last field goes on to the next section)
    let screen = t.screen();
    for (label, prefilled) in [
        ("上年度营业收入", "8000"),
        ("上年末资产总额", "9000"),
        ("从业人员数", "120"),
    ] {
        assert!(
            screen
                .lines()
                .any(|l| l.contains(label) && l.contains(prefilled)),
            "{label} {prefilled} prefilled: {screen}"
        );
    }
    for v in [
        "", "7000", "7600", "6800", "6000", "700", "", "4000", "", "0",
    ] {
        t.type_text(v);
        t.send(TAB);
    }
    // 2/4 创新能力
    t.wait_for("前年研发费用总额", 10);
    for v in ["500", "400", "30"] {
        t.type_text(v);
        t.send(TAB);
    }
    t.keys(&[RIGHT, TAB, RIGHT, RIGHT]); // Ⅰ类高价值知识产权, 省级研发机构
    // 3/4 专业化与精细化
    t.send(PGDN);
    t.wait_for("从事特定细分市场时间", 10);
    t.type_text("7");
    for _ in 0..6 {
        t.keys(&[TAB, RIGHT]);
    }
    t.send(TAB);
    t.type_text("12");
    // 4/4 直通条件: none
    t.send(PGDN);
    t.wait_for("近三年获得省级科技奖励", 10);
    t.keys(&[RIGHT, RIGHT, TAB, RIGHT, RIGHT]);
    // the live score panel: qualified by the score
    t.wait_for("符合条件（评分达标）", 10);

    // evidence: the business licence
    t.send(F7);
    t.wait_for("尚未上传证明材料", 10);
    t.type_text(evidence.to_str().unwrap());
    t.send(ENTER);
    t.wait_for("已上传：营业执照副本.pdf", 20);
    t.send(ESC);

    // submit: the summary names the evidence and asks for the commitment
    t.wait_for("申报表 · 专精特新中小企业", 10);
    t.send(F9);
    t.wait_for("提交前确认", 10);
    t.wait_for("证明材料 1 份", 10);
    t.send(b" ");
    t.send(F9);
    t.wait_for("申报已提交，当前状态：待审核(县级)", 10);
    t.send(ESC);

    // the list: waiting at the first level of Guangdong's chain
    t.send(b"4");
    t.wait_for("企业申报信息", 10);
    t.wait_for("待审核(县级)", 10);
    let screen = t.screen();
    assert!(screen.contains("专精特新中小企业"), "{screen}");
    assert!(screen.contains("92"), "the stored score: {screen}");
    log_out(&mut t, b"9");

    // 天河区's county reviewer finds it in the queue
    log_in(&mut t, "th_county", "县级审核员");
    t.send(b"1"); // 申报审核
    t.wait_for("广州新测科技", 10);
}

/// 退回修改 after the window closed: Shenzhen's administrator closes the 专精特新 window early;
/// 深圳前海, whose declaration in that window came back, still edits it, adds the report the
/// reason asks for and resubmits; it starts again at the first level, where the district
/// reviewer finds it.
#[test]
fn a_returned_declaration_is_edited_and_resubmitted_after_its_window_closed() {
    let home = tempfile::tempdir().unwrap();
    let db = seeded_db(home.path());
    let report = home.path().join("研发费用专项审计报告.pdf");
    std::fs::write(&report, b"%PDF-1.4\n% R&D audit\ntrailer <<>>\n%%EOF\n").unwrap();
    let mut t = Tui::start(home.path(), &["--db", &db], 80, 24);
    t.wait_for("通知公告", 60);

    // the administrator closes the window early
    log_in(&mut t, "sz_admin", "省级管理员");
    t.send(b"5"); // 申报窗口
    t.wait_for("申报窗口 · 深圳市", 10);
    t.wait_for("开放中", 10);
    t.send(b"j"); // 小巨人 is first; the open 专精特新 window second
    t.send(b"d");
    t.wait_for("确定提前关闭专精特新 2026 年度批次窗口", 10);
    // the confirmation says returned declarations can still be resubmitted
    assert!(t.screen().contains("被退回"), "{}", t.screen());
    t.keys(&[RIGHT, ENTER]);
    t.wait_for("已提前关闭", 10);
    t.send(ESC);
    t.wait_for("公告管理", 10);
    t.keys(&[pty::END, ENTER]); // 退出登录, the last entry
    t.wait_for("通知公告", 10);

    log_in(&mut t, "sz_qianhai", "深圳前海智航无人机技术有限公司");
    // no new 专精特新 declaration can start: only the 小巨人 window is offered
    t.wait_for("小巨人 · 深圳市", 10);
    assert!(!t.screen().contains("专精特新 · 深圳市"), "{}", t.screen());
    t.send(b"4");
    t.wait_for("已退回", 10);
    t.send(ENTER);
    t.wait_for("退回原因：请补充上传上年度研发费用专项审计报告", 10);
    t.wait_for("窗口关闭", 10);
    t.send(b"e");
    t.wait_for("上年度主营业务收入", 10);
    // correct the main-business revenue, as the reason asks
    t.keys(&[TAB, TAB]);
    for _ in 0..6 {
        t.send(pty::BACKSPACE);
    }
    t.type_text("6800");
    t.wait_for("6800", 10);
    // and add the report it asks for
    t.send(F7);
    t.wait_for("本地文件", 10);
    t.type_text(report.to_str().unwrap());
    t.send(ENTER);
    t.wait_for("已上传：研发费用专项审计报告.pdf", 20);
    t.send(ESC);
    t.wait_for("上年度主营业务收入", 10);
    t.send(F9);
    t.wait_for("提交前确认", 10);
    t.wait_for("将从第一级重新审核", 10);
    t.wait_for("证明材料 3 份", 10);
    t.send(b" ");
    t.send(F9);
    t.wait_for("申报已提交，当前状态：待审核(县级)", 10);
    t.send(ESC);
    let screen = t.screen();
    assert!(screen.contains("当前处理层级：县级"), "{screen}");
    assert!(screen.contains("研发费用专项审计报告.pdf"), "{screen}");
    log_out(&mut t, b"9");

    // 南山区's reviewer has it again
    log_in(&mut t, "ns_county", "县级审核员");
    t.send(b"1");
    t.wait_for("深圳前海智航", 10);
}

//! Screen tests of the enterprise workspace, part 2: declarations, the form with its live score
//! panel, evidence uploads, major changes, certifications and 复核, the info update, and local
//! drafts while the server is unreachable. Real keys over the in-process API on the demo data
//! (the clock fixed at 2026-04-16 10:00 Beijing); snapshots at 80×24 and 120×40 in both
//! languages.

use super::drafts::DraftStore;
use crate::client::ApiClient;
use crate::domain::Lang;
use crate::tui::testing::Harness;
use crossterm::event::KeyCode;
use serde_json::Value;

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        for line in screen.lines() {
            assert!(
                crate::display::width(line) <= w as usize,
                "{name}: a line is wider than {w}: {line}"
            );
        }
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Logged in as `who`, on the role home.
/// Opens an entry of the enterprise home by its id (its digit depends on the account).
fn open_ws(h: &mut Harness, id: &str) {
    let account = h.app.session.account.clone().expect("logged in");
    let i = crate::tui::screens::enterprise::workspace_entries(&account)
        .iter()
        .position(|e| e.id == id)
        .expect("the entry is in the enterprise home");
    h.key(KeyCode::Char(char::from(b'1' + i as u8)));
}

fn as_user(lang: Lang, who: &str) -> Harness {
    let mut h = Harness::demo(lang);
    h.login(who);
    h
}

/// The caller's declarations as the API lists them.
fn declarations(h: &Harness) -> Vec<Value> {
    let c = h.app.client.clone();
    h.rt.block_on(async move { c.declarations("limit=50").await })
        .expect("declarations")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn declaration(h: &Harness, id: &str) -> Value {
    let c = h.app.client.clone();
    let id = id.to_string();
    h.rt.block_on(async move { c.declaration(&id).await })
        .expect("declaration")
        .value
}

/// The total the score panel shows (`总分 90/100` / `Total 90/100`).
fn panel_total(screen: &str) -> f64 {
    let at = screen
        .find("总分 ")
        .map(|i| i + "总分 ".len())
        .or_else(|| screen.find("Total ").map(|i| i + "Total ".len()))
        .unwrap_or_else(|| panic!("no total on screen:\n{screen}"));
    let num: String = screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    num.parse()
        .unwrap_or_else(|_| panic!("no number at the total:\n{screen}"))
}

fn types(h: &mut Harness, keys: &[KeyCode]) {
    for k in keys {
        h.key(*k);
    }
}

/// bj_zhixin's draft form, opened from the list and the detail.
fn zhixin_form(lang: Lang) -> Harness {
    let mut h = as_user(lang, "bj_zhixin");
    open_ws(&mut h, "declarations");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    h
}

/// Fills what bj_zhixin's draft still lacks: equity, R&D, IP, institution, the yes/no fields.
fn fill_zhixin(h: &mut Harness) {
    for _ in 0..6 {
        h.key(KeyCode::Tab);
    }
    h.type_text("0");
    h.key(KeyCode::PageDown);
    h.type_text("150");
    types(
        h,
        &[
            KeyCode::Tab,
            KeyCode::Right,
            KeyCode::Tab,
            KeyCode::Right,
            KeyCode::Right,
            KeyCode::PageDown,
            KeyCode::Right,
            KeyCode::PageDown,
            KeyCode::Right,
            KeyCode::Right,
            KeyCode::Tab,
            KeyCode::Right,
            KeyCode::Right,
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

#[test]
fn the_list_shows_state_and_current_level() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "sz_guangchi");
        open_ws(&mut h, "declarations");
        let s = h.screen(120, 40);
        let (state, level) = match lang {
            Lang::Zh => ("待审核(部级)", "部级"),
            Lang::En => ("Awaiting review (mini", "ministry"),
        };
        assert!(s.contains(state), "{s}");
        assert!(s.contains(level), "{s}");
        snap(&mut h, &format!("list_{}", lang_name(lang)));
    }
}

#[test]
fn a_new_declaration_is_created_in_an_open_window_and_its_form_opens() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_jinpeng");
        let before = declarations(&h).len();
        open_ws(&mut h, "declarations");
        h.key(KeyCode::Char('n'));
        assert!(h.shows("2026-03-26"), "{}", h.screen(120, 40));
        snap(&mut h, &format!("new_{}", lang_name(lang)));
        // the first window is 创新型: Enter creates the draft and opens its form
        h.key(KeyCode::Enter);
        let after = declarations(&h);
        assert_eq!(after.len(), before + 1);
        assert!(
            after
                .iter()
                .any(|d| d["tier"] == "innovative" && d["state"]["state"] == "draft")
        );
        let s = h.screen(120, 40);
        assert!(s.contains("2026"), "{s}");
        // the form of the tier, section by section, and the panel beside it
        assert!(
            s.contains("经营与财务数据") || s.contains("Operating and financial figures"),
            "{s}"
        );
        // a second declaration of the same tier and batch is refused in the server's words
        h.key(KeyCode::Esc);
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('n'));
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(
            s.contains("不必重复新建") || s.contains("already has a"),
            "{s}"
        );
    }
}

#[test]
fn the_live_score_panel_and_the_stored_score_agree() {
    let mut h = zhixin_form(Lang::Zh);
    fill_zhixin(&mut h);
    let s = h.screen(120, 40);
    let shown = panel_total(&s);
    // every indicator's band and points, and the verdict, show beside the form
    assert!(s.contains("符合条件"), "{s}");
    snap(&mut h, "form_filled_zh");
    h.key(KeyCode::F(9));
    assert!(h.shows("提交前确认"), "{}", h.screen(120, 40));
    // the server's evaluation of what will be sent is the panel's
    assert_eq!(panel_total(&h.screen(120, 40)), shown);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::F(9));
    // back where the form was opened, with the new state said
    let after = h.screen(120, 40);
    assert!(after.contains("申报已提交，当前状态：待审核"), "{after}");
    let d = declarations(&h)
        .into_iter()
        .find(|d| d["tier"] == "innovative")
        .expect("the declaration");
    assert_eq!(d["state"]["state"], "submitted", "{d}");
    let stored = declaration(&h, d["id"].as_str().unwrap());
    assert_eq!(stored["score"].as_f64(), Some(shown), "{stored}");
    // each indicator as the panel showed it is the stored one
    let screen_before = s;
    for i in stored["breakdown"]["indicators"].as_array().unwrap() {
        let points = format!(
            "{}/{}",
            super::score::points(i["points"].as_f64().unwrap()),
            super::score::points(i["max"].as_f64().unwrap())
        );
        let band = i["band"]["zh"].as_str().unwrap();
        assert!(
            screen_before
                .lines()
                .any(|l| l.contains(&points) && l.contains(band)),
            "indicator {} ({band} {points}) not on the panel:\n{screen_before}",
            i["no"]
        );
    }
}

#[test]
fn the_panel_scores_a_specialized_declaration_with_the_assessment_level_as_the_server() {
    // 深圳前海's 专精特新 declaration came back: change a figure, resubmit, compare
    let mut h = as_user(Lang::Zh, "sz_qianhai");
    open_ws(&mut h, "declarations");
    h.key(KeyCode::Enter);
    let s = h.screen(120, 40);
    assert!(s.contains("退回原因"), "{s}");
    snap(&mut h, "detail_returned_zh");
    h.key(KeyCode::Char('e'));
    h.key(KeyCode::End);
    h.key(KeyCode::PageDown);
    // R&D of the prior year up: the live total moves before anything is saved
    let before = panel_total(&h.screen(120, 40));
    for _ in 0..8 {
        h.key(KeyCode::Backspace);
    }
    h.type_text("900");
    let shown = panel_total(&h.screen(120, 40));
    assert!(shown >= before, "{before} → {shown}");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("将从第一级重新审核"), "{s}");
    assert_eq!(panel_total(&s), shown);
    // every confirmation the summary asks for
    h.key(KeyCode::Char(' '));
    if h.shows("不符合条件，仍要提交") {
        h.key(KeyCode::Tab);
        h.key(KeyCode::Char(' '));
    }
    h.key(KeyCode::F(9));
    let d = declarations(&h).remove(0);
    assert_eq!(d["state"]["state"], "submitted", "{d}");
    let stored = declaration(&h, d["id"].as_str().unwrap());
    assert_eq!(stored["score"].as_f64(), Some(shown), "{stored}");
    assert!(stored["digital_level"].is_string(), "{stored}");
}

#[test]
fn the_full_breakdown_opens_from_the_form() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = zhixin_form(lang);
        h.key(KeyCode::F(8));
        let s = h.screen(120, 40);
        // every gate and direct condition, each indicator with its band and points
        assert!(
            s.contains("未填写 0/20") || s.contains("not filled in 0/20"),
            "{s}"
        );
        assert!(s.contains("15.22%"), "{s}");
        snap(&mut h, &format!("breakdown_{}", lang_name(lang)));
        h.key(KeyCode::Esc);
        assert!(h.shows("2880"));
    }
}

#[test]
fn the_form_shows_every_problem_under_its_field_before_submitting() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = zhixin_form(lang);
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        let (required, count) = match lang {
            Lang::Zh => ("必须填写", "还有 7 项"),
            Lang::En => ("required", "7 fields"),
        };
        assert!(s.contains(required), "{s}");
        assert!(s.contains(count), "{s}");
        // nothing was submitted
        assert_eq!(declarations(&h)[0]["state"]["state"], "draft");
        snap(&mut h, &format!("form_errors_{}", lang_name(lang)));
    }
}

#[test]
fn a_draft_keeps_what_was_typed_and_the_server_says_what_is_wrong() {
    let mut h = zhixin_form(Lang::Zh);
    for _ in 0..6 {
        h.key(KeyCode::Tab);
    }
    h.type_text("12万");
    h.ctrl('s');
    let s = h.screen(120, 40);
    assert!(s.contains("12万"), "the text stays: {s}");
    assert!(
        s.contains("应填写数字"),
        "the server's warning under the field: {s}"
    );
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    let stored = declaration(&h, &id);
    assert_eq!(
        stored["inputs"]["equity_3y"], "12万",
        "saved as typed: {stored}"
    );
    // the draft is on the server: nothing is kept locally
    let store = DraftStore::of(&h.app.session).unwrap();
    assert!(!store.has(&super::declarations::draft_key(&id)));
}

#[test]
fn the_submission_summary_lists_what_will_be_sent_and_asks_for_the_confirmations() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = zhixin_form(lang);
        fill_zhixin(&mut h);
        h.key(KeyCode::F(9));
        snap(&mut h, &format!("summary_{}", lang_name(lang)));
        // without the pledge nothing is sent
        h.key(KeyCode::F(9));
        assert_eq!(declarations(&h)[0]["state"]["state"], "draft");
        let s = h.screen(120, 40);
        assert!(
            s.contains("请先逐项确认") || s.contains("Give each confirmation first"),
            "{s}"
        );
        // Esc goes back to the form with everything typed
        h.key(KeyCode::Esc);
        h.key(KeyCode::PageUp);
        h.key(KeyCode::PageUp);
        assert!(h.shows("150"), "{}", h.screen(120, 40));
    }
}

#[test]
fn the_detail_shows_history_and_withdraw_warns_when_the_window_has_closed() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_ruixin");
        open_ws(&mut h, "declarations");
        h.key(KeyCode::Enter);
        snap(&mut h, &format!("detail_{}", lang_name(lang)));
        // the province closes its window
        let admin = h.app.client.another();
        h.rt.block_on(async {
            admin.login("gd_admin", "Demo-2025!").await.unwrap();
            let open = admin.authority_windows("440000").await.unwrap();
            for w in open["items"].as_array().unwrap() {
                if w["tier"] == "specialized" && w["status"] == "open" {
                    admin
                        .close_window(w["id"].as_str().unwrap(), w["version"].as_i64().unwrap())
                        .await
                        .unwrap();
                }
            }
        });
        h.key(KeyCode::Char('w'));
        // the safe choice first; confirm
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let s = h.screen(80, 24);
        assert!(
            s.contains("申报窗口已关闭") || s.contains("The window has closed"),
            "{s}"
        );
        assert_eq!(declarations(&h)[0]["state"]["state"], "submitted");
        snap(&mut h, &format!("withdraw_closed_{}", lang_name(lang)));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        assert_eq!(declarations(&h)[0]["state"]["state"], "withdrawn");
    }
}

/// 广东 closes its open 专精特新 window (gz_ruixin's declaration is in it).
fn close_gd_specialized_window(h: &mut Harness) {
    let admin = h.app.client.another();
    h.rt.block_on(async {
        admin.login("gd_admin", "Demo-2025!").await.unwrap();
        let open = admin.authority_windows("440000").await.unwrap();
        for w in open["items"].as_array().unwrap() {
            if w["tier"] == "specialized" && w["status"] == "open" {
                admin
                    .close_window(w["id"].as_str().unwrap(), w["version"].as_i64().unwrap())
                    .await
                    .unwrap();
            }
        }
    });
}

#[test]
fn with_the_window_closed_the_detail_warns_before_withdrawing_and_then_says_why_it_cannot_be_resubmitted()
 {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_ruixin");
        close_gd_specialized_window(&mut h);
        open_ws(&mut h, "declarations");
        h.key(KeyCode::Enter);
        // the server offers the withdrawal with the closed-window confirmation: asked at once
        h.key(KeyCode::Char('w'));
        let s = h.screen(80, 24);
        assert!(
            s.contains("撤回后将不能再次提交") || s.contains("cannot be resubmitted"),
            "{s}"
        );
        snap(
            &mut h,
            &format!("withdraw_closed_first_{}", lang_name(lang)),
        );
        // the safe choice first: Enter alone keeps it submitted
        h.key(KeyCode::Enter);
        assert_eq!(declarations(&h)[0]["state"]["state"], "submitted");
        h.key(KeyCode::Char('w'));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        assert_eq!(
            declarations(&h)[0]["state"]["state"],
            "withdrawn",
            "one confirmation is enough"
        );
        // withdrawn with the window closed: editable, not submittable, and the screen says why
        let s = h.screen(120, 40);
        assert!(
            s.contains("暂不能提交") || s.contains("Cannot be submitted now"),
            "{s}"
        );
        assert!(!s.contains("F9/Ctrl-g"), "no submit key is offered: {s}");
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        assert!(s.contains("未开放") || s.contains("is not open"), "{s}");
        snap(&mut h, &format!("withdrawn_closed_{}", lang_name(lang)));
    }
}

#[test]
fn withdraw_to_edit_opens_the_form() {
    let mut h = as_user(Lang::Zh, "gz_ruixin");
    open_ws(&mut h, "declarations");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    assert!(h.shows("撤回修改？"), "{}", h.screen(120, 40));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert_eq!(declarations(&h)[0]["state"]["state"], "withdrawn");
    let s = h.screen(120, 40);
    assert!(s.contains("实时评分"), "the form is open: {s}");
}

#[test]
fn export_writes_the_application_and_says_where() {
    let mut h = as_user(Lang::Zh, "gz_ruixin");
    open_ws(&mut h, "declarations");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('p'));
    let dir = h.app.session.local_dir.clone().unwrap().join("exports");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].path();
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("广州瑞芯智能传感股份有限公司"), "{html}");
    h.key(KeyCode::Esc); // the toast
    let s = h.screen(200, 40);
    assert!(s.contains(&path.display().to_string()), "{s}");
}

// ---------------------------------------------------------------------------------------------
// Offline
// ---------------------------------------------------------------------------------------------

/// A client whose server is gone: a port nobody listens on.
fn unreachable() -> ApiClient {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ApiClient::http(&format!("http://127.0.0.1:{port}")).unwrap()
}

#[test]
fn a_form_typed_while_the_server_is_unreachable_keeps_its_draft_and_sends_it_when_back() {
    let mut h = zhixin_form(Lang::Zh);
    let online = h.app.client.clone();
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    // the link drops
    h.app.client = unreachable();
    for _ in 0..6 {
        h.key(KeyCode::Tab);
    }
    h.type_text("321");
    h.ctrl('s');
    let s = h.screen(80, 24);
    assert!(s.contains("离线"), "the header shows it: {s}");
    assert!(s.contains("保存在本机"), "{s}");
    snap(&mut h, "form_offline_zh");
    let store = DraftStore::of(&h.app.session).unwrap();
    let kept = store.load(&super::declarations::draft_key(&id)).unwrap();
    assert!(kept.pending);
    assert_eq!(
        kept.values.get("equity_3y").map(String::as_str),
        Some("321")
    );
    // leave the form (nothing typed is lost) and come back while still offline: a new form
    // builds itself from the copy kept with the draft
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('e'));
    let s = h.screen(120, 40);
    assert!(s.contains("321"), "{s}");
    assert!(s.contains("本机保存的申报表副本"), "{s}");
    // the server is back: a new form sends the kept draft at once
    h.key(KeyCode::Esc);
    h.app.client = online;
    h.key(KeyCode::Char('e'));
    let stored = declaration(&h, &id);
    assert_eq!(
        stored["inputs"]["equity_3y"].as_f64(),
        Some(321.0),
        "{stored}"
    );
    assert!(!store.has(&super::declarations::draft_key(&id)));
    assert!(h.shows("已连接"), "{}", h.screen(120, 40));
}

#[test]
fn a_draft_kept_from_an_earlier_run_is_restored_and_sent() {
    let mut h = as_user(Lang::Zh, "bj_zhixin");
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    let store = DraftStore::of(&h.app.session).unwrap();
    let mut d = super::drafts::Draft {
        pending: true,
        ..Default::default()
    };
    d.values.insert("revenue_y1".into(), "2880".into());
    d.values.insert("employees".into(), "88".into());
    store
        .save(&super::declarations::draft_key(&id), &d)
        .unwrap();
    open_ws(&mut h, "declarations");
    assert!(
        h.shows("未同步"),
        "the list marks it: {}",
        h.screen(120, 40)
    );
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    let stored = declaration(&h, &id);
    assert_eq!(
        stored["inputs"]["employees"].as_f64(),
        Some(88.0),
        "{stored}"
    );
    assert!(h.shows("88"));
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

/// The directory of a test's upload files: relative to the crate (cargo runs tests there), so
/// the path on screen — and in snapshots — is the same on every machine, whatever `TMPDIR` is.
fn files_dir(tag: &str) -> std::path::PathBuf {
    std::path::PathBuf::from("target")
        .join("test-files")
        .join(format!("zjtx-decl-{tag}"))
}

/// A file for an upload, at a path that is the same on every run (it shows in snapshots):
/// `target/test-files/zjtx-decl-<tag>/<name>`; `tag` names the test and the language.
fn temp_file(tag: &str, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = files_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn remove_files(tag: &str) {
    let _ = std::fs::remove_dir_all(files_dir(tag));
}

/// A valid PDF padded to more than `extra` bytes (a comment before the end marker).
fn big_pdf(extra: usize) -> Vec<u8> {
    let mut pdf = crate::service::demo::demo_pdf(&["evidence"]);
    pdf.push(b'%');
    pdf.extend(std::iter::repeat_n(b'x', extra));
    pdf.extend(b"\n%%EOF\n");
    pdf
}

fn evidence_of(h: &Harness, id: &str) -> Vec<Value> {
    let c = h.app.client.clone();
    let id = id.to_string();
    h.rt.block_on(async move { c.evidence_list(&id).await })
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn evidence_uploads_with_progress_and_refusals_give_the_servers_reason() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = zhixin_form(lang);
        let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
        let before = evidence_of(&h, &id).len();
        h.key(KeyCode::F(7));
        // a PDF of several chunks (1 MiB: the first chunk is 128 KiB)
        let pdf = big_pdf(1 << 20);
        assert!(pdf.len() as u64 > super::evidence::CHUNK);
        let tag = format!("upload-{}", lang_name(lang));
        let path = temp_file(&tag, "审计报告.pdf", &pdf);
        h.type_text(&path.display().to_string());
        h.key(KeyCode::Enter);
        assert_eq!(
            evidence_of(&h, &id).len(),
            before + 1,
            "{}",
            h.screen(120, 40)
        );
        let s = h.screen(120, 40);
        assert!(s.contains("审计报告.pdf"), "{s}");
        assert!(
            s.contains("100%") || s.contains("完成") || s.contains("done"),
            "{s}"
        );
        // a zip with an entry leaving its folder is refused, naming the entry
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("../evil.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"x").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let bad = temp_file(&tag, "材料.zip", &bytes);
        for _ in 0..200 {
            h.key(KeyCode::Backspace);
        }
        h.type_text(&bad.display().to_string());
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("../evil.txt"), "{s}");
        assert_eq!(evidence_of(&h, &id).len(), before + 1, "nothing stored");
        snap(&mut h, &format!("evidence_refused_{}", lang_name(lang)));
        remove_files(&tag);
    }
}

#[test]
fn an_interrupted_upload_goes_on_from_the_servers_offset() {
    let mut h = zhixin_form(Lang::Zh);
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    let pdf = big_pdf(super::evidence::CHUNK as usize + 100);
    let path = temp_file("resume", "营业执照.pdf", &pdf);
    // an earlier run declared it and sent the first chunk, then the program was closed
    let c = h.app.client.clone();
    let sha = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(&pdf);
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let (upload, first) = h.rt.block_on(async {
        let u = c
            .create_upload(&id, "营业执照.pdf", pdf.len() as u64, &sha)
            .await
            .unwrap();
        let uid = u["id"].as_str().unwrap().to_string();
        let n = super::evidence::CHUNK as usize;
        let at = c.append_chunk(&uid, 0, &pdf[..n]).await.unwrap();
        (uid, at)
    });
    assert_eq!(first, super::evidence::CHUNK);
    let store = DraftStore::of(&h.app.session).unwrap();
    let mut d = super::drafts::Draft {
        pending: true,
        ..Default::default()
    };
    for (k, v) in [
        ("path", path.display().to_string()),
        ("name", "营业执照.pdf".to_string()),
        ("size", pdf.len().to_string()),
        ("sha256", sha.clone()),
        ("upload", upload.clone()),
    ] {
        d.values.insert(k.into(), v);
    }
    store.save(&format!("upload-{id}"), &d).unwrap();
    // opening the evidence goes on where the server stopped, and finishes
    h.key(KeyCode::F(7));
    let files = evidence_of(&h, &id);
    let f = files
        .iter()
        .find(|f| f["id"] == upload.as_str())
        .unwrap_or_else(|| panic!("finished: {files:?}\n{}", h.screen(120, 40)));
    assert_eq!(f["sha256"], sha.as_str());
    assert!(!store.has(&format!("upload-{id}")));
    remove_files("resume");
}

#[test]
fn an_upload_pauses_when_the_link_drops_and_resumes() {
    let mut h = zhixin_form(Lang::Zh);
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    let before = evidence_of(&h, &id).len();
    h.key(KeyCode::F(7));
    let path = temp_file(
        "paused",
        "证书.pdf",
        &crate::service::demo::demo_pdf(&["证书"]),
    );
    let online = h.app.client.clone();
    h.app.client = unreachable();
    h.type_text(&path.display().to_string());
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("连接中断"), "{s}");
    snap(&mut h, "evidence_paused_zh");
    h.app.client = online;
    h.key(KeyCode::F(9));
    assert_eq!(evidence_of(&h, &id).len(), before + 1);
    remove_files("paused");
}

// ---------------------------------------------------------------------------------------------
// Major changes
// ---------------------------------------------------------------------------------------------

#[test]
fn changes_list_with_a_type_filter_and_the_detail_with_the_rule() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "hz_tianmu");
        open_ws(&mut h, "changes");
        let s = h.screen(120, 40);
        assert!(s.contains("2025-11-16"), "{s}");
        snap(&mut h, &format!("changes_{}", lang_name(lang)));
        // 更名: none of that type
        h.key(KeyCode::Char('t'));
        let s = h.screen(120, 40);
        assert!(!s.contains("2025-11-16"), "{s}");
        // … 设立境外分支机构 (the fifth type) shows it again
        for _ in 0..4 {
            h.key(KeyCode::Char('t'));
        }
        assert!(h.shows("2025-11-16"));
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("2026-02-16"), "the deadline: {s}");
        assert!(s.contains("逾期") || s.contains("late"), "{s}");
        snap(&mut h, &format!("change_detail_{}", lang_name(lang)));
    }
}

#[test]
fn a_new_change_explains_the_three_month_rule_is_saved_edited_and_deleted() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "sz_guangchi");
        open_ws(&mut h, "changes");
        h.key(KeyCode::Char('n'));
        h.key(KeyCode::Right); // 更名
        h.key(KeyCode::Tab);
        h.type_text("2025-12-01");
        h.key(KeyCode::Tab);
        h.type_text("深圳光驰光电科技有限公司");
        h.key(KeyCode::Tab);
        h.type_text("深圳光驰光电集团有限公司");
        h.key(KeyCode::Tab);
        h.type_text("经股东会决议更名。");
        let s = h.screen(120, 40);
        assert!(s.contains("2026-03-01"), "the deadline is explained: {s}");
        snap(&mut h, &format!("change_new_late_{}", lang_name(lang)));
        h.ctrl('s');
        let c = h.app.client.clone();
        let list = h.rt.block_on(async move { c.changes("").await }).unwrap();
        let item = &list["items"][0];
        assert_eq!(item["kind"], "rename");
        assert_eq!(item["item"]["state"]["state"], "draft");
        assert_eq!(item["before"], "深圳光驰光电科技有限公司");
        assert_eq!(item["after"], "深圳光驰光电集团有限公司");
        assert_eq!(item["description"], "经股东会决议更名。");
        // back to the list, open it, edit, then delete the draft
        h.key(KeyCode::Esc);
        h.key(KeyCode::Enter);
        assert!(h.shows("深圳光驰光电集团有限公司"));
        h.key(KeyCode::Char('e'));
        h.key(KeyCode::Tab);
        for _ in 0..10 {
            h.key(KeyCode::Backspace);
        }
        h.type_text("2026-03-01");
        h.ctrl('s');
        h.key(KeyCode::Esc);
        assert!(h.shows("2026-06-01"), "{}", h.screen(120, 40));
        h.key(KeyCode::Char('d'));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let c = h.app.client.clone();
        let list = h.rt.block_on(async move { c.changes("").await }).unwrap();
        assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    }
}

#[test]
fn a_change_is_submitted_after_the_confirmation() {
    let mut h = as_user(Lang::Zh, "sz_guangchi");
    open_ws(&mut h, "changes");
    h.key(KeyCode::Char('n'));
    h.key(KeyCode::F(9));
    // the type and the date are asked for first, nothing is sent
    assert!(h.shows("请选择变更类型"), "{}", h.screen(120, 40));
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.type_text("2026-04-01");
    for _ in 0..3 {
        h.key(KeyCode::Tab);
    }
    h.type_text("更名");
    h.key(KeyCode::F(9));
    // a rename states the names before and after: the form says so under the fields before
    // anything is sent, and nothing typed is lost
    let s = h.screen(120, 40);
    assert!(!s.contains("提交重大变更报告？"), "{s}");
    assert!(s.contains("请填写变更前的情况"), "{s}");
    assert!(s.contains("请填写变更后的情况"), "{s}");
    assert!(s.contains("更名"), "{s}");
    snap(&mut h, "change_before_missing_zh");
    let c = h.app.client.clone();
    let list = h.rt.block_on(async move { c.changes("").await }).unwrap();
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    // the cursor is on the first field in error
    h.type_text("深圳光驰光电科技有限公司");
    h.key(KeyCode::Tab);
    h.type_text("深圳光驰光电集团有限公司");
    h.key(KeyCode::F(9));
    assert!(h.shows("提交重大变更报告？"), "{}", h.screen(120, 40));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    let c = h.app.client.clone();
    let list = h.rt.block_on(async move { c.changes("").await }).unwrap();
    let item = &list["items"][0];
    assert_eq!(item["item"]["state"]["state"], "submitted", "{item}");
    assert_eq!(item["late"], false);
}

/// The marks in front of 变更前 and 变更后 (`*` when required) on a screen of the form.
fn before_after_marks(s: &str) -> Vec<bool> {
    ["变更前 ", "变更后 "]
        .iter()
        .map(|label| {
            let line = s
                .lines()
                .find(|l| l.contains(label) && !l.contains('：'))
                .unwrap_or_else(|| panic!("no {label} field: {s}"));
            line.split(label).next().unwrap_or_default().contains('*')
        })
        .collect()
}

#[test]
fn before_and_after_are_marked_required_exactly_for_the_types_that_need_them() {
    let mut h = as_user(Lang::Zh, "sz_guangchi");
    open_ws(&mut h, "changes");
    h.key(KeyCode::Char('n'));
    // no type yet: not required
    assert_eq!(before_after_marks(&h.screen(120, 40)), [false, false]);
    // 更名 … 设立境外分支机构: required; 其他: not
    for kind in [
        "更名",
        "合并",
        "重组",
        "跨省迁移",
        "设立境外分支机构",
        "其他",
    ] {
        h.key(KeyCode::Right);
        let s = h.screen(120, 40);
        assert!(s.contains(&format!("< {kind} >")), "{kind}: {s}");
        let needed = kind != "其他";
        assert_eq!(before_after_marks(&s), [needed, needed], "{kind}: {s}");
        if kind == "更名" {
            snap(&mut h, "change_before_after_required_zh");
        }
    }
    snap(&mut h, "change_before_after_optional_zh");
    // 其他 goes without them: submitting asks for confirmation, nothing about before/after
    h.key(KeyCode::Tab);
    h.type_text("2026-04-01");
    for _ in 0..3 {
        h.key(KeyCode::Tab);
    }
    h.type_text("股权结构调整。");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("提交重大变更报告？"), "{s}");
    assert!(!s.contains("请填写变更前"), "{s}");
}

#[test]
fn an_edit_of_a_change_changed_meanwhile_reloads_and_keeps_what_was_typed() {
    let mut h = as_user(Lang::Zh, "sz_guangchi");
    let c = h.app.client.clone();
    let body = |before: &str| {
        serde_json::json!({
            "kind": "rename", "change_date": "2026-04-01",
            "before": before, "after": "深圳光驰光电集团有限公司", "description": "更名。"
        })
    };
    let created =
        h.rt.block_on({
            let c = c.clone();
            let b = body("深圳光驰光电科技有限公司");
            async move { c.create_change(&b).await }
        })
        .unwrap();
    let id = created.value["item"]["id"].as_str().unwrap().to_string();
    open_ws(&mut h, "changes");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    assert!(h.shows("深圳光驰光电科技有限公司"));
    // the description is typed while someone else corrects 变更前 (version 1 → 2)
    for _ in 0..4 {
        h.key(KeyCode::Tab);
    }
    h.type_text("经股东会决议。");
    h.rt.block_on({
        let (c, id) = (c.clone(), id.clone());
        let b = body("深圳市光驰光电科技有限公司");
        async move { c.edit_change(&id, 1, &b).await }
    })
    .unwrap();
    h.ctrl('s');
    let s = h.screen(120, 40);
    assert!(s.contains("已载入最新版本（第 2 版）"), "{s}");
    assert!(
        s.contains("更名。经股东会决议。"),
        "what was typed stays: {s}"
    );
    assert!(
        s.contains("深圳市光驰光电科技有限公司"),
        "the untouched field: {s}"
    );
    snap(&mut h, "change_conflict_zh");
    // saving again stands on version 2 and keeps both changes
    h.ctrl('s');
    let now =
        h.rt.block_on(async move { c.change_detail(&id).await })
            .unwrap();
    assert_eq!(now.version, Some(3), "{}", h.screen(120, 40));
    assert_eq!(now.value["change"]["before"], "深圳市光驰光电科技有限公司");
    assert_eq!(now.value["change"]["description"], "更名。经股东会决议。");
}

// ---------------------------------------------------------------------------------------------
// Certifications and 复核
// ---------------------------------------------------------------------------------------------

#[test]
fn certifications_show_validity_and_a_flagged_one_applies_for_review() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_jinpeng");
        open_ws(&mut h, "expiry");
        let s = h.screen(120, 40);
        assert!(s.contains("2026-06-15"), "{s}");
        snap(&mut h, &format!("certs_{}", lang_name(lang)));
        h.key(KeyCode::F(9));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let c = h.app.client.clone();
        let st =
            h.rt.block_on(async move { c.reexam_status().await })
                .unwrap();
        assert_eq!(st[0]["application"]["state"]["state"], "submitted", "{st}");
        // the server offers the withdrawal of the submitted application, and the screen with it
        let s = h.screen(120, 40);
        assert!(s.contains("w 撤回") || s.contains("w withdraw"), "{s}");
        snap(&mut h, &format!("certs_applied_{}", lang_name(lang)));
        h.key(KeyCode::Char('w'));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let c = h.app.client.clone();
        let st =
            h.rt.block_on(async move { c.reexam_status().await })
                .unwrap();
        assert_eq!(st[0]["application"]["state"]["state"], "withdrawn", "{st}");
        // a withdrawn application is applied for again, not withdrawn
        let s = h.screen(120, 40);
        assert!(!s.contains("w 撤回") && !s.contains("w withdraw"), "{s}");
        h.key(KeyCode::F(9));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        // Enter opens the declaration that granted it, with its history
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("2023"), "{s}");
    }
}

#[test]
fn without_the_flag_review_cannot_be_applied_for_and_the_screen_says_why() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "hz_tianmu");
        open_ws(&mut h, "expiry");
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        assert!(
            s.contains("暂不能申请复核") || s.contains("cannot apply for review"),
            "{s}"
        );
        assert!(
            s.contains("3个月") || s.contains("major change"),
            "the late change: {s}"
        );
        snap(&mut h, &format!("certs_not_flagged_{}", lang_name(lang)));
        let c = h.app.client.clone();
        let st =
            h.rt.block_on(async move { c.reexam_status().await })
                .unwrap();
        assert!(st[0]["application"].is_null());
    }
}

// ---------------------------------------------------------------------------------------------
// Info update
// ---------------------------------------------------------------------------------------------

#[test]
fn the_info_update_is_started_saved_submitted_and_withdrawn() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "hz_shuzhi");
        open_ws(&mut h, "info_update");
        snap(&mut h, &format!("update_due_{}", lang_name(lang)));
        h.key(KeyCode::Char('n'));
        let s = h.screen(120, 40);
        // the form holds the enterprise's current data
        assert!(s.contains("2026-01-01"), "{s}");
        // employees: the seventh field
        for _ in 0..6 {
            h.key(KeyCode::Tab);
        }
        for _ in 0..6 {
            h.key(KeyCode::Backspace);
        }
        h.type_text("64");
        snap(&mut h, &format!("update_form_{}", lang_name(lang)));
        h.ctrl('s');
        let c = h.app.client.clone();
        let st =
            h.rt.block_on(async move { c.update_status().await })
                .unwrap();
        let id = st["current"]["id"].as_str().unwrap().to_string();
        let c = h.app.client.clone();
        let i = id.clone();
        let d =
            h.rt.block_on(async move { c.update_detail(&i).await })
                .unwrap();
        assert_eq!(
            d.value["changes"],
            serde_json::json!({"employees": 64}),
            "only the change"
        );
        h.key(KeyCode::F(9));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Esc); // the toast
        let c = h.app.client.clone();
        let i = id.clone();
        let d =
            h.rt.block_on(async move { c.update_detail(&i).await })
                .unwrap();
        assert_eq!(d.value["item"]["state"]["state"], "submitted");
        h.key(KeyCode::Char('w'));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let c = h.app.client.clone();
        let d =
            h.rt.block_on(async move { c.update_detail(&id).await })
                .unwrap();
        assert_eq!(d.value["item"]["state"]["state"], "withdrawn");
        // the form again, now to be resubmitted (the server offers `resubmit`)
        let s = h.screen(120, 40);
        assert!(s.contains("重新提交") || s.contains("resubmit"), "{s}");
        snap(&mut h, &format!("update_withdrawn_{}", lang_name(lang)));
    }
}

#[test]
fn a_submitted_update_offers_no_form_and_withdraws_only_as_offered() {
    let mut h = as_user(Lang::Zh, "hz_shuzhi");
    open_ws(&mut h, "info_update");
    h.key(KeyCode::Char('n'));
    h.key(KeyCode::F(9));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc); // the toast
    let s = h.screen(120, 40);
    assert!(s.contains("w 撤回"), "withdraw is offered: {s}");
    assert!(
        !s.contains("Ctrl-s/F2"),
        "no form for a submitted update: {s}"
    );
    // a reviewer claims it: nothing is offered any more, and `w` says why
    let c = h.app.client.clone();
    let st =
        h.rt.block_on(async move { c.update_status().await })
            .unwrap();
    let id = st["current"]["id"].as_str().unwrap().to_string();
    let v = st["current"]["version"].as_i64().unwrap();
    let svc = h.service.clone();
    h.rt.block_on(async move {
        let rev = ApiClient::in_process(svc);
        rev.login("zj_prov", "Demo-2025!").await.unwrap();
        rev.decide(&id, v, "claim", None).await.unwrap();
    });
    h.key(KeyCode::Esc);
    open_ws(&mut h, "info_update");
    let s = h.screen(120, 40);
    assert!(!s.contains("w 撤回"), "{s}");
    h.key(KeyCode::Char('w'));
    let s = h.screen(120, 40);
    assert!(s.contains("当前状态"), "{s}");
}

#[test]
fn an_update_not_due_says_why() {
    let mut h = as_user(Lang::En, "gz_jinpeng");
    open_ws(&mut h, "info_update");
    let s = h.screen(120, 40);
    assert!(s.contains("is done"), "{s}");
    snap(&mut h, "update_done_en");
}

#[test]
fn the_navigation_of_a_legal_account_lists_the_four_entries() {
    let mut h = as_user(Lang::Zh, "bj_zhixin");
    let s = h.screen(80, 24);
    for e in ["企业申报信息", "企业重大变更", "认证到期管理", "信息更新"] {
        assert!(s.contains(e), "{s}");
    }
    // a reviewer has none of them
    let mut r = as_user(Lang::Zh, "gz_city");
    assert!(!r.shows("企业申报信息"));
}

#[test]
fn a_draft_declaration_never_submitted_can_be_deleted() {
    let mut h = as_user(Lang::Zh, "bj_zhixin");
    open_ws(&mut h, "declarations");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('d'));
    assert!(h.shows("删除暂存申报？"), "{}", h.screen(120, 40));
    // the safe answer is first: Enter alone keeps it
    h.key(KeyCode::Enter);
    assert_eq!(declarations(&h).len(), 1);
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    assert!(declarations(&h).is_empty());
    // back on the list, which says how to declare
    h.key(KeyCode::Esc); // the toast
    assert!(h.shows("还没有申报"), "{}", h.screen(120, 40));
}

#[test]
fn a_save_over_a_newer_version_says_who_changed_it_and_keeps_the_text() {
    let mut h = zhixin_form(Lang::Zh);
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    // the same enterprise saves it from another session meanwhile
    let other = h.app.client.another();
    let i = id.clone();
    h.rt.block_on(async move {
        other.login("bj_zhixin", "Demo-2025!").await.unwrap();
        let d = other.declaration(&i).await.unwrap();
        let inputs = d.value["inputs"].clone();
        other
            .save_declaration(&i, d.version.unwrap(), &inputs)
            .await
            .unwrap();
    });
    for _ in 0..6 {
        h.key(KeyCode::Tab);
    }
    h.type_text("55");
    h.ctrl('s');
    let s = h.screen(120, 40);
    assert!(s.contains("55"), "{s}");
    assert!(s.contains("Ctrl-S"), "how to go on: {s}");
    assert!(declaration(&h, &id)["inputs"]["equity_3y"].is_null());
    // saving again stores what is on the screen
    h.ctrl('s');
    assert_eq!(
        declaration(&h, &id)["inputs"]["equity_3y"].as_f64(),
        Some(55.0)
    );
}

// ---------------------------------------------------------------------------------------------
// Past 复核 applications and info updates
// ---------------------------------------------------------------------------------------------

#[test]
fn review_applications_are_listed_with_the_last_reason_and_open_with_their_history() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_jinpeng");
        open_ws(&mut h, "expiry");
        // apply, then the county returns it with a reason
        h.key(KeyCode::F(9));
        h.key(KeyCode::Tab);
        h.key(KeyCode::Enter);
        let c = h.app.client.clone();
        let st =
            h.rt.block_on(async move { c.reexam_status().await })
                .unwrap();
        let app = st[0]["application"].clone();
        let id = app["id"].as_str().unwrap().to_string();
        let rev = h.app.client.another();
        let i = id.clone();
        h.rt.block_on(async move {
            rev.login("th_county", "Demo-2025!").await.unwrap();
            rev.decide(
                &i,
                app["version"].as_i64().unwrap(),
                "return",
                Some("请补充近三年研发费用专项审计报告。"),
            )
            .await
            .unwrap();
        });
        h.key(KeyCode::Char('h'));
        let s = h.screen(120, 40);
        assert!(s.contains("请补充近三年研发费用专项审计报告"), "{s}");
        assert!(s.contains("已退回") || s.contains("Returned"), "{s}");
        snap(&mut h, &format!("reexam_history_{}", lang_name(lang)));
        // Enter opens it: who did what, when and why
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("林国栋"), "the reviewer's name: {s}");
        assert!(s.contains("2026-06-15"), "the period under review: {s}");
        assert!(s.contains("请补充近三年研发费用专项审计报告"), "{s}");
        snap(&mut h, &format!("reexam_detail_{}", lang_name(lang)));
        // Esc goes back to the list
        h.key(KeyCode::Esc);
        let s = h.screen(120, 40);
        assert!(
            s.contains("所选记录") || s.contains("Selected"),
            "the list with the pane: {s}"
        );
    }
}

#[test]
fn past_info_updates_show_their_outcome_and_open_with_their_changes_and_history() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = as_user(lang, "gz_jinpeng");
        open_ws(&mut h, "info_update");
        let s = h.screen(120, 40);
        assert!(
            s.contains("往年信息更新：") || s.contains("Earlier info updates:"),
            "{s}"
        );
        h.key(KeyCode::Char('h'));
        let s = h.screen(120, 40);
        assert!(s.contains("已通过") || s.contains("Approved"), "{s}");
        snap(&mut h, &format!("update_history_{}", lang_name(lang)));
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(
            s.contains("更新内容") || s.contains("Changes"),
            "the changes it proposed: {s}"
        );
        assert!(s.contains("办理记录") || s.contains("History"), "{s}");
        snap(
            &mut h,
            &format!("update_history_detail_{}", lang_name(lang)),
        );
    }
}

#[test]
fn chunks_follow_the_link_speed() {
    use super::evidence::next_chunk;
    use std::time::Duration;
    // 128 kbit/s: 16 000 B/s × 5 s, in 16 KiB steps
    assert_eq!(
        next_chunk(128 * 1024, Duration::from_secs_f64(8.192)),
        64 * 1024
    );
    // a LAN: the largest chunk; an instant answer too
    assert_eq!(next_chunk(4 << 20, Duration::from_millis(40)), 4 << 20);
    assert_eq!(next_chunk(1, Duration::ZERO), 32 * 1024);
    assert_eq!(next_chunk(1 << 20, Duration::ZERO), 4 << 20);
    // a crawling link: never below 32 KiB
    assert_eq!(next_chunk(32 * 1024, Duration::from_secs(60)), 32 * 1024);
    // the edges of a step: 16 KiB × 5 exactly, and one byte per second less
    assert_eq!(next_chunk(16 * 1024 * 3, Duration::from_secs(3)), 80 * 1024);
    assert_eq!(
        next_chunk(16 * 1024 * 3 - 3, Duration::from_secs(3)),
        64 * 1024
    );
}

#[test]
fn keys_typed_before_a_screen_has_loaded_wait_for_it() {
    // on a slow link: Enter opens the detail, `e` the form, and two digits go into its first
    // field, all typed before the server has answered once
    let mut h = as_user(Lang::Zh, "bj_zhixin");
    open_ws(&mut h, "declarations");
    let id = declarations(&h)[0]["id"].as_str().unwrap().to_string();
    let revenue = declaration(&h, &id)["inputs"]["revenue_y1"]
        .as_f64()
        .expect("bj_zhixin's draft has a revenue");
    h.keys_ahead(&[
        KeyCode::Enter,
        KeyCode::Char('e'),
        KeyCode::Char('7'),
        KeyCode::Char('7'),
    ]);
    let s = h.screen(120, 40);
    assert!(s.contains("申报表"), "the form is open: {s}");
    let typed = format!("{}77", super::score::points(revenue));
    assert!(
        s.lines()
            .any(|l| l.contains("上年度营业收入") && l.contains(&typed)),
        "{typed} in the first field: {s}"
    );
}

#[test]
fn going_back_while_a_screen_loads_drops_what_was_typed_ahead() {
    let mut h = as_user(Lang::Zh, "bj_zhixin");
    open_ws(&mut h, "declarations");
    let depth = h.app.depth();
    // the detail, `e` for its form, then back and into the detail again
    h.keys_ahead(&[
        KeyCode::Enter,
        KeyCode::Char('e'),
        KeyCode::Esc,
        KeyCode::Enter,
    ]);
    // the `e` went with the Esc: the detail is open, not the form
    assert_eq!(h.app.depth(), depth + 1);
    assert!(h.shows("申报详情"), "{}", h.screen(80, 24));
    assert!(!h.shows("申报表"), "{}", h.screen(80, 24));
}

#[test]
fn the_history_list_loads_the_next_page_when_the_cursor_reaches_the_end() {
    use super::history::{ApplicationHistory, Kind};
    let mut h = as_user(Lang::Zh, "gz_jinpeng");
    let list = ApplicationHistory::new(&h.app.ui, Kind::Update).with_page_size(2);
    let account = h.app.session.account.clone();
    h.restart_on(Box::new(list));
    h.app.session.account = account;
    // the first page: 2026 and 2025, and there is more
    let s = h.screen(120, 40);
    assert!(s.contains("2026") && s.contains("2025-03-15"), "{s}");
    assert!(!s.contains("2024-03-15"), "only the first page: {s}");
    assert!(s.contains("更多…"), "{s}");
    snap(&mut h, "update_history_more_zh");
    // the cursor on the last loaded row fetches the next page; that was the last one
    h.key(KeyCode::Char('j'));
    let s = h.screen(120, 40);
    assert!(s.contains("2024-03-15"), "the next page: {s}");
    assert!(!s.contains("更多…") && !s.contains("正在载入"), "{s}");
    h.key(KeyCode::Char('j'));
    let s = h.screen(120, 40);
    assert!(s.contains("3/3"), "{s}");
}

//! Screen tests of the reviewer console: snapshots at 80×24 and 120×40 in both languages, and
//! what a reviewer does with the keys — decisions stored through the API, refusals under the
//! right field, conflicts with another reviewer, bulk results per item, exports that match the
//! queue.

use super::queue::{PAGE, QueueRows};
use crate::client::ApiClient;
use crate::domain::Lang;
use crate::tui::testing::Harness;
use crate::tui::widgets::table::RowSource;
use crossterm::event::KeyCode;
use serde_json::{Value, json};

fn snap(h: &mut Harness, name: &str) {
    for (w, hh) in [(80, 24), (120, 40)] {
        let screen = h.screen(w, hh);
        insta::assert_snapshot!(format!("{name}_{w}x{hh}"), screen);
    }
}

/// Logs in and opens the declaration queue (the first entry of a reviewer's home).
fn open_queue(lang: Lang, login: &str) -> Harness {
    let mut h = Harness::demo(lang);
    h.login(login);
    h.key(KeyCode::Char('1'));
    h
}

/// Another API client on the same data, logged in as `login`.
fn other(h: &Harness, login: &str) -> ApiClient {
    let c = h.app.client.another();
    h.rt.block_on(c.login(login, "Demo-2025!")).expect("log-in");
    c
}

/// A second city reviewer for 广州 (王芳), created by the ministry admin.
fn second_reviewer(h: &Harness) -> ApiClient {
    let admin = other(h, "mi_admin");
    h.rt.block_on(admin.create_staff(&json!({
        "kind": "reviewer", "level": "city", "region_code": "440100",
        "login_name": "gz_city2", "display_name": "王芳", "password": "Demo-2025!",
        "phone": "13900000099"
    })))
    .expect("create a reviewer");
    other(h, "gz_city2")
}

/// The declarations waiting for gz_city, as the API lists them.
fn api_queue(h: &Harness, query: &str) -> Vec<Value> {
    let c = h.app.client.clone();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("{query}&limit=200");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={}", super::queue::encode(c)));
        }
        let page = h.rt.block_on(c.queue(&q)).expect("queue");
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => return out,
        }
    }
}

fn item(h: &Harness, id: &str) -> Value {
    h.rt.block_on(h.app.client.review_item(id))
        .expect("item")
        .value
}

/// Adds `n` 专精特新 declarations of 广州 enterprises waiting at city level (after the demo's
/// one), named `{prefix}NNN有限公司`; returns their ids in queue order.
fn add_declarations(h: &Harness, n: usize, prefix: &str) -> Vec<String> {
    let svc = h.service.clone();
    let prefix = prefix.to_string();
    h.rt.block_on(async move {
        let mut w = svc.write().await.expect("write");
        let mut ids = Vec::new();
        for i in 0..n {
            let id = format!("01ff0000-0000-7000-8000-{i:012}");
            sqlx::query(
                "INSERT INTO items (id, kind, enterprise_id, tier, batch, ruleset, state, level, \
                 chain, version, ever_submitted, reviewer_acted, score, qualifies, submitted_at, \
                 created_at, updated_at, enterprise_name, uscc, county_code, city_code, \
                 authority_code) \
                 SELECT $1, 'declaration', id, 'specialized', 2026, '2022', 'submitted', 'city', \
                 '[\"county\",\"city\",\"province\"]', 2, 1, 1, $2, 1, $3, $3, $4, $5, $6, \
                 '440106', '440100', '440000' FROM enterprises WHERE uscc = '91440106MA5D8KQ1XQ'",
            )
            .bind(&id)
            .bind(60.0 + (i % 40) as f64)
            .bind(1_776_000_000_000_i64)
            .bind(1_800_000_000_000_i64 + i as i64)
            .bind(format!("{prefix}{i:03}有限公司"))
            .bind(format!("9144010600000{i:05}"))
            .execute(&mut *w)
            .await
            .expect("insert");
            ids.push(id);
        }
        w.commit().await.expect("commit");
        ids
    })
}

#[test]
fn gz_city_sees_huake_waiting_at_city_level() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open_queue(lang, "gz_city");
        let s = h.screen(80, 24);
        assert!(s.contains("广州华科精密机械有"), "{s}");
        assert!(s.contains("91440106MA5D8KQ1XQ"), "{s}");
        assert!(
            s.contains("市级") || s.contains("City"),
            "the current level is shown: {s}"
        );
        let wide = h.screen(120, 40);
        // the region below the reviewer's own (广州市): the district
        assert!(wide.contains("天河区"), "{wide}");
        snap(&mut h, &format!("queue_gz_city_{lang:?}"));
    }
}

#[test]
fn the_detail_shows_figures_score_breakdown_evidence_and_history() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open_queue(lang, "gz_city");
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(s.contains("林志明"), "{s}");
        snap(&mut h, &format!("detail_overview_{lang:?}"));
        h.key(KeyCode::Tab);
        let s = h.screen(120, 40);
        // the gates with the figures that decided them, each indicator's figure, band, points
        assert!(s.contains("784"), "{s}");
        assert!(
            s.contains("91.86%") && s.contains("≥80%") && s.contains("5/5"),
            "{s}"
        );
        snap(&mut h, &format!("detail_score_{lang:?}"));
        h.key(KeyCode::Tab);
        let s = h.screen(120, 40);
        assert!(s.contains("营业执照副本.pdf"), "{s}");
        h.key(KeyCode::Tab);
        let s = h.screen(120, 40);
        assert!(s.contains("初审通过，同意推荐至市级。"), "{s}");
        snap(&mut h, &format!("detail_history_{lang:?}"));
    }
}

#[test]
fn pass_with_a_note_moves_huake_on_to_the_province() {
    let mut h = open_queue(Lang::Zh, "gz_city");
    let id = api_queue(&h, "kind=declaration")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.key(KeyCode::Char('a'));
    // the template field first, then the note
    h.key(KeyCode::Tab);
    h.type_text("材料齐全，同意推荐至省级。");
    h.key(KeyCode::F(9));
    let s = h.screen(80, 24);
    assert!(s.contains("已通过"), "{s}");
    let v = item(&h, &id);
    assert_eq!(
        v["item"]["state"],
        json!({"state": "submitted", "level": "province"})
    );
    let history = v["history"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(last["action"], "pass");
    assert_eq!(last["actor_name"], "郑伟");
    assert_eq!(last["reason"], "材料齐全，同意推荐至省级。");
    // the row in the queue shows where it went
    assert!(h.screen(120, 40).contains("省级"));
}

#[test]
fn return_without_a_reason_is_refused_under_the_reason_field() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open_queue(lang, "gz_city");
        let id = api_queue(&h, "kind=declaration")[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        h.key(KeyCode::Char('r'));
        h.key(KeyCode::F(9));
        let s = h.screen(80, 24);
        let msg = if lang == Lang::Zh {
            "请填写退回理由。"
        } else {
            "Enter the reason for returning it."
        };
        assert!(s.contains(msg), "{s}");
        // nothing stored
        assert_eq!(
            item(&h, &id)["item"]["state"],
            json!({"state": "submitted", "level": "city"})
        );
        snap(&mut h, &format!("return_refused_{lang:?}"));
        // typing a reason and sending it works, the text typed is kept meanwhile
        h.type_text("请补充审计报告");
        h.key(KeyCode::F(9));
        assert_eq!(item(&h, &id)["item"]["state"]["state"], "returned");
    }
}

#[test]
fn templates_fill_the_reason_but_never_replace_typed_text() {
    let mut h = open_queue(Lang::Zh, "gz_city");
    h.key(KeyCode::Char('r'));
    // the first default return template
    h.key(KeyCode::Right);
    let s = h.screen(120, 40);
    assert!(
        s.contains("证明材料不完整，请补充上传相关证明材料后重新提交。"),
        "{s}"
    );
    // edit the text: another template no longer replaces it
    h.key(KeyCode::Tab);
    h.type_text("另：");
    h.key(KeyCode::BackTab);
    h.key(KeyCode::Right);
    let s = h.screen(120, 40);
    // the option shows the second template, the text is still the first one with the addition
    assert!(s.contains("财务数据与审计报告不一致"), "{s}");
    assert!(s.contains("另："), "{s}");
    assert!(s.contains("证明材料不完整"), "{s}");
    // Esc keeps it: asking again brings it back
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('r'));
    assert!(h.screen(120, 40).contains("另："));
}

#[test]
fn a_second_reviewer_acting_first_is_shown_and_the_item_reloaded() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = open_queue(lang, "gz_city");
        h.key(KeyCode::Enter);
        let rival = second_reviewer(&h);
        let id = api_queue(&h, "kind=declaration")[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        h.rt.block_on(rival.decide(&id, 4, "pass", Some("同意。")))
            .expect("the rival passes");
        // our reviewer, still looking at version 4, returns it
        h.key(KeyCode::Char('r'));
        h.key(KeyCode::Tab);
        h.type_text("请补充材料");
        h.key(KeyCode::F(9));
        let s = h.screen(120, 40);
        assert!(s.contains("王芳"), "who acted first: {s}");
        assert!(
            s.contains("没有生效") || s.contains("not recorded"),
            "plainly: {s}"
        );
        // reloaded: the new state and version
        assert!(s.contains("省级") || s.contains("Province"), "{s}");
        assert!(s.contains("版本 5") || s.contains("v5"), "reloaded: {s}");
        assert_eq!(item(&h, &id)["item"]["state"]["level"], "province");
        snap(&mut h, &format!("conflict_{lang:?}"));
    }
}

#[test]
fn bulk_pass_reports_each_item_with_the_conflicting_one_named() {
    let mut h = Harness::demo(Lang::Zh);
    let ids = add_declarations(&h, 3, "广州批量测试");
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    assert!(h.shows("共 4 项"));
    // select the three added ones (rows 2–4)
    h.key(KeyCode::Down);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    assert!(h.shows("已选 3 项"));
    // meanwhile another reviewer returns the second one
    let rival = second_reviewer(&h);
    h.rt.block_on(rival.decide(&ids[1], 2, "return", Some("请补充材料。")))
        .expect("the rival returns");
    h.key(KeyCode::Char('a'));
    assert!(h.shows("批量通过已选的 3 项"));
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("成功 2 项，未成功 1 项"), "{s}");
    assert!(s.contains("王芳"), "{s}");
    snap(&mut h, "bulk_results_Zh");
    for (i, id) in ids.iter().enumerate() {
        let v = item(&h, id);
        let want = if i == 1 { "returned" } else { "submitted" };
        assert_eq!(v["item"]["state"]["state"], want, "{i}");
        if i != 1 {
            assert_eq!(v["item"]["state"]["level"], "province");
        }
    }
    // back in the queue: reloaded, the selection cleared
    h.key(KeyCode::Esc);
    let s = h.screen(120, 40);
    assert!(!s.contains("已选"), "{s}");
}

#[test]
fn bulk_reject_is_refused_with_a_reason() {
    let mut h = Harness::demo(Lang::En);
    add_declarations(&h, 2, "广州批量测试");
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    h.ctrl('a');
    h.key(KeyCode::Char('x'));
    assert!(h.shows("item by item"));
}

#[test]
fn export_writes_a_csv_whose_rows_match_the_filtered_queue() {
    let mut h = Harness::demo(Lang::Zh);
    add_declarations(&h, 5, "广州导出测试");
    add_declarations_more(&h);
    let dir = tempfile::tempdir().unwrap();
    h.app.session.download_dir = Some(dir.path().to_path_buf());
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    // type a filter: only the export test rows
    h.key(KeyCode::Char('/'));
    h.type_text("导出");
    h.key(KeyCode::Enter);
    assert!(h.shows("共 5 项"), "{}", h.screen(120, 40));
    h.key(KeyCode::Char('e'));
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("已导出 5 行"), "{s}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("企业名称,统一社会信用代码,类型")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let want = api_queue(
        &h,
        &format!("kind=declaration&text={}", super::queue::encode("导出")),
    );
    assert_eq!(rows.len(), want.len());
    for (r, w) in rows.iter().zip(&want) {
        assert_eq!(r[0], w["enterprise_name"].as_str().unwrap());
        assert_eq!(r[1], w["uscc"].as_str().unwrap());
        assert_eq!(r[2], "专精特新");
        assert_eq!(r[5], "待审核");
        assert_eq!(r[7], "市级");
    }
    // XLSX of the same view: a workbook (a zip container)
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('e'));
    h.key(KeyCode::Right);
    h.key(KeyCode::F(9));
    assert!(h.shows("已导出 5 行"));
    let xlsx: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    assert_eq!(xlsx.len(), 1);
    let bytes = std::fs::read(&xlsx[0]).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
}

/// Rows that the export filter must leave out.
fn add_declarations_more(h: &Harness) {
    let svc = h.service.clone();
    h.rt.block_on(async move {
        let mut w = svc.write().await.expect("write");
        sqlx::query(
            "INSERT INTO items (id, kind, enterprise_id, tier, batch, ruleset, state, level, \
             chain, version, ever_submitted, created_at, updated_at, enterprise_name, uscc, \
             county_code, city_code, authority_code) \
             SELECT '01ff0000-0000-7000-9000-000000000001', 'declaration', id, 'innovative', \
             2026, '2022', 'submitted', 'city', '[\"city\",\"province\"]', 2, 1, 1, 1, \
             '广州其他有限公司', '914401060000099999', '440106', '440100', '440000' \
             FROM enterprises WHERE uscc = '91440106MA5D8KQ1XQ'",
        )
        .execute(&mut *w)
        .await
        .expect("insert");
        w.commit().await.expect("commit");
    });
}

#[test]
fn the_filter_panel_shows_counts_and_narrows_the_queue() {
    let mut h = Harness::demo(Lang::Zh);
    add_declarations(&h, 2, "广州筛选测试");
    add_declarations_more(&h);
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    assert!(h.shows("共 4 项"));
    h.key(KeyCode::Char('f'));
    let s = h.screen(80, 24);
    assert!(s.contains("本级待办（4）"), "{s}");
    assert!(s.contains("全部类型（4）"), "{s}");
    // tier: 创新型 (one item)
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    let s = h.screen(80, 24);
    assert!(s.contains("创新型（1）"), "{s}");
    h.key(KeyCode::Right);
    assert!(h.shows("专精特新（3）"));
    h.key(KeyCode::Left);
    snap(&mut h, "filters_Zh");
    h.key(KeyCode::F(9));
    let s = h.screen(120, 40);
    assert!(s.contains("共 1 项"), "{s}");
    assert!(s.contains("广州其他有限公司"), "{s}");
    assert!(!s.contains("广州华科"), "{s}");
    // a state that has left the level: 已通过 (the demo approved one last year)
    h.key(KeyCode::Char('f'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Left);
    h.key(KeyCode::BackTab);
    for _ in 0..4 {
        h.key(KeyCode::Right);
    }
    h.key(KeyCode::F(9));
    let approved = api_queue(&h, "kind=declaration&state=approved");
    assert!(!approved.is_empty());
    let s = h.screen(120, 40);
    assert!(s.contains(&format!("共 {} 项", approved.len())), "{s}");
    let name = approved[0]["enterprise_name"].as_str().unwrap();
    let row = s
        .lines()
        .find(|l| l.contains(name))
        .expect("the approved row");
    assert!(row.contains("已通过"), "{row}");
}

#[test]
fn coming_back_from_a_detail_keeps_the_position_and_refreshes_the_row() {
    let mut h = Harness::demo(Lang::Zh);
    add_declarations(&h, 30, "广州位置测试");
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    for _ in 0..6 {
        h.key(KeyCode::Down);
    }
    assert!(h.shows("7/31"));
    h.key(KeyCode::Enter);
    assert!(h.shows("广州位置测试005有限公司"));
    h.key(KeyCode::Char('a'));
    h.key(KeyCode::F(9));
    // the detail closed after the decision: the queue is where it was, the row refreshed
    let s = h.screen(120, 40);
    assert!(s.contains("7/31"), "{s}");
    let line = s
        .lines()
        .find(|l| l.contains("广州位置测试005有限公司"))
        .unwrap();
    assert!(line.contains("省级"), "{line}");
}

#[test]
fn scrolling_loads_pages_by_cursor_and_end_reaches_the_last_row() {
    let mut h = Harness::demo(Lang::Zh);
    add_declarations(&h, 450, "广州分页测试");
    h.login("gz_city");
    h.key(KeyCode::Char('1'));
    assert!(h.shows("1/451"));
    h.key(KeyCode::End);
    let s = h.screen(120, 40);
    assert!(s.contains("451/451"), "{s}");
    assert!(s.contains("广州分页测试449有限公司"), "{s}");
    h.key(KeyCode::Home);
    assert!(h.shows("广州华科精密机械有限公司"));
    // the order turned round: the newest first
    h.key(KeyCode::Char('s'));
    let s = h.screen(120, 40);
    assert!(s.contains("最新在前"), "{s}");
    let first = s
        .lines()
        .find(|l| l.contains("广州分页测试"))
        .unwrap()
        .to_string();
    assert!(first.contains("广州分页测试449有限公司"), "{first}");
}

fn page_json(k: usize, n: usize, more: bool) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "id": format!("id-{k}-{i}"), "version": 1, "enterprise_name": format!("企业{k}-{i}"),
                "uscc": "91440106MA5D8KQ1XQ", "tier": "specialized",
                "state": {"state": "submitted", "level": "city"}, "region_name": "广东省 广州市 天河区",
                "submitted_at": "2026-04-01T02:00:00Z", "updated_at": "2026-04-02T02:00:00Z",
                "score": 80.0
            })
        })
        .collect();
    json!({"items": items, "next": if more { json!(format!("c{}", k + 1)) } else { Value::Null }})
}

#[test]
fn rows_fetch_the_missing_page_by_its_cursor_and_drop_far_ones() {
    let mut rows = QueueRows::new(Lang::Zh);
    assert_eq!(rows.next_fetch(0, 20), Some((0, None)));
    rows.set_total(1000);
    rows.apply_page(0, &page_json(0, PAGE, true));
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows.row(5)[0], "企业0-5");
    assert_eq!(rows.row(500), vec!["正在加载…".to_string()]);
    // the view near the end of page 0: page 1 is fetched ahead
    assert_eq!(rows.next_fetch(150, 170), Some((1, Some("c1".into()))));
    // a jump far ahead walks from the last known cursor
    assert_eq!(rows.next_fetch(900, 920), Some((1, Some("c1".into()))));
    rows.apply_page(1, &page_json(1, PAGE, true));
    assert_eq!(rows.next_fetch(900, 920), Some((2, Some("c2".into()))));
    rows.apply_page(2, &page_json(2, PAGE, true));
    rows.apply_page(3, &page_json(3, PAGE, true));
    rows.apply_page(4, &page_json(4, 50, false));
    // the real end is known: the counted size no longer matters
    assert_eq!(rows.len(), 850);
    assert_eq!(rows.next_fetch(830, 849), None);
    // far pages go, their cursors stay
    rows.evict(830, 849);
    assert!(!rows.is_loaded(0));
    assert!(rows.is_loaded(849));
    assert_eq!(rows.next_fetch(0, 20), Some((0, None)));
    rows.evict(0, 20);
    assert!(!rows.is_loaded(849));
    assert_eq!(rows.next_fetch(830, 849), Some((4, Some("c4".into()))));
}

#[test]
fn a_zip_of_evidence_lists_its_files_and_saves() {
    use sha2::Digest;
    use std::io::Write;
    let mut h = open_queue(Lang::Zh, "gz_city");
    let dir = tempfile::tempdir().unwrap();
    h.app.session.download_dir = Some(dir.path().to_path_buf());
    let item_id = api_queue(&h, "kind=declaration")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // a zip attached to 华科's declaration, straight into the store
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("营业执照.pdf", b"%PDF-1.4 licence".as_slice()),
        (
            "财务/2025年审计报告.pdf",
            b"%PDF-1.4 audit report".as_slice(),
        ),
    ] {
        w.start_file(name, opts).unwrap();
        w.write_all(body).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let blob = crate::service::uploads::blob_path(h.service.data_dir(), &sha);
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    let svc = h.service.clone();
    let size = bytes.len() as i64;
    h.rt.block_on(async move {
        let mut w = svc.write().await.unwrap();
        sqlx::query(
            "INSERT INTO evidence (id, item_id, name, sha256, size, content_type, created_at) \
             VALUES ('01ff0000-0000-7000-a000-000000000001', $1, '补充材料.zip', $2, $3, \
             'application/zip', 1900000000000)",
        )
        .bind(&item_id)
        .bind(&sha)
        .bind(size)
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
    });
    h.key(KeyCode::Enter);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert!(h.shows("补充材料.zip"));
    h.key(KeyCode::Enter);
    let s = h.screen(80, 24);
    assert!(s.contains("共 2 个文件"), "{s}");
    assert!(s.contains("财务/2025年审计报告.pdf"), "{s}");
    // back to the detail, save the zip itself
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('w'));
    let saved = dir.path().join("补充材料.zip");
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);
    assert!(h.shows("已保存到"));
}

#[test]
fn a_major_change_shows_its_type_date_before_and_after_in_the_overview() {
    for lang in [Lang::Zh, Lang::En] {
        let mut h = Harness::demo(lang);
        let firm = other(&h, "sz_guangchi");
        h.rt.block_on(async {
            let c = firm
                .create_change(&json!({
                    "kind": "rename", "change_date": "2026-04-01",
                    "before": "深圳光驰光电科技有限公司", "after": "深圳光驰光电集团有限公司",
                    "description": "经股东会决议更名。"
                }))
                .await
                .expect("create");
            let id = c.value["item"]["id"].as_str().unwrap().to_string();
            firm.change_action(&id, 1, "submit", None)
                .await
                .expect("submit");
        });
        h.login("sz_prov");
        h.key(KeyCode::Char('4'));
        h.key(KeyCode::Enter);
        let s = h.screen(120, 40);
        assert!(
            s.contains("深圳光驰光电科技有限公司") && s.contains("深圳光驰光电集团有限公司"),
            "{s}"
        );
        assert!(s.contains("经股东会决议更名。"), "{s}");
        snap(&mut h, &format!("change_overview_{lang:?}"));
    }
}

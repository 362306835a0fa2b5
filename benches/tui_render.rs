//! Frame cost of the virtual table (DESIGN.md §5): one frame of a 100 000-row queue at 120×40
//! (target ≤ 2 ms: only visible rows are built) and the bytes written to the terminal per
//! cursor move (target ≤ 400 bytes), and one frame of the reviewer's queue screen over 100 000
//! items loaded through its own row source (the pages of the API's answers). A plain timing
//! loop, no timed assertions: `cargo bench --bench tui_render`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Instant;
use zjtx::domain::Lang;
use zjtx::tui::Ui;
use zjtx::tui::screen::{Account, Screen};
use zjtx::tui::screens::review::queue::PAGE;
use zjtx::tui::screens::review::{QueueKind, QueueScreen};
use zjtx::tui::terminal::CjkBackend;
use zjtx::tui::widgets::table::{Column, FnSource, Table};

const ROWS: usize = 100_000;

fn columns() -> Vec<Column> {
    vec![
        Column::new("企业名称", 16, 34),
        Column::new("申报类型", 10, 18).priority(1),
        Column::new("状态", 8, 12),
        Column::new("当前层级", 8, 10).priority(2),
        Column::new("所在地区", 12, 22).priority(3),
        Column::new("营业收入", 10, 18).priority(4).right(),
        Column::new("提交时间", 10, 16).priority(5),
    ]
}

fn row(i: usize) -> Vec<String> {
    vec![
        format!("示例科技有限公司 {i:06}"),
        ["创新型", "专精特新", "小巨人"][i % 3].to_string(),
        ["待审核", "审核中", "已退回", "已通过"][i % 4].to_string(),
        ["区县", "市级", "省级", "部级"][i % 4].to_string(),
        "广东省 深圳市 南山区".to_string(),
        format!("{}.{}", i % 100_000, i % 10),
        format!("2025-03-{:02}", i % 28 + 1),
    ]
}

#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let ui = Ui::default();
    let source = FnSource { len: ROWS, row };
    let area = Rect::new(0, 0, 120, 40);

    // frame time: render into a buffer, moving through the queue
    let mut table = Table::new(columns()).with_multi_select();
    let mut buf = Buffer::empty(area);
    let frames = 2_000;
    let start = Instant::now();
    for i in 0..frames {
        table.set_cursor(i * 37 % ROWS, ROWS);
        buf.reset();
        table.render(area, &mut buf, &ui, &source);
    }
    let per_frame = start.elapsed() / frames as u32;
    println!("table 120x40, {ROWS} rows: {per_frame:?} per frame (target ≤ 2 ms)");

    // bytes per cursor move through a real backend
    let out = Shared::default();
    let mut term = Terminal::with_options(
        CjkBackend::new(out.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )
    .expect("terminal");
    let mut table = Table::new(columns());
    term.draw(|f| table.render(f.area(), f.buffer_mut(), &ui, &source))
        .expect("draw");
    out.0.borrow_mut().clear();
    let moves = 20;
    for _ in 0..moves {
        table.move_by(1, ROWS);
        term.draw(|f| table.render(f.area(), f.buffer_mut(), &ui, &source))
            .expect("draw");
    }
    let bytes = out.0.borrow().len() / moves;
    if std::env::var_os("DUMP").is_some() {
        out.0.borrow_mut().clear();
        table.move_by(1, ROWS);
        term.draw(|f| table.render(f.area(), f.buffer_mut(), &ui, &source))
            .expect("draw");
        println!("{:?}", String::from_utf8_lossy(&out.0.borrow()));
    }
    println!("cursor move at 120x40: {bytes} bytes per move (target ≤ 400)");
    table.half_page_down(ROWS);
    out.0.borrow_mut().clear();
    term.draw(|f| table.render(f.area(), f.buffer_mut(), &ui, &source))
        .expect("draw");
    println!("half-page move at 120x40: {} bytes", out.0.borrow().len());

    queue_screen(&ui);
}

/// A queue page as the API answers it (`{items, next}`), with synthetic rows.
fn queue_page(k: usize) -> serde_json::Value {
    let items: Vec<serde_json::Value> = (0..PAGE)
        .map(|i| {
            let n = k * PAGE + i;
            let tier = ["innovative", "specialized", "little_giant"][n % 3];
            serde_json::json!({
                "id": format!("01ff0000-0000-7000-8000-{n:012}"),
                "version": 2,
                "enterprise_name": format!("广州示例科技有限公司 {n:06}"),
                "uscc": "91440106MA5D8KQ1XQ",
                "tier": tier,
                "state": {"state": "submitted", "level": "city"},
                "region_name": "广东省 广州市 天河区",
                "submitted_at": "2026-03-29T02:00:00Z",
                "updated_at": "2026-04-04T02:00:00Z",
                "score": (n % 100) as f64,
            })
        })
        .collect();
    serde_json::json!({"items": items, "next": format!("cursor-{}", k + 1)})
}

/// One frame of the review queue screen (filter bar, frame, table) over 100 000 items.
fn queue_screen(ui: &Ui) {
    let account = Account {
        id: "a".into(),
        login_name: "gz_city".into(),
        kind: "reviewer".into(),
        level: Some("city".into()),
        region_code: Some("440100".into()),
        enterprise_id: None,
        display_name: "郑伟".into(),
        verified: true,
    };
    let ui = Ui::new(ui.theme.clone(), false, Lang::Zh);
    let mut screen = QueueScreen::new(&ui, &account, QueueKind::Declaration);
    let rows = screen.rows_mut();
    rows.set_total(ROWS);
    for k in 0..ROWS / PAGE {
        rows.apply_page(k, &queue_page(k));
    }
    let area = Rect::new(0, 0, 120, 38);
    let mut buf = Buffer::empty(area);
    let frames = 2_000;
    let start = Instant::now();
    for i in 0..frames {
        screen.table_mut().set_cursor(i * 37 % ROWS, ROWS);
        buf.reset();
        screen.render(area, &mut buf, &ui);
    }
    let per_frame = start.elapsed() / frames as u32;
    println!("review queue screen 120x38, {ROWS} items: {per_frame:?} per frame (target ≤ 2 ms)");
}

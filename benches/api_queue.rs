//! Queue-page throughput of the HTTP API on loopback (issue 4: ≥ 2 000 requests/s on 2 cores,
//! p99 ≤ 50 ms; a 50-row page ≤ 6 KB compressed). A Rust load generator in the same process:
//! the server (axum on 127.0.0.1) and the client share the machine's cores, so the figures are a
//! lower bound of what a dedicated server does. Bounded: 64 connections for 5 seconds after a
//! 1-second warm-up. `cargo bench --bench api_queue`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::service::AccountKind;
use zjtx::service::items::ItemKind;

const ITEMS: u32 = 50;
const CONNECTIONS: usize = 64;
const WARM_UP: Duration = Duration::from_secs(1);
const RUN: Duration = Duration::from_secs(5);

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let env = common::env().await;
    for n in 1..=ITEMS {
        let firm = common::life::firm(&env, &format!("firm{n}"), n, "440106").await;
        common::submitted(
            &env,
            &firm,
            ItemKind::Declaration,
            Tier::Specialized,
            &[ReviewLevel::County],
            serde_json::json!({}),
        )
        .await;
    }
    env.staff(
        "th_rev",
        AccountKind::Reviewer,
        Some(ReviewLevel::County),
        Some("440106"),
    )
    .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zjtx::api::serve(listener, env.svc.clone(), async {
        let _ = stopped.await;
    }));

    let api = zjtx::client::ApiClient::http(&base).unwrap();
    api.login("th_rev", common::PASSWORD).await.unwrap();
    let token = api.token().unwrap();
    let url = format!("{base}/api/v1/review/queue?limit=50");

    // Size of one 50-row page, plain and compressed.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_zstd()
        .build()
        .unwrap();
    let mut sizes = Vec::new();
    for enc in ["identity", "gzip", "zstd"] {
        let r = raw
            .get(&url)
            .bearer_auth(&token)
            .header("accept-encoding", enc)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        sizes.push((enc, r.bytes().await.unwrap().len()));
    }
    let page: serde_json::Value = api.queue("limit=50").await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), ITEMS as usize);

    // Load: every connection loops until the deadline; latencies of the measured window only.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let measuring = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let (measuring, done) = (measuring.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = match client
                    .get(&url)
                    .bearer_auth(&token)
                    .header("accept-encoding", "gzip")
                    .send()
                    .await
                {
                    Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        lat.push(t.elapsed());
                    } else {
                        errors += 1;
                    }
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(WARM_UP).await;
    measuring.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(RUN).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!("queue page (50 rows) over loopback, {CONNECTIONS} connections, 2 worker threads");
    println!(
        "  requests/s: {:.0}   ({} ok, {errors} errors in {:.1} s)",
        lat.len() as f64 / elapsed.as_secs_f64(),
        lat.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "  latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    for (enc, size) in sizes {
        println!("  page size {enc}: {size} bytes");
    }
    let _ = stop.send(());
    let _ = server.await;
}

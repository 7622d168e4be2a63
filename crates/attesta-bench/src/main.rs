//! `attesta-bench`: how fast, how big and how it grows. Starts the real
//! server (release build, loopback, fresh data directory) and real clients,
//! and prints Markdown tables of medians and spreads; docs/performance.md
//! explains the method and the figures. Run it through `scripts/bench.sh`.

mod app;
mod catchup;
mod floors;
mod load;
mod report;
mod server;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::report::{Report, ThroughputRow, load_average};
use crate::server::{ServerProcess, cpu_time_of};
use crate::stats::Summary;

#[derive(Debug, Parser)]
#[command(
    name = "attesta-bench",
    about = "Attesta's benchmarks (see docs/performance.md)"
)]
struct Args {
    /// Small sizes and few runs: a check that everything works (about 2 minutes).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// Adds the 1 000 000-item size (see docs/performance.md for how long it takes).
    #[arg(long)]
    full: bool,
    /// Runs per figure (default: 3 with --quick, else 5).
    #[arg(long)]
    runs: Option<usize>,
    /// The server binary (default: attesta-server beside this binary).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Parts to run (default: all but `app`, which needs the two app binaries).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// The desktop app (release, `--features custom-protocol`), for the `app` part.
    #[arg(long, requires = "empty_app")]
    app: Option<PathBuf>,
    /// An empty Tauri 2 window built the same way: the memory floor.
    #[arg(long, requires = "app")]
    empty_app: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// connectors_deliver throughput and push latency.
    Server,
    /// Catch-up of a new device and cache queries, at each size.
    Growth,
    /// Raw SQLite inserts and a bare HTTP round trip.
    Floors,
    /// The desktop app's memory and first paint (needs --app, --empty-app and an X display).
    App,
}

/// How much each part does; bounded in count everywhere.
struct Plan {
    runs: usize,
    deliveries_per_run: usize,
    probes: usize,
    sizes: Vec<usize>,
    cache_repeats: usize,
    sqlite_rows: usize,
    round_trips: usize,
}

/// Concurrent senders of the throughput figure.
const SENDERS: [usize; 3] = [1, 16, 64];
/// Time between two push probes.
const PROBE_SPACING: Duration = Duration::from_millis(50);
/// Background deliveries per second while push latency is measured.
const BACKGROUND_RATE: usize = 1000;

impl Plan {
    fn from(args: &Args) -> Plan {
        let quick = args.quick;
        let mut sizes = if quick {
            vec![10_000]
        } else {
            vec![10_000, 100_000]
        };
        if args.full {
            sizes.push(1_000_000);
        }
        Plan {
            runs: args.runs.unwrap_or(if quick { 3 } else { 5 }).max(1),
            deliveries_per_run: if quick { 2_000 } else { 6_400 },
            probes: if quick { 100 } else { 400 },
            sizes,
            cache_repeats: if quick { 20 } else { 100 },
            sqlite_rows: if quick { 50_000 } else { 200_000 },
            round_trips: if quick { 2_000 } else { 10_000 },
        }
    }

    /// Fewer catch-up runs at the largest size: each is minutes long.
    fn catch_up_runs(&self, size: usize) -> usize {
        if size >= 1_000_000 {
            self.runs.min(2)
        } else {
            self.runs.min(3)
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let plan = Plan::from(&args);
    let binary = match &args.server {
        Some(path) => path.clone(),
        None => server::default_binary()?,
    };
    anyhow::ensure!(
        binary.exists(),
        "no server binary at {} (cargo build --release -p attesta-server)",
        binary.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let wanted = |part| {
        if args.only.is_empty() {
            part != Part::App
        } else {
            args.only.contains(&part)
        }
    };
    let mut report = Report::default();
    report.preamble(&binary, plan.runs);
    let parts = async {
        if wanted(Part::Floors) {
            floors_part(&plan, &mut report).await?;
        }
        if wanted(Part::Server) {
            server_part(&binary, &plan, &mut report).await?;
        }
        if wanted(Part::Growth) {
            growth_part(&binary, &plan, &mut report).await?;
        }
        if wanted(Part::App) {
            let (Some(app), Some(empty)) = (&args.app, &args.empty_app) else {
                anyhow::bail!("the app part needs --app and --empty-app");
            };
            app_part(&binary, app, empty, &plan, &mut report).await?;
        }
        anyhow::Ok(())
    };
    runtime.block_on(async {
        // Interrupted, the parts are dropped here, so every server, driver
        // and temporary directory they hold is stopped and removed.
        tokio::select! {
            result = parts => result,
            signal = interrupted() => anyhow::bail!("stopped by {}", signal?),
        }
    })
}

/// Waits for Ctrl-C or SIGTERM; which one came.
async fn interrupted() -> anyhow::Result<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        ctrl_c = tokio::signal::ctrl_c() => ctrl_c.map(|()| "Ctrl-C").map_err(Into::into),
        _ = terminate.recv() => Ok("SIGTERM"),
    }
}

async fn floors_part(plan: &Plan, report: &mut Report) -> anyhow::Result<()> {
    let disk = std::env::temp_dir();
    let mut one_tx = Vec::new();
    let mut each = Vec::new();
    for _ in 0..plan.runs {
        one_tx.push(floors::sqlite_one_transaction(&disk, plan.sqlite_rows)?);
        each.push(floors::sqlite_commit_each(&disk, plan.sqlite_rows / 10)?);
    }
    let bare = floors::BareHttp::start().await?;
    let round_trips = bare.round_trips(plan.round_trips).await?;
    let mut rates = Vec::new();
    for connections in SENDERS {
        let mut runs = Vec::new();
        for _ in 0..plan.runs {
            runs.push(
                bare.throughput(connections, plan.deliveries_per_run)
                    .await?,
            );
        }
        rates.push((connections, Summary::of(&runs)));
    }
    report.floors(
        &disk,
        Summary::of(&one_tx),
        Summary::of(&each),
        Summary::of_ms(&round_trips),
        &rates,
    );
    Ok(())
}

async fn server_part(
    binary: &std::path::Path,
    plan: &Plan,
    report: &mut Report,
) -> anyhow::Result<()> {
    let server = ServerProcess::start(binary)?;
    let ring = load::Ring::build(&server.url, SENDERS[SENDERS.len() - 1]).await?;
    let mut rows = Vec::new();
    for senders in SENDERS {
        let load_before = load_average();
        let mut runs = Vec::new();
        for _ in 0..plan.runs {
            runs.push(
                load::throughput(&server.url, &ring, senders, plan.deliveries_per_run, || {
                    (server.cpu_time(), cpu_time_of("self"))
                })
                .await?,
            );
        }
        let deliveries: usize = runs.iter().map(|r| r.deliveries).sum();
        let per_delivery =
            |cpu: Option<Duration>| Some(cpu?.as_secs_f64() * 1e6 / deliveries as f64);
        let total = |of: fn(&load::Throughput) -> Option<Duration>| {
            runs.iter().map(of).sum::<Option<Duration>>()
        };
        let rates: Vec<f64> = runs.iter().map(|r| r.rate).collect();
        rows.push(ThroughputRow {
            senders,
            rate: Summary::of(&rates),
            load_before,
            server_cpu_us: per_delivery(total(|r| r.server_cpu)),
            bench_cpu_us: per_delivery(total(|r| r.bench_cpu)),
        });
    }
    report.throughput(&rows, server.rss_mib());

    let load_before = load_average();
    let push = load::push_latency(
        &server.url,
        &ring,
        plan.probes,
        PROBE_SPACING,
        BACKGROUND_RATE,
    )
    .await
    .context("push latency")?;
    report.push(&push, load_before);
    Ok(())
}

async fn growth_part(
    binary: &std::path::Path,
    plan: &Plan,
    report: &mut Report,
) -> anyhow::Result<()> {
    for &size in &plan.sizes {
        let load_before = load_average();
        let began = std::time::Instant::now();
        let server = ServerProcess::start(binary)?;
        let work = tempfile::tempdir()?;
        let filled = catchup::fill(&server, work.path(), size).await?;
        let mut rates = Vec::new();
        let mut last = None;
        for run in 0..plan.catch_up_runs(size) {
            // Only the last device is kept (for its cache); each holds a full copy.
            drop(last.take());
            let profile = tempfile::tempdir_in(work.path())?;
            let (device, rate) = catchup::catch_up(&server, profile.path(), &filled)
                .await
                .with_context(|| format!("catch-up run {run} at {size} items"))?;
            rates.push(rate);
            last = Some((device, profile));
        }
        let (device, profile) = last.context("no catch-up run")?;
        let times = catchup::query_cache(&device, &filled.conversation, plan.cache_repeats).await?;
        report.growth(report::GrowthRow {
            size,
            fill_rate: filled.fill_rate,
            catch_up: Summary::of(&rates),
            list: Summary::of_ms(&times.list),
            page: Summary::of_ms(&times.page),
            server_mib: server.disk_mib(),
            cache_mib: server::disk_bytes(profile.path()) as f64 / f64::from(1 << 20),
            load_before,
            minutes: began.elapsed().as_secs_f64() / 60.0,
        });
    }
    Ok(())
}

/// Messages in the conversation the app opens.
const APP_MESSAGES: usize = 10_000;

async fn app_part(
    binary: &std::path::Path,
    app: &std::path::Path,
    empty: &std::path::Path,
    plan: &Plan,
    report: &mut Report,
) -> anyhow::Result<()> {
    let load_before = load_average();
    let server = ServerProcess::start(binary)?;
    let work = tempfile::tempdir()?;
    let filled = catchup::fill(&server, work.path(), APP_MESSAGES).await?;
    let profile = work.path().join("app-profile");
    // A device caught up through the real sync path: the app opens its profile.
    drop(catchup::catch_up(&server, &profile, &filled).await?);
    let mut figures = report::AppRuns::default();
    for _ in 0..plan.runs.min(3) {
        let opened = app::measure(
            app,
            &profile,
            &server.url,
            "[data-testid=conversation-row]",
            Some("[data-testid=message-row]"),
        )
        .await
        .context("the desktop app")?;
        let floor = app::measure(
            empty,
            &work.path().join("empty-profile"),
            &server.url,
            "body",
            None,
        )
        .await
        .context("the empty Tauri window")?;
        figures.add(opened, floor);
    }
    report.app(&figures, APP_MESSAGES, load_before);
    Ok(())
}

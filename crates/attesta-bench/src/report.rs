//! The figures as Markdown, printed as each part ends, so that a long run
//! shows its progress and a failure late in a run keeps what came before.
//! Beside each part: the 1-minute load average when it began, because the
//! machine may be shared.

use std::path::Path;

use crate::app::AppFigures;
use crate::load::PushLatencies;
use crate::server::RAISED_SETTINGS;
use crate::stats::Summary;

/// One level of concurrent senders of the throughput table.
pub struct ThroughputRow {
    pub senders: usize,
    pub rate: Option<Summary>,
    pub load_before: Option<f64>,
    pub server_cpu_us: Option<f64>,
    pub bench_cpu_us: Option<f64>,
}

#[derive(Default)]
pub struct Report {
    growth_started: bool,
}

/// The 1-minute load average (from /proc/loadavg), `None` where unreadable.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn load(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_owned(), |l| format!("{l:.2}"))
}

/// `median (min–max)` of a rate, rounded to whole units.
fn rate(summary: Option<Summary>) -> String {
    summary.map_or_else(
        || "not measured".to_owned(),
        |s| format!("{:.0} ({:.0}–{:.0})", s.median, s.min, s.max),
    )
}

/// Microseconds, to one decimal.
fn micros(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_owned(), |us| format!("{us:.1}"))
}

/// `median (p10–p90)` of milliseconds.
fn ms(summary: Option<Summary>) -> String {
    summary.map_or_else(
        || "not measured".to_owned(),
        |s| format!("{:.2} ({:.2}–{:.2})", s.median, s.p10, s.p90),
    )
}

pub struct GrowthRow {
    pub size: usize,
    pub fill_rate: f64,
    pub catch_up: Option<Summary>,
    pub list: Option<Summary>,
    pub page: Option<Summary>,
    pub server_mib: f64,
    pub cache_mib: f64,
    pub load_before: Option<f64>,
    pub minutes: f64,
}

/// The app and the empty window, measured in turns.
#[derive(Default)]
pub struct AppRuns {
    app_pss: Vec<f64>,
    floor_pss: Vec<f64>,
    above: Vec<f64>,
    first_paint: Vec<std::time::Duration>,
    last: Option<(AppFigures, AppFigures)>,
}

impl AppRuns {
    pub fn add(&mut self, app: AppFigures, floor: AppFigures) {
        self.app_pss.push(app.pss_mib);
        self.floor_pss.push(floor.pss_mib);
        self.above.push(app.pss_mib - floor.pss_mib);
        self.first_paint.push(app.first_paint);
        self.last = Some((app, floor));
    }
}

impl Report {
    pub fn preamble(&self, binary: &Path, runs: usize) {
        println!("# attesta-bench");
        println!();
        println!(
            "Server binary: `{}`; runs per figure: {runs}.",
            binary.display()
        );
        println!("Figures are `median (min–max)` for rates and `median (p10–p90)` for times.");
        println!();
        println!("Server settings raised for the bench (all others at their defaults):");
        println!();
        for (name, value, why) in RAISED_SETTINGS {
            println!("- `{name}={value}`: {why}");
        }
        println!();
    }

    pub fn floors(
        &self,
        disk: &Path,
        one_transaction: Option<Summary>,
        commit_each: Option<Summary>,
        round_trip: Option<Summary>,
        http_rates: &[(usize, Option<Summary>)],
    ) {
        println!(
            "## Limits: SQLite and bare HTTP (load {})",
            load(load_average())
        );
        println!();
        println!(
            "SQLite in `{}`, WAL, synchronous=NORMAL, 400-byte rows.",
            disk.display()
        );
        println!();
        println!("| limit | figure |");
        println!("|---|---|");
        println!(
            "| SQLite inserts, one transaction (rows/s) | {} |",
            rate(one_transaction)
        );
        println!(
            "| SQLite inserts, one commit each (rows/s) | {} |",
            rate(commit_each)
        );
        if let Some(rt) = round_trip {
            println!(
                "| bare HTTP round trip, one connection (ms) | p50 {:.3}, p99 {:.3} (n={}) |",
                rt.median, rt.p99, rt.count
            );
        }
        for (connections, summary) in http_rates {
            println!(
                "| bare HTTP requests/s, {connections} connections | {} |",
                rate(*summary)
            );
        }
        println!();
    }

    pub fn throughput(&self, rows: &[ThroughputRow], rss_mib: Option<f64>) {
        println!("## connectors_deliver throughput");
        println!();
        println!(
            "CPU per delivery is the server's (all its threads) and the bench's own \
             (the senders: HTTP and JSON), over all runs of the row: on 2 shared cores, \
             2 000 000 / (server + bench) µs is the most this setup can reach."
        );
        println!();
        println!(
            "| concurrent senders | deliveries/s | server CPU µs/delivery | bench CPU µs/delivery | load before |"
        );
        println!("|---|---|---|---|---|");
        for row in rows {
            println!(
                "| {} | {} | {} | {} | {} |",
                row.senders,
                rate(row.rate),
                micros(row.server_cpu_us),
                micros(row.bench_cpu_us),
                load(row.load_before)
            );
        }
        if let Some(rss) = rss_mib {
            println!();
            println!("Server resident memory after these runs: {rss:.0} MiB.");
        }
        println!();
    }

    pub fn push(&self, push: &PushLatencies, load_before: Option<f64>) {
        println!(
            "## Push latency at {:.0} deliveries/s of background load (load before {})",
            push.background_rate,
            load(load_before)
        );
        println!();
        println!("| from the deliver request to | p50 ms | p90 ms | p99 ms | max ms | probes |");
        println!("|---|---|---|---|---|---|");
        for (what, samples) in [
            ("the WebSocket notice", &push.notice),
            ("a completed sync returning it", &push.synced),
        ] {
            if let Some(s) = Summary::of_ms(samples) {
                println!(
                    "| {what} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                    s.median, s.p90, s.p99, s.max, s.count
                );
            }
        }
        println!();
    }

    pub fn growth(&mut self, row: GrowthRow) {
        if !self.growth_started {
            self.growth_started = true;
            println!("## Growth: one conversation of N items");
            println!();
            println!(
                "| items | fill (deliveries/s) | catch-up (items/s) | conversation list (ms) | first page of 100 (ms) | server data (MiB) | client cache (MiB) | load before | minutes |"
            );
            println!("|---|---|---|---|---|---|---|---|---|");
        }
        println!(
            "| {} | {:.0} | {} | {} | {} | {:.0} | {:.0} | {} | {:.1} |",
            row.size,
            row.fill_rate,
            rate(row.catch_up),
            ms(row.list),
            ms(row.page),
            row.server_mib,
            row.cache_mib,
            load(row.load_before),
            row.minutes
        );
    }
}

impl Report {
    pub fn app(&self, runs: &AppRuns, messages: usize, load_before: Option<f64>) {
        println!("## Desktop app (load before {})", load(load_before));
        println!();
        println!("| figure | median (min–max) |");
        println!("|---|---|");
        let mib = |samples: &[f64]| {
            Summary::of(samples).map_or_else(
                || "not measured".to_owned(),
                |s| format!("{:.1} ({:.1}–{:.1})", s.median, s.min, s.max),
            )
        };
        println!(
            "| app idle, {messages} messages open: PSS (MiB) | {} |",
            mib(&runs.app_pss)
        );
        println!(
            "| empty Tauri 2 window: PSS (MiB) | {} |",
            mib(&runs.floor_pss)
        );
        println!(
            "| app above the empty window (MiB) | {} |",
            mib(&runs.above)
        );
        println!(
            "| start to first painted conversation list (ms) | {} |",
            ms(Summary::of_ms(&runs.first_paint))
        );
        if let Some((app, floor)) = &runs.last {
            println!();
            println!(
                "Processes of the last run: app {}; empty window {}.",
                app.processes.join(", "),
                floor.processes.join(", ")
            );
        }
        println!();
    }
}

//! The processes a GUI test starts (Xvfb, a session bus, its monitor,
//! tauri-driver and what it launches), each stopped by its process id when
//! the test ends, passes or panics.

use std::collections::HashMap;
use std::process::Child;

/// Children to stop, in the reverse order of their start.
#[derive(Default)]
pub struct Processes {
    children: Vec<(&'static str, Child)>,
}

impl Processes {
    pub fn keep(&mut self, name: &'static str, child: Child) -> u32 {
        let pid = child.id();
        self.children.push((name, child));
        pid
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        while let Some((_, mut child)) = self.children.pop() {
            // tauri-driver starts WebKitWebDriver, which starts the app:
            // their descendants go first, each by its own id.
            for pid in descendants(child.id()).into_iter().rev() {
                kill(pid);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Every live descendant of `root`, parents before children, read from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The fields after the command's closing parenthesis: state, ppid, …
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        for &child in children.get(&pid).map(Vec::as_slice).unwrap_or_default() {
            out.push(child);
            queue.push(child);
        }
    }
    out
}

fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .status();
}

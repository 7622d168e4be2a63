//! Where this instance keeps its data and which server it talks to, read
//! once at start from the command line and the environment.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::links::{self, OpenConnect};

/// The environment variable naming the profile directory (`--profile` wins).
pub const PROFILE_ENV: &str = "ATTESTA_PROFILE";
/// The environment variable naming the server, over the saved setting.
pub const SERVER_ENV: &str = "ATTESTA_SERVER";
/// The server the run command starts.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8470";

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("--profile needs a directory after it")]
    ProfileWithoutDir,
    #[error("no data directory is known for this user; give one with --profile DIR")]
    NoDataDir,
    #[error("the profile directory {dir} cannot be used: {source}")]
    ProfileDir {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// What this instance was started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The profile directory, created and made absolute.
    pub profile_dir: PathBuf,
    /// `ATTESTA_SERVER`, which wins over the saved server until the user picks one.
    pub server_override: Option<String>,
    /// `attesta://connect` links given as arguments.
    pub links: Vec<OpenConnect>,
}

impl Launch {
    /// Reads the process's arguments and environment.
    pub fn from_env() -> Result<Launch, LaunchError> {
        Launch::parse(
            std::env::args_os().skip(1),
            std::env::var_os(PROFILE_ENV),
            std::env::var(SERVER_ENV).ok(),
            dirs::data_dir(),
        )
    }

    fn parse(
        args: impl IntoIterator<Item = OsString>,
        env_profile: Option<OsString>,
        env_server: Option<String>,
        data_dir: Option<PathBuf>,
    ) -> Result<Launch, LaunchError> {
        let mut profile = env_profile.filter(|p| !p.is_empty()).map(PathBuf::from);
        let mut links = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let text = arg.to_string_lossy();
            if text == "--profile" {
                profile = Some(args.next().ok_or(LaunchError::ProfileWithoutDir)?.into());
            } else if let Some(dir) = text.strip_prefix("--profile=") {
                profile = Some(dir.into());
            } else {
                links.extend(links::parse(&text));
            }
        }
        let profile = match profile {
            Some(dir) => dir,
            None => data_dir.ok_or(LaunchError::NoDataDir)?.join("attesta"),
        };
        Ok(Launch {
            profile_dir: prepare(&profile)?,
            server_override: env_server.filter(|s| !s.trim().is_empty()),
            links,
        })
    }

    /// The app identifier this instance runs under. Single-instance locks on
    /// the identifier, so deriving it from the profile directory makes
    /// "opening the app again" focus the window of the same profile while
    /// another profile runs as its own instance.
    pub fn identifier(&self, base: &str) -> String {
        let digest = Sha256::digest(self.profile_dir.as_os_str().as_encoded_bytes());
        let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("{base}.p{tag}")
    }
}

/// Creates the directory and answers its canonical path, so that two
/// spellings of one directory are one profile.
fn prepare(dir: &Path) -> Result<PathBuf, LaunchError> {
    let failed = |source| LaunchError::ProfileDir {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    dir.canonicalize().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_profile_option_wins_over_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let chosen = dir.path().join("chosen");
        let launch = Launch::parse(
            args(&["--profile", chosen.to_str().unwrap()]),
            Some(dir.path().join("env").into()),
            None,
            None,
        )
        .unwrap();
        assert_eq!(launch.profile_dir, chosen.canonicalize().unwrap());
    }

    #[test]
    fn without_a_profile_the_user_data_directory_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let launch = Launch::parse(args(&[]), None, None, Some(dir.path().into())).unwrap();
        assert_eq!(
            launch.profile_dir,
            dir.path().join("attesta").canonicalize().unwrap()
        );
    }

    #[test]
    fn two_spellings_of_one_profile_share_an_identifier_and_two_profiles_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let a_again = dir.path().join("b").join("..").join("a");
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        let open = |p: &Path| Launch::parse(args(&[]), Some(p.into()), None, None).unwrap();
        let base = "org.attesta.desktop";
        assert_eq!(open(&a).identifier(base), open(&a_again).identifier(base));
        assert_ne!(
            open(&a).identifier(base),
            open(&dir.path().join("c")).identifier(base)
        );
    }

    #[test]
    fn a_link_argument_is_kept_and_an_empty_server_is_no_override() {
        let dir = tempfile::tempdir().unwrap();
        let launch = Launch::parse(
            args(&["attesta://connect?nick=carol"]),
            Some(dir.path().into()),
            Some(" ".into()),
            None,
        )
        .unwrap();
        assert_eq!(launch.links.len(), 1);
        assert_eq!(launch.server_override, None);
    }

    #[test]
    fn a_profile_option_without_a_directory_is_refused() {
        let err = Launch::parse(args(&["--profile"]), None, None, None).unwrap_err();
        assert!(matches!(err, LaunchError::ProfileWithoutDir));
    }
}

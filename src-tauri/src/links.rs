//! `attesta://connect?nick=…` invitation links: a web page or a message can
//! hand someone a nick to connect with; opening the link opens the Connect
//! dialog prefilled. Only the nick is taken from a link; anything else in it
//! is ignored, so a link can never act on the user's behalf.

use serde::Serialize;
use url::Url;

/// The scheme registered for the app (tauri.conf.json, `plugins.deep-link`).
pub const SCHEME: &str = "attesta";

/// What the `open-connect` event carries: the Connect dialog's prefill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenConnect {
    /// Always `"nick"`: links name nicks only.
    pub kind: &'static str,
    pub value: String,
}

/// The Connect prefill a link asks for, or `None` for anything that is not a
/// well-formed `attesta://connect?nick=…` with a non-empty nick.
pub fn parse(link: &str) -> Option<OpenConnect> {
    let url = Url::parse(link.trim()).ok()?;
    if url.scheme() != SCHEME || url.host_str() != Some("connect") {
        return None;
    }
    let nick = url
        .query_pairs()
        .find(|(key, _)| key == "nick")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|nick| !nick.is_empty())?;
    Some(OpenConnect {
        kind: "nick",
        value: nick,
    })
}

/// Every connect link among command-line arguments (the program's own name
/// and options are simply not links).
pub fn from_args<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> Vec<OpenConnect> {
    args.into_iter().filter_map(|a| parse(a.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_link_prefills_its_nick() {
        assert_eq!(
            parse("attesta://connect?nick=alice"),
            Some(OpenConnect {
                kind: "nick",
                value: "alice".into()
            })
        );
    }

    #[test]
    fn a_percent_encoded_nick_is_decoded() {
        let link = parse("attesta://connect?nick=J%C3%BCrgen%20M").map(|l| l.value);
        assert_eq!(link.as_deref(), Some("Jürgen M"));
    }

    #[test]
    fn links_of_other_schemes_or_actions_are_ignored() {
        assert_eq!(parse("https://connect?nick=alice"), None);
        assert_eq!(parse("attesta://accept?nick=alice"), None);
        assert_eq!(parse("attesta://connect?email=a@example.org"), None);
        assert_eq!(parse("attesta://connect?nick=%20"), None);
        assert_eq!(parse("not a link"), None);
    }

    #[test]
    fn only_the_links_among_arguments_are_taken() {
        let links = from_args([
            "/usr/bin/attesta-desktop",
            "--profile",
            "/tmp/p",
            "attesta://connect?nick=bob",
        ]);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].value, "bob");
    }
}

//! Rate limits: how often something may happen per key (a token, a client
//! address, a party) in a window, with `governor`'s keyed GCRA limiters. A
//! limit of `n` per `window` allows a burst of `n` and then one more every
//! `window / n`, which never lets more than about `n` through in any window.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use attesta_proto::tokens::Token;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Config;
use crate::{Error, Result};

/// One keyed limit: `count` events per `window`.
pub struct RateLimit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
    what: &'static str,
}

impl<K: Hash + Eq + Clone> RateLimit<K> {
    pub fn new(what: &'static str, count: u32, window: Duration) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        let period = window
            .checked_div(count.get())
            .unwrap_or(window)
            .max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or(Quota::per_hour(count))
            .allow_burst(count);
        RateLimit {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            what,
        }
    }

    /// Counts one event for `key`; `limit` with the time to wait when over.
    pub fn check(&self, key: &K) -> Result<()> {
        self.limiter.check_key(key).map_err(|not_until| {
            Error::limit(
                format!("too many {}: try again later", self.what),
                Some(not_until.wait_time_from(self.clock.now())),
            )
        })
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

/// Every rate limit of the accounts and tokens methods.
pub struct Limits {
    pub login_per_token: RateLimit<Token>,
    pub login_per_address: RateLimit<IpAddr>,
    /// Old-password checks in `password_change`: a stolen session must not
    /// become a password oracle.
    pub password_per_party: RateLimit<String>,
    pub lookups_per_party: RateLimit<String>,
    /// Refused registrations: each tells that a nick token is held.
    pub nick_probes_per_address: RateLimit<IpAddr>,
    pub token_compute_per_address: RateLimit<IpAddr>,
    pub codes_per_destination: RateLimit<Token>,
    pub codes_per_party: RateLimit<String>,
    pub recovery_per_address: RateLimit<IpAddr>,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Limits {
    pub fn new(config: &Config) -> Self {
        let login_window = MINUTE * 15;
        Limits {
            login_per_token: RateLimit::new(
                "logins for this token",
                config.login_per_token,
                login_window,
            ),
            login_per_address: RateLimit::new(
                "logins from this address",
                config.login_per_address,
                login_window,
            ),
            password_per_party: RateLimit::new(
                "password checks",
                config.login_per_token,
                login_window,
            ),
            lookups_per_party: RateLimit::new("lookups", config.lookups_per_hour, HOUR),
            nick_probes_per_address: RateLimit::new(
                "refused registrations from this address",
                config.lookups_per_hour,
                HOUR,
            ),
            token_compute_per_address: RateLimit::new(
                "token computations",
                config.token_compute_per_hour,
                HOUR,
            ),
            codes_per_destination: RateLimit::new(
                "codes sent to this address",
                config.codes_per_destination_per_hour,
                HOUR,
            ),
            codes_per_party: RateLimit::new("codes sent", config.codes_per_party_per_hour, HOUR),
            recovery_per_address: RateLimit::new(
                "recovery attempts from this address",
                config.login_per_address,
                login_window,
            ),
        }
    }

    pub fn forget_idle(&self) {
        self.login_per_token.forget_idle();
        self.login_per_address.forget_idle();
        self.password_per_party.forget_idle();
        self.lookups_per_party.forget_idle();
        self.nick_probes_per_address.forget_idle();
        self.token_compute_per_address.forget_idle();
        self.codes_per_destination.forget_idle();
        self.codes_per_party.forget_idle();
        self.recovery_per_address.forget_idle();
    }
}

//! Token issuing and checking for the simulator: access/refresh pairs signed with a key derived
//! from the seed, refresh rotation with a blacklist, and "revoke everything issued so far".
//! Invariant: a refresh token is accepted by `consume_refresh` at most once, even under races.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::jwt;
use super::lock;

/// What a token says about itself. Claim names follow djangorestframework-simplejwt, the
/// library the document's token flow looks like, plus the company it was issued to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub token_type: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The company's id as the token response shows it.
    pub company_id: i64,
    /// The revocation generation the token was issued in; `revoke_all` bumps the current one.
    pub generation: u64,
}

/// Why a token was refused (all are answered the same way on the wire, as the document says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed or badly signed token")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token is of the wrong type")]
    WrongType,
    #[error("the token was issued before a revocation")]
    Revoked,
    #[error("the refresh token was already used")]
    Blacklisted,
}

/// A freshly issued pair.
pub struct Pair {
    pub access: String,
    pub refresh: String,
    pub access_ttl: Duration,
}

pub struct Tokens {
    key: [u8; 32],
    ttls: Mutex<(Duration, Duration)>,
    generation: AtomicU64,
    sequence: AtomicU64,
    /// Distinguishes this process's jti values from a previous run's with the same seed.
    boot: u64,
    used_refresh: Mutex<HashSet<String>>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The expiry of a token issued now with `ttl`, rounded up to a whole second so a token never
/// lives shorter than its TTL (NumericDate is whole seconds).
fn expiry(ttl: Duration) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + ttl).as_secs_f64().ceil() as i64
}

impl Tokens {
    pub fn new(seed: u64, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        // Derived from the seed so a restarted simulator with the same seed accepts the tokens
        // it issued before (only the in-memory blacklist is lost), as a real server would.
        let key: [u8; 32] = Sha256::digest(format!("hrwise-sim/jwt-key/{seed}")).into();
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Tokens {
            key,
            ttls: Mutex::new((access_ttl, refresh_ttl)),
            generation: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
            boot,
            used_refresh: Mutex::new(HashSet::new()),
        }
    }

    pub fn set_ttls(&self, access: Duration, refresh: Duration) {
        *lock(&self.ttls) = (access, refresh);
    }

    fn token(&self, token_type: &str, company_id: i64, ttl: Duration) -> String {
        let claims = Claims {
            token_type: token_type.to_string(),
            exp: expiry(ttl),
            iat: now_secs(),
            jti: format!(
                "{:016x}{:016x}",
                self.boot,
                self.sequence.fetch_add(1, Ordering::Relaxed)
            ),
            company_id,
            generation: self.generation.load(Ordering::SeqCst),
        };
        // Serialising a struct of strings and integers cannot fail.
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        jwt::sign(&self.key, &payload)
    }

    /// Issues a new access + refresh pair for a company.
    pub fn issue(&self, company_id: i64) -> Pair {
        let (access_ttl, refresh_ttl) = *lock(&self.ttls);
        Pair {
            access: self.token("access", company_id, access_ttl),
            refresh: self.token("refresh", company_id, refresh_ttl),
            access_ttl,
        }
    }

    /// Checks signature, type, expiry and revocation; does not consult the blacklist.
    pub fn verify(&self, token: &str, token_type: &str) -> Result<Claims, TokenError> {
        let payload = jwt::verify(&self.key, token).map_err(|_| TokenError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Invalid)?;
        if claims.token_type != token_type {
            return Err(TokenError::WrongType);
        }
        if claims.exp <= now_secs() {
            return Err(TokenError::Expired);
        }
        if claims.generation != self.generation.load(Ordering::SeqCst) {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }

    /// The company a correctly signed token names, whatever else is wrong with it (expired,
    /// revoked, wrong type): lets a refused request be counted against its company.
    pub fn company_of(&self, token: &str) -> Option<i64> {
        let payload = jwt::verify(&self.key, token).ok()?;
        serde_json::from_slice::<Claims>(&payload)
            .ok()
            .map(|c| c.company_id)
    }

    /// Blacklists a verified refresh token; fails if it was already used. The check and the
    /// insert happen under one lock, so two concurrent refreshes cannot both win.
    pub fn consume_refresh(&self, claims: &Claims) -> Result<(), TokenError> {
        if lock(&self.used_refresh).insert(claims.jti.clone()) {
            Ok(())
        } else {
            Err(TokenError::Blacklisted)
        }
    }

    /// Invalidates every token issued so far, access and refresh alike.
    pub fn revoke_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn issues_verifiable_pairs_carrying_the_company() {
        let t = Tokens::new(1, DAY, 7 * DAY);
        let p = t.issue(123);
        let c = t.verify(&p.access, "access").expect("access ok");
        assert_eq!(c.company_id, 123);
        assert!(c.exp - c.iat >= 86_400);
        assert_eq!(t.verify(&p.access, "refresh"), Err(TokenError::WrongType));
        assert_eq!(t.verify(&p.refresh, "refresh").expect("ok").company_id, 123);
        let other = Tokens::new(2, DAY, DAY);
        assert_eq!(other.verify(&p.access, "access"), Err(TokenError::Invalid));
    }

    #[test]
    fn refresh_tokens_are_single_use_and_revocation_kills_everything() {
        let t = Tokens::new(1, DAY, DAY);
        let p = t.issue(5);
        let c = t.verify(&p.refresh, "refresh").expect("ok");
        assert_eq!(t.consume_refresh(&c), Ok(()));
        assert_eq!(t.consume_refresh(&c), Err(TokenError::Blacklisted));
        t.revoke_all();
        assert_eq!(t.verify(&p.access, "access"), Err(TokenError::Revoked));
        let fresh = t.issue(5);
        assert!(t.verify(&fresh.access, "access").is_ok());
    }

    #[test]
    fn zero_ttl_tokens_expire_within_a_second() {
        let t = Tokens::new(1, Duration::ZERO, Duration::ZERO);
        let p = t.issue(5);
        let c: Claims = serde_json::from_slice(&jwt::verify(&t.key, &p.access).expect("signed"))
            .expect("claims");
        assert!(c.exp <= now_secs() + 1);
    }
}

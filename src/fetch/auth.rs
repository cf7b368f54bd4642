//! The access token of one company: exchanged from the API key, reused until shortly before it
//! expires, refreshed with the newest refresh token. Invariants: one renewal at a time (the
//! lock is held across it; generation numbers tell late callers that someone already renewed);
//! a refused token is never sent again; a refresh token is sent at most once; key and tokens
//! live only in [`Secret`]s.

use std::future::Future;
use std::pin::Pin;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::Client;
use super::error::FetchError;
use super::models::Company;
use crate::secret::Secret;

/// The lifetime the document gives access tokens, when a response omits `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(86_400);

/// An access token and the renewal it came from.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub access: Secret,
    pub generation: u64,
}

/// A token response (`/token/` or `/token/refresh/`), read without ever quoting it.
#[derive(Debug)]
pub(crate) struct Grant {
    pub access: Secret,
    pub refresh: Option<Secret>,
    pub lifetime: Duration,
    pub company: Option<Company>,
}

impl Grant {
    /// Reads the `data` of a token response; the error never contains a token.
    pub fn from_data(data: &Value) -> Result<Grant, String> {
        let text = |k: &str| match data.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(Secret::new(s.clone())),
            _ => None,
        };
        let access = text("access").ok_or("the token response has no `access` token")?;
        let lifetime = super::lenient::value_to_f64(data.get("expires_in"))
            .map_err(|e| format!("expires_in: {e}"))?
            .filter(|s| *s > 0.0)
            .map_or(DEFAULT_LIFETIME, |s| Duration::from_secs_f64(s.min(1e9)));
        let company = match data.get("company") {
            None | Some(Value::Null) => None,
            Some(c) => Some(
                serde_json::from_value::<Company>(c.clone())
                    .map_err(|e| format!("company: {e}"))?,
            ),
        };
        Ok(Grant {
            access,
            refresh: text("refresh"),
            lifetime,
            company,
        })
    }
}

#[derive(Debug)]
struct Tokens {
    access: Secret,
    /// `None` once sent: a refresh token is never used twice.
    refresh: Option<Secret>,
    renew_at: Instant,
}

#[derive(Debug, Default)]
struct State {
    tokens: Option<Tokens>,
    generation: u64,
    company: Option<Company>,
}

/// The token state of one company, shared by all its requests.
#[derive(Debug)]
pub(crate) struct Auth {
    api_key: Secret,
    renew_margin: Duration,
    /// Held across a renewal, so there is one at a time.
    state: tokio::sync::Mutex<State>,
    /// The current token, readable without waiting for a renewal in progress.
    current: RwLock<Option<(Token, Instant)>>,
    /// The newest generation the API refused with a 401.
    rejected: AtomicU64,
}

type Renewal<'a> = Pin<Box<dyn Future<Output = Result<(), FetchError>> + Send + 'a>>;

impl Auth {
    pub fn new(api_key: Secret, renew_margin: Duration) -> Self {
        Auth {
            api_key,
            renew_margin,
            state: tokio::sync::Mutex::new(State::default()),
            current: RwLock::new(None),
            rejected: AtomicU64::new(0),
        }
    }

    /// The current token if it is fresh and not refused, without waiting: what a request that
    /// holds an in-flight slot may use (it must not wait for a renewal, which needs a slot).
    pub fn try_token(&self) -> Option<Token> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        let (token, renew_at) = current.as_ref()?;
        let usable =
            Instant::now() < *renew_at && token.generation > self.rejected.load(Ordering::Acquire);
        usable.then(|| token.clone())
    }

    /// The API refused the token of `generation` (a 401): no request sends it again, and the
    /// next [`Auth::token`] exchanges the key. Called before the refused request frees its
    /// in-flight slot, so only requests already under way can meet the same 401.
    pub fn reject(&self, generation: u64) {
        self.rejected.fetch_max(generation, Ordering::AcqRel);
    }

    /// A fresh access token, renewing it first when it is missing, about to expire or refused.
    /// Callers that arrive during a renewal wait for it and share its result.
    ///
    /// After a 401 the key is exchanged straight away rather than refreshed: the token was
    /// revoked (or the server restarted), the refresh token went with it, and a refresh would
    /// spend a request only to be refused.
    pub async fn token(&self, client: &Client) -> Result<Token, FetchError> {
        let mut st = self.state.lock().await;
        let refused = st.generation <= self.rejected.load(Ordering::Acquire);
        let fresh = st
            .tokens
            .as_ref()
            .is_some_and(|t| Instant::now() < t.renew_at);
        if refused || !fresh {
            if refused && st.tokens.is_some() {
                tracing::info!(
                    generation = st.generation,
                    "access token refused; exchanging the API key again"
                );
            }
            self.renew(&mut st, client, !refused).await?;
        }
        let t = st.tokens.as_ref().expect("renewed");
        Ok(Token {
            access: t.access.clone(),
            generation: st.generation,
        })
    }

    /// The company of the token response (exchanging the key if that has not happened yet).
    pub async fn company(&self, client: &Client) -> Result<Company, FetchError> {
        {
            let st = self.state.lock().await;
            if let Some(c) = &st.company {
                return Ok(c.clone());
            }
        }
        self.token(client).await?;
        let st = self.state.lock().await;
        st.company.clone().ok_or_else(|| FetchError::Decode {
            endpoint: "token".into(),
            reason: "the token response named no company".into(),
            excerpt: "(withheld: token response)".into(),
        })
    }

    fn renew<'a>(
        &'a self,
        st: &'a mut State,
        client: &'a Client,
        refresh_first: bool,
    ) -> Renewal<'a> {
        Box::pin(async move {
            let refresh = st.tokens.as_mut().and_then(|t| t.refresh.take());
            if let (true, Some(refresh)) = (refresh_first, refresh) {
                let asked = Instant::now();
                match client.refresh_tokens(&refresh).await {
                    Ok(grant) => {
                        self.apply(st, grant, asked);
                        client.count_renewal(false);
                        tracing::debug!(generation = st.generation, "access token refreshed");
                        return Ok(());
                    }
                    // Refused, or no answer (it may have been used): the key still works.
                    Err(e) => tracing::info!(
                        error = %e,
                        "token refresh failed; exchanging the API key again"
                    ),
                }
            }
            let asked = Instant::now();
            let grant = client
                .exchange_key(&self.api_key)
                .await
                .map_err(|e| match e {
                    FetchError::Api {
                        status,
                        code,
                        message,
                        ..
                    } if status < 500 => FetchError::Auth {
                        message: format!(
                            "the API refused the API key (HTTP {status} {code}: {message}); \
                         check api_key / HRWISE_API_KEY"
                        ),
                    },
                    other => other,
                })?;
            self.apply(st, grant, asked);
            client.count_renewal(true);
            tracing::debug!(generation = st.generation, "API key exchanged for tokens");
            Ok(())
        })
    }

    fn apply(&self, st: &mut State, grant: Grant, asked: Instant) {
        let margin = self.renew_margin.min(grant.lifetime / 2);
        let renew_at = asked + grant.lifetime - margin;
        st.generation += 1;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some((
            Token {
                access: grant.access.clone(),
                generation: st.generation,
            },
            renew_at,
        ));
        st.tokens = Some(Tokens {
            access: grant.access,
            refresh: grant.refresh,
            renew_at,
        });
        if grant.company.is_some() {
            st.company = grant.company;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grant_reads_the_documented_response() {
        let g = Grant::from_data(&json!({
            "access": "eyJ.a", "refresh": "eyJ.r", "token_type": "Bearer",
            "expires_in": 86400, "company": {"id": 123, "name": "Acme Corporation"}, "new": 1
        }))
        .unwrap();
        assert_eq!(g.access.expose(), "eyJ.a");
        assert_eq!(g.refresh.unwrap().expose(), "eyJ.r");
        assert_eq!(g.lifetime, Duration::from_secs(86_400));
        assert_eq!(g.company.unwrap().id, 123);
    }

    #[test]
    fn grant_tolerates_a_refresh_response_and_string_numbers() {
        let g =
            Grant::from_data(&json!({"access": "a", "refresh": "r", "expires_in": "2"})).unwrap();
        assert_eq!(g.lifetime, Duration::from_secs(2));
        assert!(g.company.is_none());
        let g = Grant::from_data(&json!({"access": "a"})).unwrap();
        assert_eq!(g.lifetime, DEFAULT_LIFETIME);
        assert!(g.refresh.is_none());
    }

    #[test]
    fn grant_errors_never_quote_tokens() {
        let err = Grant::from_data(&json!({"access": 12345, "refresh": "eyJ.secret"})).unwrap_err();
        assert!(!err.contains("12345") && !err.contains("eyJ"), "{err}");
        let err = Grant::from_data(&json!({"access": "eyJ.secret", "expires_in": "soon"}));
        assert!(!err.unwrap_err().contains("eyJ"));
        let debug = format!("{:?}", Grant::from_data(&json!({"access": "eyJ.secret"})));
        assert!(!debug.contains("eyJ"), "{debug}");
    }
}

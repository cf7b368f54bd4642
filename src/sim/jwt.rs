//! Hand-written JWT HS256 (RFC 7519 / 7515 compact form): sign a JSON payload, verify a token.
//! Invariant: `verify` returns a payload only for a token whose header says HS256 and whose
//! signature checks in constant time (`Mac::verify_slice`); everything else is an error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header the document's example tokens carry (`eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9`).
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is not three base64url parts")]
    Malformed,
    #[error("the token's algorithm is not HS256")]
    Algorithm,
    #[error("the token's signature does not match")]
    Signature,
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// Signs `payload` (JSON bytes) into a compact JWT.
pub fn sign(key: &[u8], payload: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut m = mac(key);
    m.update(signing_input.as_bytes());
    let sig = m.finalize().into_bytes();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Verifies a compact JWT and returns its payload bytes.
pub fn verify(key: &[u8], token: &str) -> Result<Vec<u8>, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header = URL_SAFE_NO_PAD.decode(h).map_err(|_| JwtError::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|_| JwtError::Malformed)?;
    // Refusing anything but HS256 closes the classic `alg: none` hole.
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::Algorithm);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let mut m = mac(key);
    m.update(h.as_bytes());
    m.update(b".");
    m.update(p.as_bytes());
    m.verify_slice(&sig).map_err(|_| JwtError::Signature)?;
    URL_SAFE_NO_PAD.decode(p).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_well_known_jwt_io_example() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
            eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
            SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let payload = verify(b"your-256-bit-secret", token).expect("valid");
        let v: serde_json::Value = serde_json::from_slice(&payload).expect("json");
        assert_eq!(v["name"], "John Doe");
        assert_eq!(verify(b"another-secret", token), Err(JwtError::Signature));
    }

    #[test]
    fn round_trips_and_starts_like_the_documents_tokens() {
        let t = sign(b"k", br#"{"a":1}"#);
        assert!(t.starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."));
        assert_eq!(verify(b"k", &t).expect("valid"), br#"{"a":1}"#);
    }

    #[test]
    fn refuses_tampering_and_garbage() {
        let t = sign(b"k", br#"{"company_id":1}"#);
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(br#"{"company_id":2}"#),
            parts[2]
        );
        assert_eq!(verify(b"k", &forged), Err(JwtError::Signature));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(verify(b"k", &none), Err(JwtError::Algorithm));
        assert_eq!(verify(b"k", "abc"), Err(JwtError::Malformed));
        assert_eq!(verify(b"k", "a.b.c.d"), Err(JwtError::Malformed));
        assert_eq!(verify(b"k", "!!.??.**"), Err(JwtError::Malformed));
        assert_eq!(verify(b"k", ""), Err(JwtError::Malformed));
    }
}

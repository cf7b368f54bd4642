//! Building request URLs under the configured base URL. Invariant: an identifier always lands
//! in exactly one path segment, whatever it contains (`+`, spaces, `/`, `#`, `%`, `?`,
//! non-ASCII), and the base URL's own path prefix (a proxy's `/hrwise`) is kept.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::error::FetchError;

/// Everything but RFC 3986 unreserved characters is encoded: `+` too, which some servers
/// decode as a space even in paths.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One identifier as one path segment. Empty, `.` and `..` cannot be one (URL parsers resolve
/// the dot segments even when percent-encoded), so they are refused.
pub fn path_segment(ident: &str) -> Result<String, FetchError> {
    let t = ident.trim();
    if t.is_empty() || t == "." || t == ".." {
        return Err(FetchError::Invalid {
            message: format!("{ident:?} cannot be used as an identifier in a URL path"),
        });
    }
    Ok(utf8_percent_encode(ident, SEGMENT).to_string())
}

/// The base URL's path without a trailing slash (`""` for `https://api.hrwise.ai`).
pub fn base_prefix(base: &Url) -> &str {
    base.path().trim_end_matches('/')
}

/// `base` + `path` (already encoded, starting with `/api/v1/`), with no query.
pub fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    u.set_path(&format!("{}{path}", base_prefix(base)));
    u.set_query(None);
    u.set_fragment(None);
    u
}

/// Method, path and query of a URL, for error messages and logs (no host: it is in config).
pub fn target(method: &str, url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{method} {}?{q}", url.path()),
        None => format!("{method} {}", url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_become_one_segment() {
        for (ident, want) in [
            ("EMP001", "EMP001"),
            ("jane+hr@example.com", "jane%2Bhr%40example.com"),
            ("id with spaces", "id%20with%20spaces"),
            ("a/b", "a%2Fb"),
            ("50%#1?x=y", "50%25%231%3Fx%3Dy"),
            ("Zoë", "Zo%C3%AB"),
            ("x.y_z~-", "x.y_z~-"),
            ("123", "123"),
        ] {
            assert_eq!(path_segment(ident).unwrap(), want, "{ident}");
        }
        for bad in ["", "  ", ".", ".."] {
            assert!(path_segment(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn encoded_segments_survive_url_building() {
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        let seg = path_segment("a/b c+d%2F").unwrap();
        let u = endpoint_url(&base, &format!("/api/v1/employees/{seg}/"));
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/api/v1/employees/a%2Fb%20c%2Bd%252F/"
        );
        assert_eq!(u.path_segments().unwrap().count(), 5);
        let seg = path_segment("..x").unwrap();
        let u = endpoint_url(&base, &format!("/api/v1/employees/{seg}/"));
        assert_eq!(u.path(), "/api/v1/employees/..x/");
    }

    #[test]
    fn the_base_path_prefix_is_kept() {
        let base = Url::parse("https://proxy.example/hrwise/").unwrap();
        let u = endpoint_url(&base, "/api/v1/employees/");
        assert_eq!(u.as_str(), "https://proxy.example/hrwise/api/v1/employees/");
        assert_eq!(target("GET", &u), "GET /hrwise/api/v1/employees/");
    }
}

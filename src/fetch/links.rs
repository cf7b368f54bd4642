//! Pagination links. Invariant: a `next` link is followed only after its path and query are
//! rebased onto the configured base URL (behind proxies `next` often names the wrong host or
//! scheme), and only when it asks for the page we want with our page size and filters.

use std::collections::BTreeMap;

use url::Url;

use super::encode::{base_prefix, endpoint_url};
use super::endpoints::EmployeeFilters;

pub(crate) const LIST_PATH: &str = "/api/v1/employees/";

/// Rebases a pagination link onto `base`: its path from `/api/v1/` on and its query, under the
/// base URL's scheme, host and path prefix. `None` unless it names `expected_path`.
pub fn rebase_link(base: &Url, link: &str, expected_path: &str) -> Option<Url> {
    let parsed = Url::parse(link).or_else(|_| base.join(link)).ok()?;
    let path = parsed.path();
    let at = path.find("/api/v1/")?;
    let path = &path[at..];
    let wanted = path == expected_path || format!("{path}/") == expected_path;
    if !wanted {
        return None;
    }
    let mut u = endpoint_url(base, expected_path);
    u.set_query(parsed.query());
    debug_assert!(u.path().starts_with(base_prefix(base)));
    Some(u)
}

/// The URL of list page `page`: the rebased `next` link when it asks for exactly that page
/// with our page size and filters (kept as the server wrote them, extra parameters included),
/// else one built from them.
pub fn page_url(
    base: &Url,
    next: Option<&str>,
    page: u32,
    page_size: u32,
    filters: &EmployeeFilters,
) -> Url {
    next.and_then(|l| rebase_link(base, l, LIST_PATH))
        .and_then(|mut u| {
            let q: BTreeMap<String, String> = u.query_pairs().into_owned().collect();
            let same = |k: &str, v: &str| q.get(k).is_none_or(|x| x.eq_ignore_ascii_case(v));
            let filters_kept = filters
                .pairs()
                .iter()
                .all(|(k, v)| q.get(*k).is_some_and(|x| x == v));
            let ok = q.get("page").is_some_and(|p| p.trim() == page.to_string())
                && same("page_size", &page_size.to_string())
                && filters_kept;
            if !ok {
                return None;
            }
            if !q.contains_key("page_size") {
                u.query_pairs_mut()
                    .append_pair("page_size", &page_size.to_string());
            }
            Some(u)
        })
        .unwrap_or_else(|| built_url(base, page, page_size, filters))
}

pub(crate) fn built_url(base: &Url, page: u32, page_size: u32, filters: &EmployeeFilters) -> Url {
    let mut u = endpoint_url(base, LIST_PATH);
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in filters.pairs() {
            q.append_pair(k, &v);
        }
        q.append_pair("page", &page.to_string());
        q.append_pair("page_size", &page_size.to_string());
    }
    u
}

/// The page number `url` asks for.
pub(crate) fn page_of(url: &Url) -> Option<u32> {
    url.query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// A URL for page `page` built on `template` (another page's URL).
pub(crate) fn with_page(template: &Url, page: u32) -> Url {
    let mut u = template.clone();
    let pairs: Vec<(String, String)> = template
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "page" {
                (k, page.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:4000").unwrap()
    }

    #[test]
    fn links_to_another_host_or_scheme_are_rebased() {
        let u = rebase_link(
            &base(),
            "https://api.hrwise.ai/api/v1/employees/?page=2&page_size=50",
            LIST_PATH,
        );
        assert_eq!(
            u.unwrap().as_str(),
            "http://127.0.0.1:4000/api/v1/employees/?page=2&page_size=50"
        );
        let u = rebase_link(
            &base(),
            "http://proxy.invalid:8080/api/v1/employees/?page=3",
            LIST_PATH,
        );
        assert_eq!(
            u.unwrap().as_str(),
            "http://127.0.0.1:4000/api/v1/employees/?page=3"
        );
        let u = rebase_link(&base(), "/api/v1/employees/?page=4", LIST_PATH);
        assert_eq!(
            u.unwrap().as_str(),
            "http://127.0.0.1:4000/api/v1/employees/?page=4"
        );
        // A proxy prefix on our side is kept; one on theirs is dropped.
        let prefixed = Url::parse("https://gw.example/hr/").unwrap();
        let u = rebase_link(
            &prefixed,
            "https://x.example/other/api/v1/employees/?page=2",
            LIST_PATH,
        );
        assert_eq!(
            u.unwrap().as_str(),
            "https://gw.example/hr/api/v1/employees/?page=2"
        );
    }

    #[test]
    fn links_elsewhere_are_not_followed() {
        for link in [
            "https://evil.example/steal?page=2",
            "https://api.hrwise.ai/api/v1/successors/?page=2",
            "::not a url::",
            "",
        ] {
            assert_eq!(rebase_link(&base(), link, LIST_PATH), None, "{link}");
        }
    }

    #[test]
    fn page_urls_use_a_good_next_link_else_build_one() {
        let f = EmployeeFilters {
            is_active: Some(true),
            ..Default::default()
        };
        let good =
            "https://api.hrwise.ai/api/v1/employees/?is_active=true&page=2&page_size=100&cursor=x";
        assert_eq!(
            page_url(&base(), Some(good), 2, 100, &f).as_str(),
            "http://127.0.0.1:4000/api/v1/employees/?is_active=true&page=2&page_size=100&cursor=x"
        );
        // Dropped page_size is put back; a dropped filter or a wrong page means: build it.
        let u = page_url(
            &base(),
            Some("/api/v1/employees/?is_active=true&page=2"),
            2,
            100,
            &f,
        );
        assert_eq!(u.query(), Some("is_active=true&page=2&page_size=100"));
        let built = "http://127.0.0.1:4000/api/v1/employees/?is_active=true&page=2&page_size=100";
        for bad in [
            "/api/v1/employees/?page=2&page_size=100",
            "/api/v1/employees/?is_active=true&page=5",
            "/api/v1/employees/?is_active=true",
        ] {
            assert_eq!(
                page_url(&base(), Some(bad), 2, 100, &f).as_str(),
                built,
                "{bad}"
            );
        }
        assert_eq!(page_url(&base(), None, 2, 100, &f).as_str(), built);
        assert_eq!(
            with_page(&Url::parse(built).unwrap(), 7).query(),
            Some("is_active=true&page=7&page_size=100")
        );
    }
}

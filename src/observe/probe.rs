//! A minimal HTTP/1.0 GET over a plain TCP socket, for `hrwise-sync healthcheck`: the
//! container image has no curl, and the daemon's listener speaks plain HTTP on loopback.
//! Invariant: reads only the status line; never follows redirects; bounded by one timeout.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// GETs `url` (`http://host:port/path`) and returns the response's status code.
pub fn get(url: &str, timeout: Duration) -> Result<u16, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("{url}: only http:// is supported"));
    }
    let host = parsed.host_str().ok_or_else(|| format!("{url}: no host"))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let deadline = Instant::now() + timeout;
    let addrs = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?;
    let mut last_error = format!("{host}: no address");
    for addr in addrs {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let mut stream = match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => s,
            Err(e) => {
                last_error = format!("cannot connect to {addr}: {e}");
                continue;
            }
        };
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        let path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        };
        let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("{addr}: {e}"))?;
        let mut line = String::new();
        BufReader::new(stream)
            .read_line(&mut line)
            .map_err(|e| format!("{addr}: {e}"))?;
        // "HTTP/1.1 200 OK"
        let code = line.split_whitespace().nth(1).and_then(|c| c.parse().ok());
        return code.ok_or_else(|| format!("{addr}: not an HTTP response: {:?}", line.trim_end()));
    }
    Err(last_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_is_an_error_not_a_hang() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = get(
            &format!("http://127.0.0.1:{port}/healthz"),
            Duration::from_secs(2),
        )
        .unwrap_err();
        assert!(err.contains("cannot connect"), "{err}");
        assert!(get("https://example.com/", Duration::from_secs(1)).is_err());
    }
}

//! Server-side AWS Signature Version 4 verification, as a pure module.
//!
//! The server hands [`parse`] what it received (method, raw path and query, headers, body)
//! and gets back the parsed [`Authorization`]: access key id, credential scope, signed
//! header list and the claimed signature. It then looks the key up (the only step that
//! needs the store), checks the clock with [`Authorization::check_clock`] (the current time
//! is a parameter, so tests control it) and the signature with [`Authorization::verify`].
//!
//! The canonical request is rebuilt from the bytes the server actually received and the
//! header list the *client* claims to have signed: no assumptions about which headers a
//! given SDK signs. On top of SigV4's own rules, a JSON 1.1 request (one with an
//! `X-Amz-Target`) must sign `x-amz-target` and `content-type`, so a captured request cannot
//! be replayed as a different operation (reference/security.md §3.2 step 6).
//!
//! Errors carry AWS's codes and messages. The server never echoes its canonical request or
//! string to sign (AWS does; for a secrets store it would tell an attacker what was seen).

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The only signing algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The credential-scope terminator.
const TERMINATOR: &str = "aws4_request";

/// The largest clock-skew window a server may be configured with (AWS's own maximum).
pub const MAX_SKEW_LIMIT: Duration = Duration::from_secs(15 * 60);

/// The default clock-skew window: AWS's documented general rule.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// Why a request failed authentication, in AWS's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header at all.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The header is there but malformed or incomplete; the message says what is missing.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The access key id is unknown or inactive.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// The signature, its scope or its time is wrong; the message says which.
    #[error("{0}")]
    InvalidSignature(String),
}

/// AWS's text for a signature that does not match.
pub const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl SigV4Error {
    /// The AWS error code (`__type`).
    pub fn code(&self) -> &'static str {
        match self {
            SigV4Error::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            SigV4Error::IncompleteSignature(_) => "IncompleteSignatureException",
            SigV4Error::UnrecognizedClient => "UnrecognizedClientException",
            SigV4Error::InvalidSignature(_) => "InvalidSignatureException",
        }
    }

    /// The HTTP status: 403 for a request with no credentials at all, 400 for the rest
    /// (what AWS JSON 1.1 services answer; botocore reads the code, not the status).
    pub fn status(&self) -> u16 {
        match self {
            SigV4Error::MissingAuthenticationToken => 403,
            _ => 400,
        }
    }

    fn mismatch() -> SigV4Error {
        SigV4Error::InvalidSignature(SIGNATURE_MISMATCH.into())
    }
}

fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::IncompleteSignature(msg.into())
}

/// What the server received, as it received it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The path as sent on the wire (percent-encoded), e.g. `/`.
    pub path: &'a str,
    /// The raw query string without the `?` (empty when none).
    pub query: &'a str,
    /// All request headers, repeated ones in arrival order.
    pub headers: &'a HeaderMap,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// A parsed `Authorization` header whose syntax, scope and required signed headers are valid.
/// Whether the key exists, the clock and the signature itself are checked afterwards.
#[derive(Debug, Clone)]
pub struct Authorization {
    access_key_id: String,
    /// `yyyymmdd` from the credential scope.
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: [u8; 32],
    /// The request time (`X-Amz-Date`, else `Date`).
    time: DateTime<Utc>,
    /// `time` as the string to sign writes it (`yyyymmddThhmmssZ`).
    amz_time: String,
}

/// The access key id an `Authorization` header claims, read as [`parse`] reads it but with
/// nothing else checked: for throttling failed authentication before any work is done.
/// `None` without a `Credential` parameter or with an empty key id.
pub fn claimed_access_key_id(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (_, params) = header.trim().split_once(' ')?;
    params
        .split(',')
        .filter_map(|part| part.split_once('='))
        .find(|(name, _)| name.trim() == "Credential")?
        .1
        .trim()
        .split('/')
        .next()
        .filter(|k| !k.is_empty())
}

/// Parses and checks an `Authorization` header for `service` (`secretsmanager` on the wire).
///
/// # Errors
/// `MissingAuthenticationToken` without the header; `IncompleteSignature` when a part is
/// missing or malformed or a required header is not signed; `InvalidSignature` when the
/// credential scope does not match the request date or the service.
pub fn parse(req: &Request<'_>, service: &str) -> Result<Authorization, SigV4Error> {
    let mut values = req.headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(header) = values.next() else {
        return Err(SigV4Error::MissingAuthenticationToken);
    };
    if values.next().is_some() {
        return Err(incomplete("Only one Authorization header is allowed."));
    }
    let header = header
        .to_str()
        .map_err(|_| incomplete("Authorization header must be ASCII."))?
        .trim();
    let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
    if scheme != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported AWS 'algorithm': '{}'. Only '{ALGORITHM}' is supported.",
            scheme.chars().take(40).collect::<String>()
        )));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').ok_or_else(|| {
            incomplete("Authorization header parameters must be name=value pairs.")
        })?;
        let slot = match name.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(incomplete(format!(
                    "Unsupported Authorization header parameter '{}'.",
                    other.chars().take(40).collect::<String>()
                )));
            }
        };
        if slot.replace(value.trim()).is_some() {
            return Err(incomplete(format!(
                "Authorization header has more than one '{}' parameter.",
                name.trim()
            )));
        }
    }
    let mut missing = String::new();
    for (name, v) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if v.is_none_or(str::is_empty) {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete(missing.trim_end()));
    };
    if !missing.is_empty() {
        return Err(incomplete(missing.trim_end()));
    }
    let (time, time_text) = request_time(req.headers)?;

    // Credential=AKID/yyyymmdd/region/service/aws4_request
    let scope: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, svc, terminator] = scope[..] else {
        return Err(incomplete(
            "Incorrect Credential format; expected <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.",
        ));
    };
    if akid.is_empty() {
        return Err(incomplete("Credential requires an access key id."));
    }
    let amz_time = basic_iso8601(&time);
    let request_date = &amz_time[..8];
    if date != request_date {
        return Err(SigV4Error::InvalidSignature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{request_date}', from '{time_text}'."
        )));
    }
    if region.is_empty() {
        return Err(SigV4Error::InvalidSignature(
            "Credential should be scoped to a valid region.".into(),
        ));
    }
    if svc != service {
        return Err(SigV4Error::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{service}'."
        )));
    }
    if terminator != TERMINATOR {
        return Err(SigV4Error::InvalidSignature(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
            terminator.chars().take(40).collect::<String>()
        )));
    }

    let signature = decode_signature(signature)?;
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(incomplete("SignedHeaders must not contain empty names."));
    }
    let signs = |name: &str| signed_headers.iter().any(|h| h == name);
    if !signs("host") && !signs(":authority") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let date_header = if req.headers.contains_key("x-amz-date") {
        "x-amz-date"
    } else {
        "date"
    };
    if !signs(date_header) {
        return Err(incomplete(format!(
            "'{}' must be a 'SignedHeader' in the AWS Authorization.",
            if date_header == "date" {
                "Date"
            } else {
                "X-Amz-Date"
            }
        )));
    }
    // JSON 1.1: the operation and the content type are part of what is signed.
    if req.headers.contains_key("x-amz-target") {
        for (name, shown) in [
            ("x-amz-target", "X-Amz-Target"),
            ("content-type", "Content-Type"),
        ] {
            if !signs(name) {
                return Err(incomplete(format!(
                    "'{shown}' must be a 'SignedHeader' in the AWS Authorization."
                )));
            }
        }
    }
    for name in ["x-amz-security-token", "x-amz-content-sha256"] {
        if req.headers.contains_key(name) && !signs(name) {
            return Err(incomplete(format!(
                "'{name}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }

    Ok(Authorization {
        access_key_id: akid.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: svc.to_owned(),
        signed_headers,
        signature,
        time,
        amz_time,
    })
}

/// The request time from `X-Amz-Date` (`yyyymmddTHHMMSSZ`), else from `Date` (RFC 7231),
/// with the text it came from.
fn request_time(headers: &HeaderMap) -> Result<(DateTime<Utc>, String), SigV4Error> {
    if let Some(v) = headers.get("x-amz-date") {
        let text = v.to_str().unwrap_or("").trim();
        let t = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .map_err(|_| {
                incomplete(format!(
                    "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                    text.chars().take(40).collect::<String>()
                ))
            })?;
        return Ok((Utc.from_utc_datetime(&t), text.to_owned()));
    }
    if let Some(v) = headers.get(http::header::DATE) {
        let text = v.to_str().unwrap_or("").trim();
        let t = DateTime::parse_from_rfc2822(text)
            .map_err(|_| incomplete("The Date header is not a valid HTTP date."))?;
        return Ok((t.with_timezone(&Utc), text.to_owned()));
    }
    Err(incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ))
}

fn decode_signature(s: &str) -> Result<[u8; 32], SigV4Error> {
    let mut out = [0u8; 32];
    if s.len() != 64 || hex::decode_to_slice(s, &mut out).is_err() {
        return Err(incomplete(
            "Signature must be 64 hexadecimal characters (the hex-encoded HMAC-SHA256).",
        ));
    }
    Ok(out)
}

impl Authorization {
    /// The access key id from the credential scope.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The region from the credential scope (the region the request is for).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The request time the client signed.
    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }

    /// `yyyymmdd/region/service/aws4_request`.
    pub fn credential_scope(&self) -> String {
        format!(
            "{}/{}/{}/{TERMINATOR}",
            self.date, self.region, self.service
        )
    }

    /// Refuses a request signed more than `max_skew` before or after `now` (the edges are
    /// accepted).
    ///
    /// # Errors
    /// `InvalidSignature` with AWS's "Signature expired" / "Signature not yet current" text.
    pub fn check_clock(&self, now: DateTime<Utc>, max_skew: Duration) -> Result<(), SigV4Error> {
        let window = chrono::Duration::from_std(max_skew).unwrap_or(chrono::Duration::MAX);
        let amz = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let shown = if max_skew.as_secs().is_multiple_of(60) {
            format!("{} min.", max_skew.as_secs() / 60)
        } else {
            format!("{} sec.", max_skew.as_secs())
        };
        if self.time < now - window {
            return Err(SigV4Error::InvalidSignature(format!(
                "Signature expired: {} is now earlier than {} ({} - {shown})",
                amz(self.time),
                amz(now - window),
                amz(now)
            )));
        }
        if self.time > now + window {
            return Err(SigV4Error::InvalidSignature(format!(
                "Signature not yet current: {} is still later than {} ({} + {shown})",
                amz(self.time),
                amz(now + window),
                amz(now)
            )));
        }
        Ok(())
    }

    /// The canonical request for `req` under this header's signed-header list.
    pub fn canonical_request(&self, req: &Request<'_>) -> String {
        canonical_request(req, &self.signed_headers, &hex_sha256(req.body))
    }

    /// The string to sign for `req`.
    pub fn string_to_sign(&self, req: &Request<'_>) -> String {
        string_to_sign(
            &self.amz_time,
            &self.credential_scope(),
            &self.canonical_request(req),
        )
    }

    /// Checks the signature against `secret` (the secret access key) in constant time.
    ///
    /// # Errors
    /// `InvalidSignature` when the signature does not match, or when a signed
    /// `x-amz-content-sha256` is not the hash of the body received.
    pub fn verify(&self, req: &Request<'_>, secret: &[u8]) -> Result<(), SigV4Error> {
        let body_hash = hex_sha256(req.body);
        if let Some(claimed) = req.headers.get("x-amz-content-sha256") {
            if claimed.as_bytes() != body_hash.as_bytes() {
                return Err(SigV4Error::InvalidSignature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed."
                        .into(),
                ));
            }
        }
        let sts = string_to_sign(
            &self.amz_time,
            &self.credential_scope(),
            &canonical_request(req, &self.signed_headers, &body_hash),
        );
        let key = signing_key(secret, &self.date, &self.region, &self.service);
        let expected = hmac_sha256(&key, sts.as_bytes());
        if bool::from(expected.ct_eq(&self.signature)) {
            Ok(())
        } else {
            Err(SigV4Error::mismatch())
        }
    }
}

/// `yyyymmddThhmmssZ`, the ISO 8601 basic format SigV4 signs (formatted field by field:
/// a strftime pattern is parsed again on every call, and this runs on every request).
fn basic_iso8601(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The SigV4 signing key: the HMAC chain over date, region, service and `aws4_request`.
pub fn signing_key(secret: &[u8], date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut seed = Vec::with_capacity(4 + secret.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret);
    let k_date = hmac_sha256(&seed, date.as_bytes());
    seed.fill(0);
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// `AWS4-HMAC-SHA256 \n time \n scope \n hex(SHA-256(canonical request))`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// The canonical request: method, canonical URI, canonical query, canonical headers (the
/// signed ones, in the order given), the signed-header list and the payload hash.
pub fn canonical_request(
    req: &Request<'_>,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let mut out = String::new();
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.path));
    out.push('\n');
    out.push_str(&canonical_query(req.query));
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        let value = if name == ":authority" {
            header_values(req.headers, "host")
        } else {
            header_values(req.headers, name)
        };
        out.push_str(&value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

/// All values of one header, each trimmed with inner whitespace runs collapsed, joined by
/// commas in arrival order. Non-UTF-8 bytes are replaced (the signature then fails).
fn header_values(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_ascii_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The canonical URI: the path as sent, with `.`/`..` and empty segments removed and each
/// segment URI-encoded again — so an already-encoded `%3D` becomes `%253D` (AWS's rule for
/// every service but S3; the test suite's `double-encode-path` case) — `/` when empty.
pub fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<Vec<u8>> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s.as_bytes().to_vec()),
        }
    }
    let mut out = String::from("/");
    out.push_str(
        &segments
            .iter()
            .map(|s| uri_encode(s))
            .collect::<Vec<_>>()
            .join("/"),
    );
    if !segments.is_empty() && path.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: names and values decoded, re-encoded with SigV4's encoding,
/// sorted by name then value.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(n)),
                uri_encode(&percent_decode(v)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// SigV4's URI encoding: unreserved characters (`A-Z a-z 0-9 - _ . ~`) as they are, every
/// other byte as `%XX` (uppercase).
pub fn uri_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; anything that is not a valid escape stays as it is. `+` is not a
/// space here (SigV4 clients encode spaces as `%20`).
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = (b[i + 1] as char).to_digit(16);
            let lo = (b[i + 2] as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;

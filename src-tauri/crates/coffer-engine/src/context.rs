//! Who is asking, from where: the request context every engine operation receives.
//!
//! The context is what authorization evaluates and what the audit event records.

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The desktop app.
    Ui,
    /// The AWS-compatible HTTP API.
    Api,
    /// The `coffer` command line.
    Cli,
    /// The rotation scheduler or background maintenance (purges).
    Scheduler,
}

impl Source {
    /// The name stored in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Scheduler => "scheduler",
        }
    }
}

/// The caller of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account root: the desktop operator and the CLI admin with the master password.
    Root,
    /// An IAM-like user or role, by ARN.
    Arn(String),
    /// Coffer itself (background maintenance such as purging deleted secrets).
    Coffer,
}

/// Everything known about one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Where the request came from.
    pub source: Source,
    /// Who made it.
    pub principal: Principal,
    /// The access key id that signed it (API requests).
    pub access_key_id: Option<String>,
    /// Client address (API requests).
    pub client_addr: Option<String>,
    /// Request id (a UUID, echoed as `x-amzn-RequestId` by the API).
    pub request_id: String,
    /// Region namespace; `None` = the store's default region.
    pub region: Option<String>,
    /// True when the request arrived over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// The store state the request was authenticated against ([`crate::Credential`]'s
    /// `as_of`). A read that runs from the read cache uses it instead of reading the
    /// store's generation counters again; `None` reads them.
    pub as_of: Option<AsOf>,
}

/// A point in the store's history: the generation counters one statement read. Opaque;
/// obtained from [`crate::Engine::authenticate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf(pub(crate) coffer_store::Generations);

impl RequestContext {
    /// A request by the account root from `source`, in the default region.
    pub fn root(source: Source) -> RequestContext {
        RequestContext {
            source,
            principal: Principal::Root,
            access_key_id: None,
            client_addr: None,
            request_id: uuid::Uuid::new_v4().to_string(),
            region: None,
            secure_transport: false,
            as_of: None,
        }
    }

    /// A request by the principal with ARN `arn` from `source`, in the default region.
    pub fn principal(source: Source, arn: impl Into<String>) -> RequestContext {
        RequestContext {
            principal: Principal::Arn(arn.into()),
            ..RequestContext::root(source)
        }
    }

    /// The same context in `region`.
    pub fn in_region(mut self, region: impl Into<String>) -> RequestContext {
        self.region = Some(region.into());
        self
    }
}

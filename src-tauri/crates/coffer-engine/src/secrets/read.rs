//! The actions that read secrets: GetSecretValue, BatchGetSecretValue, DescribeSecret,
//! ListSecrets, ListSecretVersionIds, GetRandomPassword. Reads are audited too, and
//! GetSecretValue keeps LastAccessedDate (day resolution, so it rarely writes).

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use coffer_crypto::SecretBytes;
use coffer_crypto::password::{PasswordError, PasswordRules, random_password};
use coffer_store::SecretRow;

use super::labels::{self, LabelMap};
use super::{
    AWSCURRENT, SecretValue, Tag, date, denied_as_asked, validate_stage, validate_version_id,
};
use crate::clock::day_of;
use crate::error::{Error, ErrorCode, Result};
use crate::filter::{self, Candidate, Filter};
use crate::group_commit::Deferred;
use crate::{Engine, Op, RequestContext, read_cache};

/// GetSecretValue input.
#[derive(Debug, Clone, Default)]
pub struct GetSecretValueInput {
    /// Name or ARN.
    pub secret_id: String,
    /// A version id.
    pub version_id: Option<String>,
    /// A staging label (default AWSCURRENT when neither is given).
    pub version_stage: Option<String>,
}

/// One secret value read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValueOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Version id.
    pub version_id: String,
    /// The value.
    pub value: SecretValue,
    /// The version's labels.
    pub version_stages: Vec<String>,
    /// When the version was created.
    pub created_date: DateTime<Utc>,
}

/// A filter as it arrives: key and values, both optional and unchecked.
pub type RawFilter = (Option<String>, Option<Vec<String>>);

/// BatchGetSecretValue input.
#[derive(Debug, Clone, Default)]
pub struct BatchGetSecretValueInput {
    /// 1–20 secret ids, or …
    pub secret_id_list: Option<Vec<String>>,
    /// … filters as for ListSecrets.
    pub filters: Option<Vec<RawFilter>>,
    /// 1–20, only with filters.
    pub max_results: Option<i64>,
    /// Paging token.
    pub next_token: Option<String>,
}

/// One per-secret failure of BatchGetSecretValue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    /// The id as given (or the ARN for filter matches).
    pub secret_id: String,
    /// AWS error code.
    pub error_code: String,
    /// Message.
    pub message: String,
}

/// BatchGetSecretValue output.
#[derive(Debug, Clone)]
pub struct BatchGetSecretValueOutput {
    /// Values read.
    pub secret_values: Vec<SecretValueOutput>,
    /// Per-secret failures.
    pub errors: Vec<BatchError>,
    /// Paging token.
    pub next_token: Option<String>,
}

/// A secret's metadata (DescribeSecret, and each entry of ListSecrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDescription {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// KmsKeyId as given (absent for the default key).
    pub kms_key_id: Option<String>,
    /// Partner type.
    pub secret_type: Option<String>,
    /// Owning service.
    pub owning_service: Option<String>,
    /// Created.
    pub created_date: DateTime<Utc>,
    /// Last changed.
    pub last_changed_date: Option<DateTime<Utc>>,
    /// Last read (day resolution).
    pub last_accessed_date: Option<DateTime<Utc>>,
    /// When DeleteSecret was called.
    pub deleted_date: Option<DateTime<Utc>>,
    /// When the purge is due.
    pub deletion_date: Option<DateTime<Utc>>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Labelled versions → their labels.
    pub version_ids_to_stages: BTreeMap<String, Vec<String>>,
    /// Rotation members (RotationEnabled, RotationLambdaARN, RotationRules,
    /// LastRotatedDate, NextRotationDate); `None` when rotation was never configured.
    pub rotation: Option<crate::rotation::RotationDescription>,
}

/// ListSecrets sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// CreatedDate (default).
    #[default]
    CreatedDate,
    /// LastAccessedDate.
    LastAccessedDate,
    /// LastChangedDate.
    LastChangedDate,
    /// Name.
    Name,
}

impl SortBy {
    /// Parses AWS's value (`created-date`, `last-accessed-date`, `last-changed-date`, `name`).
    pub fn parse(s: &str) -> Result<SortBy> {
        Ok(match s {
            "created-date" => SortBy::CreatedDate,
            "last-accessed-date" => SortBy::LastAccessedDate,
            "last-changed-date" => SortBy::LastChangedDate,
            "name" => SortBy::Name,
            _ => {
                return Err(Error::new(
                    ErrorCode::Validation,
                    format!(
                        "1 validation error detected: Value '{s}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]"
                    ),
                ));
            }
        })
    }
}

/// ListSecrets input.
#[derive(Debug, Clone, Default)]
pub struct ListSecretsInput {
    /// Include secrets scheduled for deletion.
    pub include_planned_deletion: bool,
    /// 1–100 (default 100).
    pub max_results: Option<i64>,
    /// Paging token.
    pub next_token: Option<String>,
    /// Filters.
    pub filters: Vec<RawFilter>,
    /// The desktop's search box: every word must match (see `filter::search_filters`).
    pub search: Option<String>,
    /// `asc` (default) or `desc`.
    pub sort_order: Option<String>,
    /// Sort key.
    pub sort_by: Option<String>,
}

/// ListSecrets output.
#[derive(Debug, Clone)]
pub struct ListSecretsOutput {
    /// The page.
    pub secret_list: Vec<SecretDescription>,
    /// Paging token.
    pub next_token: Option<String>,
}

/// ListSecretVersionIds input.
#[derive(Debug, Clone, Default)]
pub struct ListSecretVersionIdsInput {
    /// Name or ARN.
    pub secret_id: String,
    /// 1–100.
    pub max_results: Option<i64>,
    /// Paging token.
    pub next_token: Option<String>,
    /// Include unlabelled (deprecated) versions.
    pub include_deprecated: bool,
}

/// One entry of ListSecretVersionIds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// Version id.
    pub version_id: String,
    /// Labels (empty for deprecated versions).
    pub version_stages: Vec<String>,
    /// Last read (day resolution).
    pub last_accessed_date: Option<DateTime<Utc>>,
    /// Created.
    pub created_date: DateTime<Utc>,
    /// `DEFAULT` for the default key, else the key ARN.
    pub kms_key_ids: Vec<String>,
}

/// ListSecretVersionIds output.
#[derive(Debug, Clone)]
pub struct ListSecretVersionIdsOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Versions, newest first.
    pub versions: Vec<VersionEntry>,
    /// Paging token.
    pub next_token: Option<String>,
}

fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("coffer:v1:{offset}"))
}

/// The largest offset a token may carry. No list Coffer pages is this long, so a larger
/// offset was made up by the client; refusing it keeps `offset + page size` and the SQL
/// `OFFSET` (an `i64`) from overflowing.
const MAX_TOKEN_OFFSET: usize = u32::MAX as usize;

/// The offset in a token from [`encode_token`]. Anything else, including an offset written
/// differently (`+1`, `01`) or past [`MAX_TOKEN_OFFSET`], is `InvalidNextTokenException`.
fn decode_token(token: &str) -> Result<usize> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let n = s.strip_prefix("coffer:v1:")?;
            let offset: usize = n.parse().ok()?;
            (offset <= MAX_TOKEN_OFFSET && offset.to_string() == n).then_some(offset)
        })
        .ok_or_else(Error::invalid_next_token)
}

fn page_size(member: &str, v: Option<i64>, max: i64, default: i64) -> Result<usize> {
    match v {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) if n < 1 => Err(Error::new(
            ErrorCode::Validation,
            format!(
                "1 validation error detected: Value '{n}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to 1"
            ),
        )),
        Some(n) => Err(Error::new(
            ErrorCode::Validation,
            format!(
                "1 validation error detected: Value '{n}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}"
            ),
        )),
    }
}

fn parse_filters(raw: &[RawFilter]) -> Result<Vec<Filter>> {
    filter::parse_filters(raw).map_err(|e| {
        let code = match e.kind {
            filter::FilterErrorKind::InvalidParameter => ErrorCode::InvalidParameter,
            filter::FilterErrorKind::Validation => ErrorCode::Validation,
        };
        Error::new(code, e.message)
    })
}

fn describe(row: &SecretRow, tags: Vec<Tag>, labels: &LabelMap) -> SecretDescription {
    SecretDescription {
        arn: row.arn.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        kms_key_id: row.kms_key_id.clone(),
        secret_type: row.secret_type.clone(),
        owning_service: row.owning_service.clone(),
        created_date: date(row.created_at),
        last_changed_date: Some(date(row.last_changed_at)),
        last_accessed_date: row.last_accessed_at.map(date),
        deleted_date: row.deleted_at.map(date),
        deletion_date: row.deletion_date.map(date),
        tags,
        version_ids_to_stages: labels::by_version(labels)
            .into_iter()
            .map(|(v, ls)| (v.to_owned(), ls.into_iter().map(str::to_owned).collect()))
            .collect(),
        rotation: None,
    }
}

impl Engine {
    /// GetSecretValue.
    pub async fn get_secret_value(
        &self,
        ctx: &RequestContext,
        input: GetSecretValueInput,
    ) -> Result<SecretValueOutput> {
        // From memory first. The first row the cache lacks ends that attempt before
        // anything is audited, and the read runs again on a snapshot that fills the cache.
        let mut op = self.begin_cached_read(ctx, "GetSecretValue").await?;
        let mut result = self.get_secret_value_in(&mut op, &input).await;
        if result.as_ref().is_err_and(read_cache::is_cache_miss) {
            op = self.begin_read(ctx, "GetSecretValue").await?;
            result = self.get_secret_value_in(&mut op, &input).await;
        }
        self.finish(op, result).await
    }

    async fn get_secret_value_in(
        &self,
        op: &mut Op<'_>,
        input: &GetSecretValueInput,
    ) -> Result<SecretValueOutput> {
        let mut keys = Vec::new();
        if let Some(v) = &input.version_id {
            keys.push(crate::authz::key(
                coffer_policy::keys::VERSION_ID,
                v.clone(),
            ));
        }
        if let Some(v) = &input.version_stage {
            keys.push(crate::authz::key(
                coffer_policy::keys::VERSION_STAGE,
                v.clone(),
            ));
        }
        let secret = self.require_secret_with(op, &input.secret_id, keys).await?;
        self.read_value(
            op,
            &secret,
            input.version_id.as_deref(),
            input.version_stage.as_deref(),
        )
        .await
    }

    async fn read_value(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValueOutput> {
        if let Some(v) = version_id {
            validate_version_id("versionId", v)?;
        }
        if let Some(s) = stage {
            validate_stage("versionStage", s)?;
        }
        if secret.deleted_at.is_some() {
            return Err(Error::marked_for_deletion());
        }
        let labels: LabelMap = self
            .cached(
                op,
                read_cache::labels,
                secret.id,
                read_cache::small,
                async |c| Ok(coffer_store::list_labels(c, secret.id).await?),
            )
            .await?
            .into_iter()
            .map(|l| (l.label, l.version_id))
            .collect();
        let not_found = |what: String| {
            Error::new(
                ErrorCode::ResourceNotFound,
                format!("Secrets Manager can't find the specified secret value for {what}"),
            )
        };
        let vid = match (version_id, stage) {
            (Some(v), stage) => {
                if let Some(s) = stage {
                    if labels.get(s).map(String::as_str) != Some(v) {
                        // An absent version is "not found" first (what AWS's rotation
                        // template expects in createSecret), a mismatch only otherwise.
                        if self.find_version(op, secret.id, v).await?.is_none() {
                            return Err(not_found(format!("VersionId: {v}")));
                        }
                        return Err(Error::invalid_request(
                            "You provided a VersionStage that is not associated to the provided VersionId.",
                        ));
                    }
                }
                v.to_owned()
            }
            (None, stage) => {
                let s = stage.unwrap_or(AWSCURRENT);
                labels
                    .get(s)
                    .cloned()
                    .ok_or_else(|| not_found(format!("staging label: {s}")))?
            }
        };
        let missing = || match (version_id, stage) {
            (Some(v), _) => not_found(format!("VersionId: {v}")),
            (None, s) => not_found(format!("staging label: {}", s.unwrap_or(AWSCURRENT))),
        };
        let version = self
            .find_version(op, secret.id, &vid)
            .await?
            .ok_or_else(missing)?;
        op.event.version_id = Some(vid.clone());
        let value = self
            .open_value(op, secret, &version)
            .await?
            .ok_or_else(missing)?;
        let day = day_of(op.now);
        // Day resolution: the rows just read say whether today is already recorded.
        // A read defers these writes into its (group-committed) audit transaction.
        if secret.last_accessed_at.is_none_or(|d| d < day) {
            let write = Deferred::TouchSecret {
                secret_id: secret.id,
                day,
            };
            self.defer_or_write(op, write).await?;
        }
        if version.last_accessed_at.is_none_or(|d| d < day) {
            let write = Deferred::TouchVersion {
                secret_id: secret.id,
                version_id: vid.clone(),
                day,
            };
            self.defer_or_write(op, write).await?;
        }
        Ok(SecretValueOutput {
            arn: secret.arn.clone(),
            name: secret.name.clone(),
            version_stages: labels::labels_of(&labels, &vid)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            version_id: vid,
            value,
            created_date: date(version.created_at),
        })
    }

    /// A sealed version of a secret, through the read cache.
    async fn find_version(
        &self,
        op: &mut Op<'_>,
        secret_id: i64,
        version_id: &str,
    ) -> Result<Option<coffer_store::VersionRow>> {
        let key = (secret_id, version_id.to_owned());
        self.cached(
            op,
            read_cache::versions,
            key,
            read_cache::version_bytes,
            async |c| Ok(coffer_store::find_version(c, secret_id, version_id).await?),
        )
        .await
    }

    /// BatchGetSecretValue: the AWSCURRENT values of up to 20 secrets, with per-secret
    /// failures reported in `errors` instead of failing the call.
    pub async fn batch_get_secret_value(
        &self,
        ctx: &RequestContext,
        input: BatchGetSecretValueInput,
    ) -> Result<BatchGetSecretValueOutput> {
        let mut op = self.begin_read(ctx, "BatchGetSecretValue").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let mut out = BatchGetSecretValueOutput {
                secret_values: Vec::new(),
                errors: Vec::new(),
                next_token: None,
            };
            let mut arns = Vec::new();
            match (&input.secret_id_list, &input.filters) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(Error::invalid_parameter(
                        "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
                    ));
                }
                (Some(ids), None) => {
                    if input.max_results.is_some() {
                        return Err(Error::invalid_parameter(
                            "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
                        ));
                    }
                    if ids.is_empty() || ids.len() > 20 {
                        return Err(Error::validation(
                            "secretIdList",
                            "Member must have length between 1 and 20",
                        ));
                    }
                    let start = match &input.next_token {
                        Some(t) => decode_token(t)?,
                        None => 0,
                    };
                    for id in ids.iter().skip(start) {
                        let found = match self.find_secret(&mut op, id).await {
                            Ok(f) => f,
                            Err(e) => {
                                out.errors.push(batch_error(id, &e));
                                continue;
                            }
                        };
                        let resource = self.secret_resource(&op, id, found.as_ref());
                        if let Err(e) = self
                            .authorize_action(&mut op, "secretsmanager:GetSecretValue", &resource, found.as_ref(), &Vec::new(), false)
                            .await
                        {
                            out.errors.push(batch_error(id, &denied_as_asked(e, &resource, id)));
                            continue;
                        }
                        match found {
                            None => out.errors.push(batch_error(id, &Error::not_found())),
                            Some(s) => match self.read_value(&mut op, &s, None, None).await {
                                Ok(v) => {
                                    arns.push(s.arn.clone());
                                    out.secret_values.push(v);
                                }
                                Err(e) => out.errors.push(batch_error(id, &e)),
                            },
                        }
                    }
                }
                (None, Some(raw)) => {
                    let size = page_size("maxResults", input.max_results, 20, 20)?;
                    let filters = parse_filters(raw)?;
                    // Filters list secrets (their ARNs reach the error entries), so AWS
                    // requires ListSecrets as well.
                    self.authorize_action(&mut op, "secretsmanager:ListSecrets", "*", None, &Vec::new(), true)
                        .await?;
                    let start = match &input.next_token {
                        Some(t) => decode_token(t)?,
                        None => 0,
                    };
                    let matching = self.matching_secrets(&mut op, &filters, false).await?;
                    let end = (start + size).min(matching.len());
                    for s in matching.get(start..end).unwrap_or_default() {
                        if let Err(e) = self
                            .authorize_action(&mut op, "secretsmanager:GetSecretValue", &s.arn, Some(s), &Vec::new(), false)
                            .await
                        {
                            out.errors.push(batch_error(&s.arn, &e));
                            continue;
                        }
                        match self.read_value(&mut op, s, None, None).await {
                            Ok(v) => {
                                arns.push(s.arn.clone());
                                out.secret_values.push(v);
                            }
                            Err(e) => out.errors.push(batch_error(&s.arn, &e)),
                        }
                    }
                    if end < matching.len() {
                        out.next_token = Some(encode_token(end));
                    }
                }
            }
            op.event.detail("secretArns", arns);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// DescribeSecret (works on a secret scheduled for deletion).
    pub async fn describe_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<SecretDescription> {
        let mut op = self.begin_read(ctx, "DescribeSecret").await?;
        let result = async {
            let secret = self.require_secret(&mut op, secret_id).await?;
            let tags = coffer_store::list_tags(op.tx.conn(), secret.id)
                .await?
                .into_iter()
                .map(|(k, v)| Tag::new(k, v))
                .collect();
            let labels: LabelMap = coffer_store::list_labels(op.tx.conn(), secret.id)
                .await?
                .into_iter()
                .map(|l| (l.label, l.version_id))
                .collect();
            let mut d = describe(&secret, tags, &labels);
            d.rotation = Engine::rotation_description(op.tx.conn(), secret.id).await?;
            Ok(d)
        }
        .await;
        self.finish(op, result).await
    }

    /// Every secret of the region that passes `filters`, in creation order.
    async fn matching_secrets(
        &self,
        op: &mut Op<'_>,
        filters: &[Filter],
        include_deleted: bool,
    ) -> Result<Vec<SecretRow>> {
        let region = op.region.clone();
        let rows = coffer_store::list_secrets(op.tx.conn(), &region).await?;
        let mut tags: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        if !filters.is_empty() {
            for (id, k, v) in coffer_store::tags_in_region(op.tx.conn(), &region).await? {
                tags.entry(id).or_default().push((k, v));
            }
        }
        let none: Vec<(String, String)> = Vec::new();
        Ok(rows
            .into_iter()
            .filter(|s| include_deleted || s.deleted_at.is_none())
            .filter(|s| {
                filters.is_empty()
                    || filter::matches(
                        filters,
                        &Candidate {
                            name: &s.name,
                            description: s.description.as_deref(),
                            tags: tags.get(&s.id).unwrap_or(&none),
                            primary_region: None,
                            owning_service: s.owning_service.as_deref(),
                        },
                    )
            })
            .collect())
    }

    /// ListSecrets: filters, sort, pagination; secrets scheduled for deletion only with
    /// `include_planned_deletion`.
    pub async fn list_secrets(
        &self,
        ctx: &RequestContext,
        input: ListSecretsInput,
    ) -> Result<ListSecretsOutput> {
        let mut op = self.begin_read(ctx, "ListSecrets").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let size = page_size("maxResults", input.max_results, 100, 100)?;
            let mut filters = parse_filters(&input.filters)?;
            if let Some(text) = &input.search {
                filters.extend(filter::search_filters(text));
            }
            let descending = match input.sort_order.as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(Error::new(
                        ErrorCode::Validation,
                        format!("1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"),
                    ));
                }
            };
            let sort_by = input.sort_by.as_deref().map(SortBy::parse).transpose()?.unwrap_or_default();
            let start = match &input.next_token {
                Some(t) => decode_token(t)?,
                None => 0,
            };
            let region = op.region.clone();
            let indexed = match sort_by {
                SortBy::CreatedDate => Some(coffer_store::SecretOrder::Created),
                SortBy::Name => Some(coffer_store::SecretOrder::Name),
                SortBy::LastChangedDate | SortBy::LastAccessedDate => None,
            };
            let (page, more) = if let Some(order) = indexed.filter(|_| filters.is_empty()) {
                // Fast path: an index on (region, created_at) or (region, name) gives the
                // page directly.
                let mut rows = coffer_store::page_secrets(
                    op.tx.conn(),
                    &region,
                    order,
                    input.include_planned_deletion,
                    descending,
                    start as i64,
                    size as i64 + 1,
                )
                .await?;
                let more = rows.len() > size;
                rows.truncate(size);
                (rows, more)
            } else {
                let mut rows = self
                    .matching_secrets(&mut op, &filters, input.include_planned_deletion)
                    .await?;
                match sort_by {
                    SortBy::CreatedDate => {}
                    SortBy::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
                    SortBy::LastChangedDate => rows.sort_by_key(|s| s.last_changed_at),
                    SortBy::LastAccessedDate => rows.sort_by_key(|s| s.last_accessed_at),
                }
                if descending {
                    rows.reverse();
                }
                let more = rows.len() > start + size;
                let page: Vec<SecretRow> = rows.into_iter().skip(start).take(size).collect();
                (page, more)
            };
            let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
            let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
            for (id, k, v) in coffer_store::tags_of(op.tx.conn(), &ids).await? {
                tags.entry(id).or_default().push(Tag::new(k, v));
            }
            let mut labels: HashMap<i64, LabelMap> = HashMap::new();
            for (id, l, v) in coffer_store::labels_of(op.tx.conn(), &ids).await? {
                labels.entry(id).or_default().insert(l, v);
            }
            let empty = LabelMap::new();
            let mut rotation: HashMap<i64, crate::rotation::RotationDescription> =
                coffer_store::rotation_configs_of(op.tx.conn(), &ids)
                    .await?
                    .iter()
                    .map(|c| (c.secret_id, c.into()))
                    .collect();
            let secret_list = page
                .iter()
                .map(|s| {
                    let mut d = describe(s, tags.remove(&s.id).unwrap_or_default(), labels.get(&s.id).unwrap_or(&empty));
                    d.rotation = rotation.remove(&s.id);
                    d
                })
                .collect::<Vec<_>>();
            op.event.detail("returned", secret_list.len());
            Ok(ListSecretsOutput {
                next_token: more.then(|| encode_token(start + size)),
                secret_list,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// ListSecretVersionIds, newest first; deprecated versions only on request.
    pub async fn list_secret_version_ids(
        &self,
        ctx: &RequestContext,
        input: ListSecretVersionIdsInput,
    ) -> Result<ListSecretVersionIdsOutput> {
        let mut op = self.begin_read(ctx, "ListSecretVersionIds").await?;
        let result = async {
            let size = page_size("maxResults", input.max_results, 100, 100)?;
            let start = match &input.next_token {
                Some(t) => decode_token(t)?,
                None => 0,
            };
            let secret = self.require_secret(&mut op, &input.secret_id).await?;
            let labels: LabelMap = coffer_store::list_labels(op.tx.conn(), secret.id)
                .await?
                .into_iter()
                .map(|l| (l.label, l.version_id))
                .collect();
            let mut key_arns: HashMap<String, String> = HashMap::new();
            let mut entries = Vec::new();
            for v in coffer_store::list_versions(op.tx.conn(), secret.id).await? {
                let stages: Vec<String> = labels::labels_of(&labels, &v.version_id)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                if stages.is_empty() && !input.include_deprecated {
                    continue;
                }
                let mut kms_key_ids = Vec::new();
                if let Some(k) = &v.key_id {
                    if !key_arns.contains_key(k) {
                        let shown = match coffer_store::find_key(op.tx.conn(), k).await? {
                            Some(row) if row.managed => "DEFAULT".to_owned(),
                            Some(row) => row.arn,
                            None => k.clone(),
                        };
                        key_arns.insert(k.clone(), shown);
                    }
                    kms_key_ids.push(key_arns[k].clone());
                }
                entries.push(VersionEntry {
                    version_id: v.version_id,
                    version_stages: stages,
                    last_accessed_date: v.last_accessed_at.map(date),
                    created_date: date(v.created_at),
                    kms_key_ids,
                });
            }
            let more = entries.len() > start + size;
            let versions = entries.into_iter().skip(start).take(size).collect();
            Ok(ListSecretVersionIdsOutput {
                arn: secret.arn,
                name: secret.name,
                versions,
                next_token: more.then(|| encode_token(start + size)),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// GetRandomPassword (AWS's rules; a CSPRNG with required characters at random places).
    pub async fn get_random_password(
        &self,
        ctx: &RequestContext,
        rules: PasswordRules,
    ) -> Result<SecretBytes> {
        let mut op = self.begin_read(ctx, "GetRandomPassword").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            op.event.detail("passwordLength", rules.length);
            random_password(&rules).map_err(|e| match e {
                PasswordError::LengthOutOfRange { .. } => Error::new(
                    ErrorCode::Validation,
                    format!("1 validation error detected: Value '{}' at 'passwordLength' failed to satisfy constraint: Member must have value {}", rules.length, if rules.length < 1 { "greater than or equal to 1" } else { "less than or equal to 4096" }),
                ),
                other => Error::invalid_parameter(other.to_string()),
            })
        }
        .await;
        self.finish(op, result).await
    }
}

fn batch_error(id: &str, e: &Error) -> BatchError {
    BatchError {
        secret_id: id.to_owned(),
        error_code: e.code().as_str().to_owned(),
        message: e.message().to_owned(),
    }
}

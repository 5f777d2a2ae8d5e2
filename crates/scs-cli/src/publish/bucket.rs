//! An S3 or S3-compatible bucket (MinIO, Cloudflare R2, Sakura object storage…) as a mirror's web
//! root: `scs publish --to s3://bucket/prefix`, through the Apache Arrow project's
//! `object_store`. Credentials and the endpoint come from the usual AWS environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`; `AWS_ALLOW_HTTP=true` for an endpoint without TLS) and are never printed.
//! Each object is stored with the content type and cache lifetime the registry's API serves
//! it with ([`headers_of`]), so the bucket, or a CDN in front of it, serves every read as the
//! registry does.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ClientConfigKey, GetOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};
use tokio::runtime::Runtime;

use super::sink::{headers_of, Sink, Stored};

/// How long one request may take, and how long a failing one is retried.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const RETRY_FOR: Duration = Duration::from_secs(60);

/// `s3://bucket/prefix`, as given to `--to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUrl {
    bucket: String,
    /// Below which the mirror's web root is (no leading or trailing `/`; may be empty).
    prefix: String,
}

impl BucketUrl {
    /// `Some` for an `s3://` URL, checked; `None` for anything else (a folder).
    pub(crate) fn parse(text: &str) -> Option<Result<Self, String>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        if bucket.is_empty() {
            return Some(Err(format!("{text}: no bucket name (s3://bucket/prefix)")));
        }
        if !prefix.is_empty() && Path::parse(prefix).is_err() {
            return Some(Err(format!(
                "{text}: the prefix is not a valid object path (empty or `.`/`..` parts)"
            )));
        }
        Some(Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }
}

impl std::fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// The bucket published into, and the runtime that drives its client.
#[derive(Debug)]
pub(crate) struct Bucket {
    url: BucketUrl,
    store: AmazonS3,
    runtime: Runtime,
}

impl Bucket {
    /// The bucket at `url`, with the credentials, region and endpoint of the environment.
    pub(crate) fn open(url: &BucketUrl) -> Result<Self> {
        // reqwest's rustls is built without a provider of its own: the ring one ureq uses.
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&url.bucket)
            // A setting, not new client options, which would drop the environment's
            // (AWS_ALLOW_HTTP among them).
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::Timeout),
                format!("{}s", REQUEST_TIMEOUT.as_secs()),
            )
            .with_retry(RetryConfig {
                retry_timeout: RETRY_FOR,
                ..RetryConfig::default()
            })
            .build()
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "cannot use {url}: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION \
                     (and AWS_ENDPOINT_URL for an S3-compatible store) / バケットを利用できません"
                )
            })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the S3 client")?;
        Ok(Self {
            url: url.clone(),
            store,
            runtime,
        })
    }

    /// The object key of `relative`, below the prefix.
    fn key(&self, relative: &str) -> Result<Path> {
        let key = match self.url.prefix.as_str() {
            "" => relative.to_owned(),
            prefix => format!("{prefix}/{relative}"),
        };
        Path::parse(&key).map_err(|error| anyhow!("{key}: {error}"))
    }
}

impl Sink for Bucket {
    fn location(&self, relative: &str) -> String {
        format!("{}/{relative}", self.url)
    }

    fn read_at_most(&self, relative: &str, max: u64) -> Result<Stored> {
        let key = self.key(relative)?;
        self.runtime
            .block_on(async {
                let found = match self.store.get_opts(&key, GetOptions::default()).await {
                    Err(object_store::Error::NotFound { .. }) => return Ok(Stored::Absent),
                    found => found?,
                };
                // The size is the answer's header: a larger object's body is not read.
                if found.meta.size > max {
                    return Ok(Stored::Larger);
                }
                let bytes = found.bytes().await?;
                if bytes.len() as u64 > max {
                    return Ok(Stored::Larger);
                }
                Ok::<_, object_store::Error>(Stored::Bytes(bytes.to_vec()))
            })
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot read {}", self.location(relative)))
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let key = self.key(relative)?;
        let (content_type, cache_control) = headers_of(relative);
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, content_type),
            (Attribute::CacheControl, cache_control),
        ]);
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        // A PUT replaces the object as a whole, once the store has it durably.
        self.runtime
            .block_on(
                self.store
                    .put_opts(&key, PutPayload::from(bytes.to_vec()), options),
            )
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot write {}", self.location(relative)))?;
        Ok(())
    }

    fn remove_below(&self, relative: &str) -> Result<u64> {
        let folder = self.key(relative)?;
        self.runtime
            .block_on(async {
                // The partial tiles of one tile: a few objects, directly below it.
                let found = self.store.list_with_delimiter(Some(&folder)).await?;
                for object in &found.objects {
                    self.store.delete(&object.location).await?;
                }
                Ok::<_, object_store::Error>(found.objects.len() as u64)
            })
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot remove {}", self.location(relative)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_url_names_a_bucket_and_a_prefix() {
        assert_eq!(BucketUrl::parse("mirror"), None);
        assert_eq!(BucketUrl::parse("/srv/mirror"), None);
        let url = BucketUrl::parse("s3://scs-mirror/registry/v/")
            .unwrap()
            .unwrap();
        assert_eq!(
            (url.bucket.as_str(), url.prefix.as_str()),
            ("scs-mirror", "registry/v")
        );
        let bare = BucketUrl::parse("s3://scs-mirror").unwrap().unwrap();
        assert_eq!(bare.prefix, "");
        assert!(BucketUrl::parse("s3:///prefix").unwrap().is_err());
        assert!(BucketUrl::parse("s3://b/a//c").unwrap().is_err());
        assert!(BucketUrl::parse("s3://b/a/../c").unwrap().is_err());
    }
}

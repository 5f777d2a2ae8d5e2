//! An S3 or S3-compatible bucket (MinIO, Cloudflare R2, Sakura object storage…) as a mirror's web
//! root: `scs publish --to s3://bucket/prefix`, through the Apache Arrow project's
//! `object_store`. Credentials and the endpoint come from the usual AWS environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`; `AWS_ALLOW_HTTP=true` for an endpoint without TLS) and are never printed.
//! Each object is stored with the content type and cache lifetime the registry's API serves
//! it with ([`headers_of`]), so the bucket, or a CDN in front of it, serves every read as the
//! registry does. A bucket cannot be locked as a folder is: an object that may change is
//! replaced only on condition that it is still the one read ([`Sink::write_if_unchanged`]).

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ClientConfigKey, GetOptions, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig, UpdateVersion,
};
use tokio::runtime::Runtime;

use super::sink::{headers_of, Sink, Stored, Version};

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
        Self::open_with(url, AmazonS3Builder::from_env())
    }

    /// The bucket at `url`, with the credentials, region and endpoint `settings` hold.
    fn open_with(url: &BucketUrl, settings: AmazonS3Builder) -> Result<Self> {
        // reqwest's rustls is built without a provider of its own: the ring one ureq uses.
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        let store = settings
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

    /// PUTs `bytes` at `key`, the key of `relative`, in `mode`, with the headers the API serves
    /// `relative` with.
    fn put(
        &self,
        key: &Path,
        relative: &str,
        bytes: &[u8],
        mode: PutMode,
    ) -> Result<(), object_store::Error> {
        let (content_type, cache_control) = headers_of(relative);
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, content_type),
            (Attribute::CacheControl, cache_control),
        ]);
        let options = PutOptions {
            mode,
            attributes,
            ..PutOptions::default()
        };
        // A PUT replaces the object as a whole, once the store has it durably.
        self.runtime
            .block_on(
                self.store
                    .put_opts(key, PutPayload::from(bytes.to_vec()), options),
            )
            .map(drop)
    }
}

impl Sink for Bucket {
    fn location(&self, relative: &str) -> String {
        format!("{}/{relative}", self.url)
    }

    fn read_versioned(&self, relative: &str, max: u64) -> Result<(Stored, Version)> {
        let key = self.key(relative)?;
        self.runtime
            .block_on(async {
                let found = match self.store.get_opts(&key, GetOptions::default()).await {
                    Err(object_store::Error::NotFound { .. }) => {
                        return Ok((Stored::Absent, Version::Object(None)))
                    }
                    found => found?,
                };
                let version = Version::Object(Some(UpdateVersion {
                    e_tag: found.meta.e_tag.clone(),
                    version: found.meta.version.clone(),
                }));
                // The size is the answer's header: a larger object's body is not read.
                if found.meta.size > max {
                    return Ok((Stored::Larger, version));
                }
                let bytes = found.bytes().await?;
                if bytes.len() as u64 > max {
                    return Ok((Stored::Larger, version));
                }
                Ok::<_, object_store::Error>((Stored::Bytes(bytes.to_vec()), version))
            })
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot read {}", self.location(relative)))
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let key = self.key(relative)?;
        self.put(&key, relative, bytes, PutMode::Overwrite)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot write {}", self.location(relative)))
    }

    fn write_if_unchanged(&self, relative: &str, bytes: &[u8], version: &Version) -> Result<bool> {
        // The store compares (a PUT with If-Match or If-None-Match: *): no other run's write can
        // come between the comparison and this one.
        let mode = match version {
            Version::Object(None) => PutMode::Create,
            Version::Object(Some(read)) => PutMode::Update(read.clone()),
            Version::Locked => bail!(
                "{}: not a version read from a bucket",
                self.location(relative)
            ),
        };
        let key = self.key(relative)?;
        match self.put(&key, relative, bytes, mode) {
            Ok(()) => Ok(true),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error))
                .with_context(|| format!("cannot write {}", self.location(relative))),
        }
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
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use scs_core::keys::SecretKey;
    use scs_core::tlog::{leaf_hash, Checkpoint, MemoryTree, NoteVerifier};

    use super::*;
    use crate::publish::{Mirror, CHECKPOINT};

    /// A new bucket on the S3-compatible test server (`SCS_TEST_S3`, set by
    /// scripts/s3-test-server.sh); `None` when it is `skip`. Fails the test when it is not set:
    /// never passes without running.
    fn test_bucket(name: &str) -> Option<Bucket> {
        let server = match std::env::var("SCS_TEST_S3") {
            Ok(value) if value == "skip" => {
                eprintln!("SCS_TEST_S3=skip: the bucket test {name} did not run");
                return None;
            }
            Ok(value) => value.trim_end_matches('/').to_owned(),
            Err(_) => panic!(
                "SCS_TEST_S3 is not set: the bucket tests need an S3-compatible server. Run them \
                 through scripts/s3-test-server.sh (scripts/test.sh does), or set SCS_TEST_S3=skip \
                 to skip them knowingly"
            ),
        };
        let bucket = format!("scs-{name}-{}", std::process::id());
        // moto takes this request unsigned.
        ureq::put(format!("{server}/{bucket}"))
            .send_empty()
            .unwrap();
        let settings = AmazonS3Builder::new()
            .with_access_key_id("scs-test")
            .with_secret_access_key("scs-test-secret")
            .with_region("ap-northeast-1")
            .with_endpoint(server)
            .with_allow_http(true);
        let url = BucketUrl::parse(&format!("s3://{bucket}/mirror"))
            .unwrap()
            .unwrap();
        Some(Bucket::open_with(&url, settings).unwrap())
    }

    /// What another run writes, once, just after this run read the same path.
    type Meanwhile = Rc<RefCell<Option<(&'static str, String)>>>;

    /// A bucket into which another run writes [`Meanwhile`].
    #[derive(Debug)]
    struct AnotherRunAfterReading {
        bucket: Bucket,
        meanwhile: Meanwhile,
    }

    impl Sink for AnotherRunAfterReading {
        fn location(&self, relative: &str) -> String {
            self.bucket.location(relative)
        }
        fn read_versioned(&self, relative: &str, max: u64) -> Result<(Stored, Version)> {
            let read = self.bucket.read_versioned(relative, max)?;
            let written = self
                .meanwhile
                .borrow_mut()
                .take_if(|(path, _)| *path == relative);
            if let Some((path, bytes)) = written {
                self.bucket.write(path, bytes.as_bytes())?;
            }
            Ok(read)
        }
        fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
            self.bucket.write(relative, bytes)
        }
        fn write_if_unchanged(
            &self,
            relative: &str,
            bytes: &[u8],
            version: &Version,
        ) -> Result<bool> {
            self.bucket.write_if_unchanged(relative, bytes, version)
        }
        fn remove_below(&self, relative: &str) -> Result<u64> {
            self.bucket.remove_below(relative)
        }
    }

    /// Found in review: the bucket's checkpoint was read, compared with the one the run started
    /// from, and then written unconditionally: another run's checkpoint written in between was
    /// replaced by this run's, perhaps of an older tree. The write is now conditional on the
    /// object compared (If-None-Match: * when there was none, If-Match its ETag after).
    #[test]
    fn a_checkpoint_another_run_writes_after_the_check_is_never_replaced() {
        let Some(bucket) = test_bucket("checkpoint-race") else {
            return;
        };
        let key = SecretKey::from_seed(&[7; 32]);
        let origin = "registry.example/v1/log";
        let verifier = NoteVerifier::new(origin, key.public()).unwrap();
        let note = |size: u64| {
            let mut tree = MemoryTree::new();
            for i in 0..size {
                tree.push(leaf_hash(format!("leaf {i}").as_bytes()))
                    .unwrap();
            }
            Checkpoint::new(origin, tree.size(), tree.root())
                .unwrap()
                .sign(&key)
                .unwrap()
        };
        let meanwhile = Meanwhile::default();
        let mirror = Mirror::new(Box::new(AnotherRunAfterReading {
            bucket,
            meanwhile: meanwhile.clone(),
        }));
        let published = || mirror.published_checkpoint(&verifier).unwrap().unwrap();

        // The first publication, and another run's first publication meanwhile.
        *meanwhile.borrow_mut() = Some((CHECKPOINT, note(5)));
        assert!(mirror
            .replace_checkpoint(&note(3), None, &verifier)
            .is_err());
        assert_eq!(published().size(), 5);

        // A run from size 5, and another run from 5 to 9 meanwhile.
        let five = Some(published());
        *meanwhile.borrow_mut() = Some((CHECKPOINT, note(9)));
        let refused = mirror
            .replace_checkpoint(&note(7), five.as_ref(), &verifier)
            .unwrap_err();
        assert!(
            refused.to_string().contains("another scs publish wrote"),
            "{refused}"
        );
        assert_eq!(published().size(), 9);

        // Nothing meanwhile: written.
        let nine = Some(published());
        mirror
            .replace_checkpoint(&note(11), nine.as_ref(), &verifier)
            .unwrap();
        assert_eq!(published().size(), 11);
    }

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

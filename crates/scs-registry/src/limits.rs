//! Every bound the registry puts on what a client or the network can send, in one place.
//!
//! A connection that sends nothing or half a header is closed after [`HEADER_READ_TIMEOUT`]
//! (between requests on a kept-alive connection too), and a body that stalls for that long
//! fails its request; every request is answered within [`REQUEST_TIMEOUT`] of its headers,
//! however slowly its body trickles in. At most [`MAX_CONNECTIONS`] are open at once (fewer
//! when the open-file limit is low: see `server::connection_cap`). A request's
//! headers fit in [`CONNECTION_BUFFER_BYTES`]; an API body in [`MAX_BODY_BYTES`], a page
//! upload in [`MAX_UPLOAD_BYTES`], and at most [`MAX_UPLOADS`] uploads are handled at once.
//! An uploaded image is decoded only when its header declares at most [`MAX_IMAGE_PIXELS`],
//! and at most [`MAX_IMAGE_DECODES`] at a time.
//!
//! Bounds kept beside the code they bound: a log entry (`log_files::MAX_ENTRY_BYTES`, from
//! which [`MAX_BODY_BYTES`] follows), pasted text on the verify page (`web::verify`), a
//! supplier CSV (`scs_suppliers::MAX_CSV_BYTES`, `MAX_ROWS`), a page of events
//! (`scs_ledger::MAX_EVENTS_PAGE`), a name query (100 characters,
//! `http`), QR text (`scs_core::compact`).

use std::time::Duration;

/// Largest JSON request body: the largest log entry, since a write is logged as its body
/// re-serialised (a signed registration is a few KiB). Re-serialising can lengthen a body
/// (`1e5` becomes `100000.0`), so `Ledger::submit` checks the logged bytes against the same
/// limit before they reach the writer.
pub const MAX_BODY_BYTES: usize = scs_ledger::MAX_ENTRY_BYTES;

/// Largest upload a page takes (a phone photo of a QR code; a supplier CSV).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// How long a connection may take to send a request's headers, counted from when the server
/// starts waiting for them: from the connection's opening, and again after each answer on a
/// kept-alive connection. It also bounds each wait for the next part of a request's body. A
/// person's browser sends headers at once; only a stalled or hostile client takes this long.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(20);
// A stalled connection is closed within a minute.
const _: () = assert!(HEADER_READ_TIMEOUT.as_secs() <= 60);

/// Longest a request may take once its headers are in, body included, until its answer is
/// ready. [`HEADER_READ_TIMEOUT`] bounds each wait for the next part of a body, not their sum:
/// without this, a body sent a byte every few seconds would hold its connection for days.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Page uploads (a photo or file on the verify page, a supplier list) handled at once. Each
/// holds its upload in memory (up to [`MAX_UPLOAD_BYTES`], twice while it is judged) and the
/// supplier check is CPU work: one more is answered 503 with `Retry-After`, not queued.
pub const MAX_UPLOADS: usize = 8;

/// Most connections open at once; one more waits in the listen queue until one closes. Each
/// costs a file descriptor and a few KiB while idle.
pub const MAX_CONNECTIONS: usize = 10_000;

/// Connections the kernel holds for the server before it accepts them (Linux caps it at
/// `net.core.somaxconn`, 4096 by default): a burst of connections waits there rather than
/// being dropped and retried a second later.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Largest buffer of one connection, and so the largest request head (hyper's default is
/// about 400 KiB, 4 GB over every connection allowed).
pub const CONNECTION_BUFFER_BYTES: usize = 64 * 1024;

/// Largest image decoded, by the pixels its header declares (6000×4000; a phone photo of a
/// QR code is 12 megapixels). A few KiB of PNG can declare 48 megapixels, which take about
/// 200 MB to decode and search.
pub const MAX_IMAGE_PIXELS: u64 = 24_000_000;

/// Images decoded at the same time; more uploads wait their turn. Decoding is CPU work on a
/// blocking thread, and each decode holds up to a few hundred MB.
pub const MAX_IMAGE_DECODES: usize = 2;

/// Most companies one change-feed request names (`/v1/events`, `/feed.atom`): each costs a
/// look-up of its credentials and their histories.
pub const MAX_FEED_COMPANIES: usize = 100;

/// Most entries of an Atom feed: the newest events.
pub const MAX_FEED_ENTRIES: usize = 100;

//! QR code images of compact ★ credentials (SPEC §6, §8).
//!
//! Drawing: [`Symbol::new`] encodes the `SCS1:…` text in alphanumeric mode at error correction
//! M, in the smallest version that holds it, and draws it as PNG, SVG or terminal text, always
//! with the four-module quiet zone that ISO/IEC 18004 asks for.
//!
//! Reading: [`read_image`] takes the bytes of a PNG or JPEG file (a scan, a screenshot, a phone
//! photo), finds the QR code in it with `rqrr` and returns its text. Exactly one code must be
//! found: an image with none or with two different ones is refused, as is one too large to
//! decode sensibly ([`MAX_PIXELS`]).
//!
//! This crate knows nothing about credentials: the text it returns goes to
//! `scs_core::compact::decode` and the verifier. It does no file or network I/O either; callers
//! read and write the bytes.
//!
//! Deliberately not here: other image formats (GIF, WebP, HEIC — phones export JPEG), and PDF.
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::io::Cursor;

use image::{GrayImage, ImageFormat, ImageReader, Limits, Luma};
use qrcode::bits::Bits;
use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode, Version};
use thiserror::Error;

/// Modules of light margin on every side of a drawn code.
pub const QUIET_ZONE: u32 = 4;
/// Pixels per module in the PNG files the CLI writes (a version 10 code is then 520 pixels
/// wide, about 4.4 cm at 300 dpi).
pub const DEFAULT_MODULE_PIXELS: u32 = 8;
/// Largest image accepted for reading, in pixels (a 48-megapixel phone photo).
pub const MAX_PIXELS: u64 = 48_000_000;
/// Longest side accepted for reading, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// Why a code could not be drawn.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DrawError {
    /// A character outside QR alphanumeric mode (`0–9 A–Z space $ % * + - . / :`).
    #[error("QR alphanumeric mode cannot hold the character {0:?}")]
    NotAlphanumeric(char),
    /// More than a version 40 code at error correction M holds.
    #[error("the text is too long for any QR code at error correction M")]
    TooLong,
    /// The PNG encoder failed.
    #[error("cannot encode PNG: {0}")]
    Png(String),
}

/// Why no text could be read from an image.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// Neither PNG nor JPEG, by its first bytes.
    #[error("not a PNG or JPEG image")]
    NotAnImage,
    /// PNG or JPEG by its first bytes, but the decoder refused it (truncated, corrupt).
    #[error("cannot decode the image: {0}")]
    Corrupt(String),
    /// Larger than [`MAX_PIXELS`] or [`MAX_SIDE`].
    #[error("the image is {width}×{height} pixels, too large to search for a QR code (at most {MAX_PIXELS} pixels, {MAX_SIDE} on a side); crop or scale it down")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// No QR code was found.
    #[error("no QR code found in the image")]
    NoCode,
    /// Something like a QR code was found, but it could not be read (too blurred, too small,
    /// cut off, or damaged beyond what error correction repairs).
    #[error("a QR code was found but could not be read ({0}); try a sharper or closer photo")]
    Unreadable(String),
    /// More than one QR code with different content.
    #[error("the image holds {0} different QR codes; crop it to the one to verify")]
    Several(usize),
}

/// A QR code symbol holding one text in alphanumeric mode at error correction M.
#[derive(Clone)]
pub struct Symbol {
    code: QrCode,
}

impl std::fmt::Debug for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbol")
            .field("version", &self.version())
            .field("modules", &self.modules())
            .finish()
    }
}

impl Symbol {
    /// Encodes `text` in the smallest version that holds it at error correction M.
    pub fn new(text: &str) -> Result<Self, DrawError> {
        if let Some(c) = text.chars().find(|c| !is_alphanumeric(*c)) {
            return Err(DrawError::NotAlphanumeric(c));
        }
        for version in 1..=40 {
            let mut bits = Bits::new(Version::Normal(version));
            if bits.push_alphanumeric_data(text.as_bytes()).is_ok()
                && bits.push_terminator(EcLevel::M).is_ok()
            {
                let code = QrCode::with_bits(bits, EcLevel::M).map_err(|_| DrawError::TooLong)?;
                return Ok(Self { code });
            }
        }
        Err(DrawError::TooLong)
    }

    /// The version, 1 to 40 (a version-`v` code is `17 + 4v` modules wide).
    pub fn version(&self) -> u8 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => u8::try_from(v).unwrap_or(0),
        }
    }

    /// Modules on a side, without the quiet zone.
    pub fn modules(&self) -> u32 {
        u32::try_from(self.code.width()).unwrap_or(0)
    }

    /// A greyscale image, `module_pixels` per module, with the quiet zone.
    pub fn to_luma(&self, module_pixels: u32) -> GrayImage {
        let module_pixels = module_pixels.max(1);
        let modules = self.modules();
        let side = (modules + 2 * QUIET_ZONE) * module_pixels;
        let colors = self.code.to_colors();
        GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = (x / module_pixels, y / module_pixels);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && mx < QUIET_ZONE + modules
                && my < QUIET_ZONE + modules
                && colors
                    .get(((my - QUIET_ZONE) * modules + (mx - QUIET_ZONE)) as usize)
                    .is_some_and(|c| *c == qrcode::Color::Dark);
            Luma([if dark { 0 } else { 255 }])
        })
    }

    /// A PNG file, `module_pixels` per module, with the quiet zone.
    pub fn to_png(&self, module_pixels: u32) -> Result<Vec<u8>, DrawError> {
        let mut out = Cursor::new(Vec::new());
        self.to_luma(module_pixels)
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| DrawError::Png(e.to_string()))?;
        Ok(out.into_inner())
    }

    /// An SVG document (one path, crisp edges), with the quiet zone.
    pub fn to_svg(&self) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
    }

    /// Text for a terminal, two modules per character cell, with the quiet zone. Drawn light on
    /// dark (the light modules are the printed blocks), which scans on the usual dark terminal
    /// background.
    pub fn to_terminal(&self) -> String {
        self.code
            .render::<unicode::Dense1x2>()
            .quiet_zone(true)
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .build()
    }
}

/// The 45 characters of QR alphanumeric mode (also the Base45 alphabet).
fn is_alphanumeric(c: char) -> bool {
    matches!(c, '0'..='9' | 'A'..='Z' | ' ' | '$' | '%' | '*' | '+' | '-' | '.' | '/' | ':')
}

/// An image format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// JPEG (`FF D8 FF`).
    Jpeg,
}

impl ImageKind {
    /// Recognises PNG and JPEG by their first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else {
            None
        }
    }
}

/// Finds the one QR code in a PNG or JPEG file and returns its text.
pub fn read_image(bytes: &[u8]) -> Result<String, ReadError> {
    read_image_at_most(bytes, MAX_PIXELS)
}

/// [`read_image`] for images of at most `max_pixels` (and at most [`MAX_PIXELS`]), checked
/// from the header before anything is decoded: a server takes smaller images than the CLI,
/// since a few kilobytes of PNG can declare tens of megapixels.
pub fn read_image_at_most(bytes: &[u8], max_pixels: u64) -> Result<String, ReadError> {
    let max_pixels = max_pixels.min(MAX_PIXELS);
    let format = match ImageKind::sniff(bytes).ok_or(ReadError::NotAnImage)? {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
    };
    let corrupt = |e: image::ImageError| ReadError::Corrupt(e.to_string());
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(corrupt)?;
    if u64::from(width) * u64::from(height) > max_pixels || width.max(height) > MAX_SIDE {
        return Err(ReadError::TooLarge { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoder's own allocations: 8-bit RGBA at the most pixels allowed (16-bit images that
    // large are refused as too large rather than decoded at twice the memory).
    limits.max_alloc = Some(max_pixels.saturating_mul(4));
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| match e {
            image::ImageError::Limits(_) => ReadError::TooLarge { width, height },
            other => corrupt(other),
        })?
        .into_luma8();
    read_luma(&image)
}

/// Finds the one QR code in a greyscale image and returns its text.
///
/// The image is searched as it is, with rqrr's own adaptive threshold. If nothing can be read,
/// it is searched again, stopping at the first pass that reads a code:
/// 1. with one global threshold (Otsu's), which keeps the grey edge pixels of a resampled code
///    from breaking its finder patterns;
/// 2. doubled, when the long side is at most 2000 pixels (codes printed small on a scanned page,
///    small screenshots: rqrr wants several pixels per module, and text next to a small code can
///    mislead its finder-pattern search);
/// 3. scaled down to about 1000 pixels on the long side, when it is above 1400 (large photos:
///    averaging removes noise and JPEG artefacts).
pub fn read_luma(image: &GrayImage) -> Result<String, ReadError> {
    let first = scan(image, Threshold::Adaptive);
    if !first.texts.is_empty() {
        return first.into_result();
    }
    let long_side = image.width().max(image.height());
    let mut retries = vec![(1.0, Threshold::Global)];
    if long_side <= 2000 {
        retries.push((2.0, Threshold::Adaptive));
    }
    if long_side > 1400 {
        retries.push((1000.0 / f64::from(long_side), Threshold::Adaptive));
    }
    let mut unreadable = first.error.is_some().then_some(first);
    for (factor, threshold) in retries {
        let retry = if factor == 1.0 {
            scan(image, threshold)
        } else {
            scan(&scaled(image, factor), threshold)
        };
        if !retry.texts.is_empty() {
            return retry.into_result();
        }
        if unreadable.is_none() && retry.error.is_some() {
            unreadable = Some(retry);
        }
    }
    // Nothing read: say a code was seen but could not be read, if any pass saw one.
    match unreadable {
        Some(scan) => scan.into_result(),
        None => Err(ReadError::NoCode),
    }
}

/// How pixels become dark or light modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threshold {
    /// rqrr's own: each pixel against a running average of its row.
    Adaptive,
    /// One threshold for the whole image, chosen by Otsu's method.
    Global,
}

/// Otsu's threshold: the grey level that best separates the histogram into two classes.
fn otsu(image: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in image.pixels() {
        histogram[usize::from(pixel[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, &n)| level as f64 * n as f64)
        .sum();
    let (mut best, mut best_variance) = (128u8, 0.0f64);
    let (mut weight_dark, mut sum_dark) = (0u64, 0.0f64);
    for (level, &n) in histogram.iter().enumerate() {
        weight_dark += n;
        if weight_dark == 0 {
            continue;
        }
        let weight_light = total - weight_dark;
        if weight_light == 0 {
            break;
        }
        sum_dark += level as f64 * n as f64;
        let mean_dark = sum_dark / weight_dark as f64;
        let mean_light = (sum_all - sum_dark) / weight_light as f64;
        let variance = weight_dark as f64 * weight_light as f64 * (mean_dark - mean_light).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = u8::try_from(level).unwrap_or(u8::MAX);
        }
    }
    best
}

fn scaled(image: &GrayImage, factor: f64) -> GrayImage {
    let size = |n: u32| ((f64::from(n) * factor).round() as u32).max(1);
    image::imageops::resize(
        image,
        size(image.width()),
        size(image.height()),
        image::imageops::FilterType::Triangle,
    )
}

/// What one search of one image found.
struct Scan {
    /// Distinct texts decoded.
    texts: Vec<String>,
    /// Why a found grid could not be decoded, if none could.
    error: Option<String>,
}

impl Scan {
    fn into_result(mut self) -> Result<String, ReadError> {
        match self.texts.len() {
            1 => Ok(self.texts.remove(0)),
            0 => Err(match self.error {
                Some(why) => ReadError::Unreadable(why),
                None => ReadError::NoCode,
            }),
            n => Err(ReadError::Several(n)),
        }
    }
}

fn scan(image: &GrayImage, threshold: Threshold) -> Scan {
    // rqrr is a third-party decoder fed with untrusted pictures: a panic in it must not take the
    // caller down, so it is contained here and reported as an unreadable code.
    let found = std::panic::catch_unwind(|| {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let pixel = |x: usize, y: usize| image.get_pixel(x as u32, y as u32)[0];
        let mut prepared = match threshold {
            Threshold::Adaptive => rqrr::PreparedImage::prepare_from_greyscale(w, h, pixel),
            Threshold::Global => {
                let level = otsu(image);
                rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| pixel(x, y) <= level)
            }
        };
        prepared
            .detect_grids()
            .iter()
            .map(|grid| {
                grid.decode()
                    .map(|(_, text)| text)
                    .map_err(|e| e.to_string())
            })
            .collect::<Vec<_>>()
    });
    let Ok(results) = found else {
        return Scan {
            texts: Vec::new(),
            error: Some("the QR decoder failed on this image".into()),
        };
    };
    let mut texts: Vec<String> = Vec::new();
    let mut error = None;
    for result in results {
        match result {
            Ok(text) if !texts.contains(&text) => texts.push(text),
            Ok(_) => {}
            Err(why) => error = Some(why),
        }
    }
    Scan { texts, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "SCS1:6BFOXN*TS0BI$ZDFRH.S8HJ1E$HWJHJ:2T4M+ZJ7E0AH2N7P/P8AUZ2";

    #[test]
    fn draws_alphanumeric_at_level_m_and_reads_it_back() {
        let symbol = Symbol::new(TEXT).unwrap();
        assert_eq!(symbol.code.error_correction_level(), EcLevel::M);
        assert_eq!(symbol.version(), 3);
        assert_eq!(symbol.modules(), 29);
        let png = symbol.to_png(4).unwrap();
        assert_eq!(ImageKind::sniff(&png), Some(ImageKind::Png));
        assert_eq!(read_image(&png).unwrap(), TEXT);
        let luma = symbol.to_luma(4);
        assert_eq!(luma.width(), (29 + 8) * 4);
        // The quiet zone is light.
        assert!((0..luma.width()).all(|x| luma.get_pixel(x, 4 * 4 - 1)[0] == 255));
        assert!(symbol.to_svg().starts_with("<?xml"));
        let terminal = symbol.to_terminal();
        assert_eq!(terminal.lines().count(), (29 + 8) / 2 + 1);
    }

    #[test]
    fn version_grows_with_the_text() {
        // ISO/IEC 18004 capacities, alphanumeric at M: version 10 holds 311 characters.
        assert_eq!(Symbol::new(&"A".repeat(311)).unwrap().version(), 10);
        assert_eq!(Symbol::new(&"A".repeat(312)).unwrap().version(), 11);
        assert_eq!(Symbol::new(&"A".repeat(3391)).unwrap().version(), 40);
        assert_eq!(
            Symbol::new(&"A".repeat(3392)).unwrap_err(),
            DrawError::TooLong
        );
        assert_eq!(
            Symbol::new("SCS1:abc").unwrap_err(),
            DrawError::NotAlphanumeric('a')
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(read_image(b"{\"a\": 1}"), Err(ReadError::NotAnImage));
        let png = Symbol::new(TEXT).unwrap().to_png(4).unwrap();
        assert!(matches!(
            read_image(&png[..png.len() / 2]),
            Err(ReadError::Corrupt(_))
        ));
        let blank = GrayImage::from_pixel(300, 300, Luma([255]));
        assert_eq!(read_luma(&blank), Err(ReadError::NoCode));
        // Two different codes side by side.
        let a = Symbol::new(TEXT).unwrap().to_luma(4);
        let b = Symbol::new("SCS1:OTHER").unwrap().to_luma(4);
        let mut both = GrayImage::from_pixel(a.width() * 2 + 40, a.height(), Luma([255]));
        image::imageops::overlay(&mut both, &a, 0, 0);
        image::imageops::overlay(&mut both, &b, i64::from(a.width()) + 40, 0);
        assert_eq!(read_luma(&both), Err(ReadError::Several(2)));
    }

    #[test]
    fn refuses_an_image_too_large_before_decoding_it() {
        // A PNG whose header claims 20000×20000 pixels: refused from the header alone.
        let huge = png_declaring(20_000, 20_000);
        let err = read_image(&huge).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge {
                width: 20_000,
                height: 20_000
            }
        );
    }

    #[test]
    fn a_smaller_bound_is_checked_from_the_header() {
        // 8000×6000 is within MAX_PIXELS, not within a server's 24 megapixels; the file holds
        // no pixel data at all, so only the header check can answer TooLarge.
        let png = png_declaring(8_000, 6_000);
        assert!(matches!(read_image(&png), Err(ReadError::Corrupt(_))));
        assert_eq!(
            read_image_at_most(&png, 24_000_000),
            Err(ReadError::TooLarge {
                width: 8_000,
                height: 6_000
            })
        );
    }

    /// A PNG file with only a header declaring `width`×`height` 8-bit grey pixels.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = [width.to_be_bytes(), height.to_be_bytes()].concat();
        header.extend([8, 0, 0, 0, 0]);
        for (kind, data) in [(b"IHDR", header), (b"IDAT", vec![]), (b"IEND", vec![])] {
            png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
            let chunk = [kind.as_slice(), &data].concat();
            png.extend(&chunk);
            png.extend(crc32(&chunk).to_be_bytes());
        }
        png
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}

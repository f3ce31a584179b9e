//! A response body kept as the chunks it arrived in.
//!
//! Chunks of 16 KiB or more are the connection's own buffers, handed over without a copy; smaller
//! ones are copied together ([`Gathering`]). A body under the client's threshold, or in one
//! chunk, is read as one slice; a larger one is decoded through a reader that frees each chunk
//! once the decoder has passed it, so a large output is never held twice: once as text and once
//! decoded (see [`Decoder::run_streamed`](crate::response::Decoder)).
//!
//! serde_json reads an `io::Read` one byte at a time; both readers here are wrapped in a
//! `BufReader`, whose buffer the standard library's byte iterator reads directly.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufReader};

use bytes::{Buf, Bytes, BytesMut};

/// The `BufReader` capacity for decoding a chunked body: large enough that refills are rare,
/// small enough not to matter beside a body worth streaming.
const READ_BUFFER: usize = 64 * 1024;

/// Chunks shorter than this are copied together rather than kept one by one: a server sending
/// a body one byte per chunk would otherwise make the list of chunks (and the connection
/// buffers each chunk keeps alive) many times the size of the body.
const SMALL_CHUNK: usize = 16 * 1024;

/// The size at which small chunks copied together are kept as one.
const GATHERED_CHUNK: usize = 64 * 1024;

/// A [`Body`] being read: chunks of [`SMALL_CHUNK`] bytes or more are kept as they arrived,
/// smaller ones are copied together into chunks of about [`GATHERED_CHUNK`].
#[derive(Default)]
pub(crate) struct Gathering {
    body: Body,
    small: BytesMut,
}

impl Gathering {
    /// The bytes taken so far.
    pub fn len(&self) -> usize {
        self.body.len() + self.small.len()
    }

    /// Takes the next chunk.
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.len() >= SMALL_CHUNK {
            if !self.small.is_empty() {
                // Copied out exactly, so the gathering buffer is not shared and is used again: a
                // few bytes kept as a slice of it would keep all of it alive.
                self.body.push(Bytes::copy_from_slice(&self.small));
                self.small.clear();
            }
            self.body.push(chunk);
            return;
        }
        // The buffer never grows past its size: full, it is kept as one chunk and another starts.
        if self.small.capacity() - self.small.len() < chunk.len() {
            if !self.small.is_empty() {
                self.body.push(self.small.split().freeze());
            }
            self.small.reserve(GATHERED_CHUNK);
        }
        self.small.extend_from_slice(&chunk);
    }

    /// The body, every chunk taken.
    pub fn finish(mut self) -> Body {
        self.body.push(self.small.freeze());
        self.body
    }
}

/// A response body: its chunks in order and their total length.
#[derive(Debug, Default)]
pub(crate) struct Body {
    chunks: VecDeque<Bytes>,
    len: usize,
}

impl From<Bytes> for Body {
    fn from(whole: Bytes) -> Self {
        let mut body = Body::default();
        body.push(whole);
        body
    }
}

impl Body {
    /// Appends a chunk as it arrived.
    pub fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        if !chunk.is_empty() {
            self.chunks.push_back(chunk);
        }
    }

    /// The number of bytes in all.
    pub fn len(&self) -> usize {
        self.len
    }

    /// How many chunks hold the body.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// The body in one piece: the chunk itself when there is only one, else a copy.
    pub fn contiguous(&self) -> Cow<'_, [u8]> {
        match self.chunks.len() {
            0 => Cow::Borrowed(&[]),
            1 => Cow::Borrowed(&self.chunks[0]),
            _ => Cow::Owned(self.prefix(self.len).into_owned()),
        }
    }

    /// The first `limit` bytes (or the whole body if shorter), for excerpts and sniffing.
    pub fn prefix(&self, limit: usize) -> Cow<'_, [u8]> {
        match self.chunks.front() {
            Some(first) if first.len() >= limit.min(self.len) => Cow::Borrowed(&first[..limit.min(first.len())]),
            _ => {
                let mut prefix = Vec::with_capacity(limit.min(self.len));
                for chunk in &self.chunks {
                    let room = limit - prefix.len();
                    if room == 0 {
                        break;
                    }
                    prefix.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Cow::Owned(prefix)
            }
        }
    }

    /// Drops the first `n` bytes (a byte-order mark).
    pub fn skip(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else { break };
            let step = n.min(front.len());
            front.advance(step);
            n -= step;
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
    }

    /// The first match of `find` in the body: looked for in each chunk, and across each chunk
    /// start in the `overlap` bytes before and after it, so a pattern of up to `overlap` bytes
    /// is found however the chunks cut it.
    pub fn scan<T>(&self, overlap: usize, find: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
        // The last `overlap` bytes before the chunk at hand.
        let mut before: Vec<u8> = Vec::with_capacity(2 * overlap);
        let mut seam: Vec<u8> = Vec::with_capacity(2 * overlap);
        for chunk in &self.chunks {
            if !before.is_empty() {
                seam.clear();
                seam.extend_from_slice(&before);
                seam.extend_from_slice(&chunk[..chunk.len().min(overlap)]);
                if let Some(found) = find(&seam) {
                    return Some(found);
                }
            }
            if let Some(found) = find(chunk) {
                return Some(found);
            }
            before.extend_from_slice(&chunk[chunk.len().saturating_sub(overlap)..]);
            let excess = before.len().saturating_sub(overlap);
            before.drain(..excess);
        }
        None
    }

    /// Where the body stops being UTF-8 (as JSON text must be), if it does: the offset of the
    /// first byte that does not belong to a character. A character cut between two chunks is
    /// put back together first.
    pub fn utf8_error(&self) -> Option<usize> {
        // The start of a character cut by a chunk's end: at most 3 bytes.
        let mut carried: Vec<u8> = Vec::new();
        let mut offset = 0;
        for chunk in &self.chunks {
            let mut rest: &[u8] = chunk;
            let mut rest_offset = offset;
            if let Some(&lead) = carried.first() {
                let width = match lead {
                    0xC2..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    0xF0..=0xF4 => 4,
                    _ => return Some(offset - carried.len()),
                };
                let take = (width - carried.len()).min(rest.len());
                carried.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                rest_offset += take;
                if carried.len() == width {
                    if std::str::from_utf8(&carried).is_err() {
                        return Some(rest_offset - width);
                    }
                    carried.clear();
                }
            }
            if let Err(e) = std::str::from_utf8(rest) {
                if e.error_len().is_some() {
                    return Some(rest_offset + e.valid_up_to());
                }
                carried.extend_from_slice(&rest[e.valid_up_to()..]);
            }
            offset += chunk.len();
        }
        (!carried.is_empty()).then(|| self.len - carried.len())
    }

    /// Reads the body from the start, keeping it.
    pub fn reader(&self) -> BufReader<ChunkReader<'_>> {
        BufReader::with_capacity(READ_BUFFER, ChunkReader { chunks: self.chunks.iter(), current: &[] })
    }

    /// Reads the body from the start, freeing each chunk once it has been read.
    pub fn into_draining_reader(self) -> BufReader<DrainingReader> {
        BufReader::with_capacity(READ_BUFFER, DrainingReader { chunks: self.chunks })
    }
}

/// Reads a [`Body`] without consuming it.
pub(crate) struct ChunkReader<'a> {
    chunks: std::collections::vec_deque::Iter<'a, Bytes>,
    current: &'a [u8],
}

impl io::Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.next() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = &self.current[n..];
        Ok(n)
    }
}

/// Reads a [`Body`], dropping every chunk as soon as it has been read.
pub(crate) struct DrainingReader {
    chunks: VecDeque<Bytes>,
}

impl io::Read for DrainingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(front) = self.chunks.front_mut() else { return Ok(0) };
        let n = buf.len().min(front.len());
        buf[..n].copy_from_slice(&front[..n]);
        front.advance(n);
        if front.is_empty() {
            self.chunks.pop_front();
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn body(parts: &[&'static str]) -> Body {
        let mut body = Body::default();
        for part in parts {
            body.push(Bytes::from_static(part.as_bytes()));
        }
        body
    }

    #[test]
    fn a_body_reads_the_same_whole_in_prefix_and_through_both_readers() {
        let mut body = body(&["{\"a\":", "", "[1,2", ",3]}"]);
        assert_eq!((body.len(), body.chunk_count()), (13, 3));
        assert_eq!(&*body.contiguous(), b"{\"a\":[1,2,3]}");
        assert_eq!(&*body.prefix(7), b"{\"a\":[1");
        assert_eq!(&*body.prefix(3), b"{\"a");
        assert_eq!(&*body.prefix(100), b"{\"a\":[1,2,3]}");
        let mut kept = String::new();
        body.reader().read_to_string(&mut kept).unwrap();
        assert_eq!(kept, "{\"a\":[1,2,3]}");
        body.skip(6);
        assert_eq!((&*body.contiguous(), body.len()), (&b"1,2,3]}"[..], 7));
        let mut drained = String::new();
        body.into_draining_reader().read_to_string(&mut drained).unwrap();
        assert_eq!(drained, "1,2,3]}");
    }

    #[test]
    fn small_chunks_are_gathered_and_large_ones_kept() {
        let mut gathering = Gathering::default();
        for _ in 0..200_000 {
            gathering.push(Bytes::from_static(b"x"));
        }
        let large = Bytes::from(vec![b'y'; SMALL_CHUNK]);
        gathering.push(large.clone());
        gathering.push(Bytes::from_static(b"z"));
        assert_eq!(gathering.len(), 200_000 + SMALL_CHUNK + 1);
        let body = gathering.finish();
        // 200,000 one-byte chunks make 4 chunks of at most 64 KiB (the last one cut short by the
        // large chunk), then the large chunk as it came, then the last byte.
        assert_eq!(body.chunk_count(), 200_000usize.div_ceil(GATHERED_CHUNK) + 2);
        assert!(body.chunks.iter().all(|chunk| chunk.len() <= GATHERED_CHUNK || chunk.len() == SMALL_CHUNK));
        assert!(body.chunks.iter().any(|chunk| chunk.as_ptr() == large.as_ptr()), "the large chunk is not copied");
        let whole = body.contiguous();
        assert_eq!((whole.len(), whole[0], whole[200_000], whole[whole.len() - 1]), (body.len(), b'x', b'y', b'z'));
    }

    #[test]
    fn a_pattern_cut_by_a_chunk_end_is_found() {
        let find = |part: &[u8]| part.windows(5).position(|w| w == b"RunId").map(|_| part.len());
        assert!(body(&["{\"workflowR", "unId\":1}"]).scan(8, find).is_some());
        assert!(body(&["{\"workflowRunId\":1}"]).scan(8, find).is_some());
        assert!(body(&["{\"workflow", "Id\":1}"]).scan(8, find).is_none());
        // Cut into pieces shorter than the pattern.
        assert!(body(&["{\"workflowR", "u", "n", "I", "d\":1}"]).scan(8, find).is_some());
    }

    #[test]
    fn utf8_is_checked_across_chunk_ends() {
        let text = "aé€😀z".as_bytes();
        for size in 1..=text.len() {
            let mut body = Body::default();
            for chunk in text.chunks(size) {
                body.push(Bytes::copy_from_slice(chunk));
            }
            assert_eq!(body.utf8_error(), None, "chunks of {size}");
            for bad_at in 0..text.len() {
                let mut broken = text.to_vec();
                broken[bad_at] = 0xFF;
                let mut body = Body::default();
                for chunk in broken.chunks(size) {
                    body.push(Bytes::copy_from_slice(chunk));
                }
                let expected = std::str::from_utf8(&broken).unwrap_err().valid_up_to();
                assert_eq!(body.utf8_error(), Some(expected), "chunks of {size}, 0xFF at {bad_at}");
            }
            let mut cut = Body::default();
            for chunk in text[..text.len() - 2].chunks(size) {
                cut.push(Bytes::copy_from_slice(chunk));
            }
            assert_eq!(cut.utf8_error(), Some(6), "a cut emoji, chunks of {size}");
        }
    }

    #[test]
    fn an_empty_body_is_empty_everywhere() {
        let mut empty = Body::default();
        empty.skip(3);
        assert_eq!((empty.len(), &*empty.contiguous(), &*empty.prefix(10)), (0, &b""[..], &b""[..]));
    }
}

//! Fixed-size byte buffers used again and again. A large transfer hands mebibyte buffers between threads; freed and
//! allocated afresh each time, every one is mapped, faulted in page by page (zeroed by the kernel) and unmapped —
//! measured as a quarter of the controller's CPU while receiving a 1 GiB upload. A pool keeps a few for the next.

use std::sync::{Mutex, PoisonError};

pub struct Pool {
    /// The capacity of each buffer.
    size: usize,
    /// Buffers kept at most; more are freed.
    keep: usize,
    spare: Mutex<Vec<Vec<u8>>>,
}

impl Pool {
    pub const fn new(size: usize, keep: usize) -> Pool {
        Pool {
            size,
            keep,
            spare: Mutex::new(Vec::new()),
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// An empty buffer with room for `size` bytes: a kept one if there is one.
    pub fn take(&'static self) -> Pooled {
        let spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner).pop();
        Pooled {
            buffer: spare.unwrap_or_else(|| Vec::with_capacity(self.size)),
            pool: self,
        }
    }
}

/// A buffer from a pool; back in the pool when dropped (as long as it kept its size).
pub struct Pooled {
    buffer: Vec<u8>,
    pool: &'static Pool,
}

impl Pooled {
    /// The room left before the buffer is full.
    pub fn room(&self) -> usize {
        self.pool.size.saturating_sub(self.buffer.len())
    }

    pub fn is_full(&self) -> bool {
        self.room() == 0
    }

    /// Appends as much of `data` as fits; returns what did not.
    pub fn fill<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        let (now, rest) = data.split_at(self.room().min(data.len()));
        self.buffer.extend_from_slice(now);
        rest
    }

    /// The bytes, to read into (never past `size`: the caller reads at most `room()`).
    pub fn vec(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buffer
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let mut buffer = std::mem::take(&mut self.buffer);
        if buffer.capacity() != self.pool.size {
            return;
        }
        buffer.clear();
        let mut spare = self.pool.spare.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < self.pool.keep {
            spare.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static POOL: Pool = Pool::new(8, 2);

    #[test]
    fn buffers_are_filled_to_their_size_and_come_back_once_dropped() {
        let spare = || POOL.spare.lock().unwrap().len();
        let mut a = POOL.take();
        let rest = a.fill(b"0123456789");
        assert_eq!((a.as_ref(), rest), (&b"01234567"[..], &b"89"[..]));
        assert!(a.is_full());
        let at = a.as_ref().as_ptr();
        drop(a);
        assert_eq!(spare(), 1, "kept");
        let mut b = POOL.take();
        assert_eq!(
            (b.as_ref().len(), b.as_ref().as_ptr(), spare()),
            (0, at, 0),
            "the same buffer, empty"
        );
        // One that grew past its size is freed, not kept.
        b.vec().extend_from_slice(&[0; 100]);
        drop(b);
        assert_eq!(spare(), 0);
        assert_eq!(POOL.take().room(), 8);
    }
}

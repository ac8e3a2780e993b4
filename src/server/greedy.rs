//! A reader that hands over everything already there. rustls answers each read with at most one TLS record (16 KiB
//! of plaintext), so hyper cut a large request body into 16 KiB frames, each one a hand-off between the connection's
//! task and the handler's: 65,536 of them for a 1 GiB upload. Reading on while the socket has more lets hyper's
//! buffer fill and grow, and the body arrive in frames of hundreds of kibibytes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct Greedy<T>(pub T);

impl<T: AsyncRead + Unpin> AsyncRead for Greedy<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let start = buf.filled().len();
        loop {
            let before = buf.filled().len();
            match Pin::new(&mut self.0).poll_read(cx, buf) {
                Poll::Ready(Ok(())) if buf.filled().len() == before => return Poll::Ready(Ok(())), // end of stream
                Poll::Ready(Ok(())) if buf.remaining() == 0 => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {}
                // What was read is handed over; the error (or the wait) comes with the next read.
                Poll::Ready(Err(_)) | Poll::Pending if buf.filled().len() > start => return Poll::Ready(Ok(())),
                other => return other,
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Greedy<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reads_on_while_more_is_there_then_hands_over_what_came() {
        // A reader that gives 3 bytes per read, as rustls gives a record at a time.
        let mut inner = tokio_test_reader(b"abcdefghij", 3);
        let mut buf = [0u8; 8];
        let n = Greedy(&mut inner).read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"abcdefgh", "filled, not one piece");
        let n = Greedy(&mut inner).read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ij");
        assert_eq!(Greedy(&mut inner).read(&mut buf).await.unwrap(), 0, "end of stream");
    }

    #[tokio::test]
    async fn stops_at_a_wait_with_what_it_has() {
        let (mut client, server) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut client, b"hello")
            .await
            .unwrap();
        let mut reader = Greedy(server);
        let mut buf = [0u8; 32];
        let n = reader.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello", "handed over at the wait, not held");
    }

    /// `data` read at most `step` bytes at a time.
    fn tokio_test_reader(data: &'static [u8], step: usize) -> impl AsyncRead + Unpin {
        struct Steps(&'static [u8], usize);
        impl AsyncRead for Steps {
            fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
                let n = self.1.min(self.0.len()).min(buf.remaining());
                buf.put_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Poll::Ready(Ok(()))
            }
        }
        Steps(data, step)
    }
}

//! The TLS set-up both ends share: one crypto provider (ring), TLS 1.3 only.

use std::sync::Arc;

pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

//! Certificates: the controller's CA and server certificate, device keys and CSRs, signing and reading them.
//! All keys are ECDSA P-256. A device certificate carries its device id as CN and its hosting number as OU.

use crate::error::{Error, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use ts_rs::TS;

/// A device certificate's lifetime unless the controller says otherwise.
pub const DEVICE_CERT_DAYS: i64 = 365;
const ORGANISATION: &str = "Planhost";

/// A certificate and its private key, both PEM. The key is secret.
pub struct KeyedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

fn serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f; // positive INTEGER
    SerialNumber::from_slice(&bytes)
}

fn pki_err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("certificate: {e}"))
}

fn base_params(common_name: &str, days: i64) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, ORGANISATION);
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    let now = OffsetDateTime::now_utc();
    // A little slack for clocks that run behind.
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(days);
    params.serial_number = Some(serial());
    params
}

/// A new CA for one controller, valid ten years.
pub fn new_ca(controller_name: &str) -> Result<KeyedCert> {
    let key = KeyPair::generate().map_err(pki_err)?;
    let mut params = base_params(&format!("Planhost controller CA ({controller_name})"), 3650);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).map_err(pki_err)?;
    Ok(KeyedCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn issuer(ca: &KeyedCert) -> Result<Issuer<'static, KeyPair>> {
    let key = KeyPair::from_pem(&ca.key_pem).map_err(pki_err)?;
    Issuer::from_ca_cert_pem(&ca.cert_pem, key).map_err(pki_err)
}

/// A TLS server certificate (the controller's, a planning server's): its domain name, `localhost` and the loopback
/// addresses.
pub fn new_server_cert(ca: &KeyedCert, domain: &str) -> Result<KeyedCert> {
    let key = KeyPair::generate().map_err(pki_err)?;
    let mut params = base_params(domain, 825);
    let mut names = vec![SanType::DnsName("localhost".try_into().map_err(pki_err)?)];
    if domain != "localhost" {
        names.push(SanType::DnsName(domain.try_into().map_err(pki_err)?));
    }
    names.push(SanType::IpAddress("127.0.0.1".parse().expect("loopback")));
    names.push(SanType::IpAddress("::1".parse().expect("loopback")));
    params.subject_alt_names = names;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer(ca)?).map_err(pki_err)?;
    Ok(KeyedCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// The console's side of enrolment: a fresh key pair and a CSR for it.
pub fn new_device_key_and_csr() -> Result<(String, String)> {
    let key = KeyPair::generate().map_err(pki_err)?;
    // A CSR holds a name and the public key only; the controller decides everything else.
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "planhost device");
    let csr = params.serialize_request(&key).map_err(pki_err)?;
    Ok((key.serialize_pem(), csr.pem().map_err(pki_err)?))
}

/// The controller's side: checks the CSR's signature and issues a client certificate. Only the public key is taken
/// from the request; names, usages and validity are the controller's.
pub fn sign_device_csr(
    ca: &KeyedCert,
    csr_pem: &str,
    device_id: &str,
    hosting_number: &str,
    days: i64,
) -> Result<String> {
    let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| {
        Error::invalid(
            format!("The certificate request is not valid: {e}"),
            format!("La demande de certificat n'est pas valide : {e}"),
        )
    })?;
    let mut params = base_params(device_id, days);
    params
        .distinguished_name
        .push(DnType::OrganizationalUnitName, hosting_number);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let signed = CertificateSigningRequestParams {
        params,
        public_key: csr.public_key,
    }
    .signed_by(&issuer(ca)?)
    .map_err(pki_err)?;
    Ok(signed.pem())
}

/// What a console shows about a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CertificateInfo {
    /// SHA-256 of the DER, upper-case hex in pairs separated by colons.
    pub fingerprint_sha256: String,
    pub subject_cn: String,
    /// Organisational unit: the hosting number on a device certificate.
    pub subject_ou: Option<String>,
    /// RFC 3339.
    pub not_after: String,
    #[ts(type = "number")]
    pub not_after_unix: i64,
    #[ts(type = "number")]
    pub not_before_unix: i64,
}

/// Bytes as hexadecimal pairs (`upper` or lower case), `separator` between pairs. Written by hand because it runs
/// on every request (token hashes), where `format!` per byte showed in profiles.
pub(crate) fn hex(bytes: &[u8], upper: bool, separator: Option<char>) -> String {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if let Some(sep) = separator.filter(|_| i > 0) {
            out.push(sep);
        }
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 15)]));
    }
    out
}

/// SHA-256 as upper-case hexadecimal pairs separated by colons.
pub fn fingerprint(der: &[u8]) -> String {
    hex(&Sha256::digest(der), true, Some(':'))
}

/// A SHA-256 fingerprint as people copy it (any case, with or without colons or spaces), in our canonical form.
pub fn parse_fingerprint(input: &str) -> Result<String> {
    let hex: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "A certificate fingerprint is 64 hexadecimal digits (SHA-256), with or without colons.",
            "Une empreinte de certificat compte 64 chiffres hexadécimaux (SHA-256), avec ou sans deux-points.",
        ));
    }
    Ok(hex
        .as_bytes()
        .chunks(2)
        .map(|p| std::str::from_utf8(p).expect("ascii"))
        .collect::<Vec<_>>()
        .join(":"))
}

pub fn pem_to_der(pem: &str) -> Result<Vec<u8>> {
    let (_, parsed) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| {
        Error::invalid(
            format!("Not a PEM certificate: {e}"),
            format!("Certificat PEM illisible : {e}"),
        )
    })?;
    Ok(parsed.contents)
}

pub fn cert_info_der(der: &[u8]) -> Result<CertificateInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
        Error::invalid(
            format!("Unreadable certificate: {e}"),
            format!("Certificat illisible : {e}"),
        )
    })?;
    fn first<'a>(mut it: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>) -> Option<String> {
        it.next().and_then(|a| a.as_str().ok()).map(str::to_owned)
    }
    let not_after_unix = cert.validity().not_after.timestamp();
    Ok(CertificateInfo {
        fingerprint_sha256: fingerprint(der),
        subject_cn: first(cert.subject().iter_common_name()).unwrap_or_default(),
        subject_ou: first(cert.subject().iter_organizational_unit()),
        not_after: crate::time_fmt::rfc3339(not_after_unix),
        not_after_unix,
        not_before_unix: cert.validity().not_before.timestamp(),
    })
}

pub fn cert_info(pem: &str) -> Result<CertificateInfo> {
    cert_info_der(&pem_to_der(pem)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_certificate_carries_device_and_hosting_and_ignores_requested_names() {
        let ca = new_ca("test").unwrap();
        let (_key, csr) = new_device_key_and_csr().unwrap();
        let cert = sign_device_csr(&ca, &csr, "dev-1", "123456789012", DEVICE_CERT_DAYS).unwrap();
        let info = cert_info(&cert).unwrap();
        assert_eq!(info.subject_cn, "dev-1");
        assert_eq!(info.subject_ou.as_deref(), Some("123456789012"));
        let days = (info.not_after_unix - OffsetDateTime::now_utc().unix_timestamp()) / 86400;
        assert!((364..=365).contains(&days), "{days}");
    }

    #[test]
    fn fingerprints_are_read_as_people_copy_them() {
        assert_eq!(
            fingerprint(b"abc"),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        let canonical = fingerprint(b"anything");
        let bare: String = canonical.replace(':', "").to_lowercase();
        assert_eq!(parse_fingerprint(&bare).unwrap(), canonical);
        assert_eq!(parse_fingerprint(&format!("  {canonical} ")).unwrap(), canonical);
        assert!(parse_fingerprint(&bare[..62]).is_err());
        assert!(parse_fingerprint(&bare.replace('a', "g")).is_err() || !bare.contains('a'));
    }

    #[test]
    fn garbage_csr_is_rejected_as_invalid_input() {
        let ca = new_ca("test").unwrap();
        let err = sign_device_csr(
            &ca,
            "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            "d",
            "1",
            DEVICE_CERT_DAYS,
        )
        .unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::InvalidInput);
    }
}

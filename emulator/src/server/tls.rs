//! The local certificate authority and the server certificate it signs.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Error;

/// Installs ring as the process-wide rustls provider (ignored when one is installed already).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// PEMs of the CA and of the server certificate; generated once and stored with the state.
#[derive(Clone)]
pub struct TlsMaterial {
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

fn crypto(what: &str) -> impl Fn(rcgen::Error) -> Error + '_ {
    move |e| Error::crypto(format!("{what}: {e}"))
}

impl TlsMaterial {
    /// A new ECDSA P-256 CA and a server certificate for 127.0.0.1, ::1 and localhost.
    pub fn generate() -> Result<TlsMaterial, Error> {
        let ca_key = KeyPair::generate().map_err(crypto("CA key"))?;
        let mut ca = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "msi-emulator local CA");
        dn.push(DnType::OrganizationName, "msi-emulator");
        ca.distinguished_name = dn;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = date_time_ymd(2024, 1, 1);
        ca.not_after = date_time_ymd(2049, 12, 31);
        let ca_cert = ca.self_signed(&ca_key).map_err(crypto("CA certificate"))?;

        let key = KeyPair::generate().map_err(crypto("server key"))?;
        let mut leaf = CertificateParams::new(vec![
            "127.0.0.1".to_string(),
            "::1".to_string(),
            "localhost".to_string(),
        ])
        .map_err(crypto("server certificate names"))?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "msi-emulator");
        leaf.distinguished_name = dn;
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        leaf.not_before = date_time_ymd(2024, 1, 1);
        leaf.not_after = date_time_ymd(2049, 12, 31);
        let issuer = Issuer::new(ca, &ca_key);
        let cert = leaf
            .signed_by(&key, &issuer)
            .map_err(crypto("server certificate"))?;

        Ok(TlsMaterial {
            ca_cert_pem: ca_cert.pem(),
            ca_key_pem: ca_key.serialize_pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The rustls configuration: the server certificate, ALPN h2 and http/1.1.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, Error> {
        let cert = CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .map_err(|e| Error::crypto(format!("server certificate PEM: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| Error::crypto(format!("server key PEM: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::crypto(format!("TLS versions: {e}")))?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|e| Error::crypto(format!("TLS configuration: {e}")))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_material_builds_a_server_config() {
        let m = TlsMaterial::generate().unwrap();
        assert!(m.ca_cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(m.ca_key_pem.contains("PRIVATE KEY"));
        m.server_config().unwrap();
    }
}

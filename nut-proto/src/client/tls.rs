//! STARTTLS settings and the rustls client configuration built from them.
//!
//! Design: certificate verification is on, and it needs a trust anchor. NUT servers use self-signed or
//! private-CA certificates almost always (upsd's `CERTFILE`/`CERTPATH`), so trusting the system's public
//! web roots would give a false sense of security and would still fail on real setups; instead the CA
//! (or the server's own self-signed certificate) is given as a PEM file in [`TlsOptions::ca_file`].
//! Without one, `starttls` fails with a configuration error before anything is sent, unless the caller
//! sets the loudly-named [`TlsOptions::danger_accept_invalid_certs`], which encrypts without
//! authenticating the server (what upsmon does with `CERTVERIFY 0`).
//!
//! A certificate made with `openssl req -x509` is self-signed *and* marked `CA:TRUE`; WebPKI refuses a CA
//! as a server's own certificate (`CaUsedAsEndEntity`), so pointing `ca_file` at the server's own
//! certificate would fail although the user trusts exactly that certificate. The verifier therefore
//! accepts a server certificate that is byte for byte one of the certificates of `ca_file` (trusted as
//! itself, like a pinned key; the handshake signatures are still checked with it), and verifies every
//! other certificate as a chain to the file's CAs with the server name, as usual.

use std::path::PathBuf;

/// How `starttls` authenticates the server.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TlsOptions {
    /// PEM file with the CA certificate(s) (or the server's self-signed certificate) to trust.
    /// Required unless [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs) is set.
    pub ca_file: Option<PathBuf>,
    /// Name (or IP address) the certificate must be valid for; defaults to the host connected to.
    pub server_name: Option<String>,
    /// Encrypt without checking who is at the other end: any certificate is accepted (signatures of
    /// the handshake are still checked). Exposes the session, password included, to anyone who can
    /// intercept the connection. Off by default; only for labs and migrations.
    pub danger_accept_invalid_certs: bool,
}

/// The rustls side (feature `tls`): the client configuration built from [`TlsOptions`].
#[cfg(feature = "tls")]
mod imp {
    use std::sync::Arc;

    use tokio_rustls::rustls;
    use tokio_rustls::rustls::client::danger::{
        HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
    };
    use tokio_rustls::rustls::client::WebPkiServerVerifier;
    use tokio_rustls::rustls::crypto::CryptoProvider;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

    use super::super::error::{TlsConfigError, TlsError};
    use super::TlsOptions;

    impl TlsOptions {
        /// Builds the rustls configuration, reading the CA file. Fails before anything is sent.
        pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, TlsError> {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(TlsConfigError::Provider)?;
            if self.danger_accept_invalid_certs {
                return Ok(builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(Verifier {
                        accept: Accept::Any,
                        provider,
                    }))
                    .with_no_client_auth());
            }
            let Some(path) = &self.ca_file else {
                return Err(TlsConfigError::NoCaFile.into());
            };
            let pem = std::fs::read(path).map_err(|source| TlsConfigError::ReadCaFile {
                path: path.clone(),
                source,
            })?;
            let mut roots = rustls::RootCertStore::empty();
            let mut pinned = Vec::new();
            let mut reader = pem.as_slice();
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|source| TlsConfigError::BadPem {
                    path: path.clone(),
                    source,
                })?;
                pinned.push(cert.clone());
                roots
                    .add(cert)
                    .map_err(|source| TlsConfigError::BadCertificate {
                        path: path.clone(),
                        source,
                    })?;
            }
            if roots.is_empty() {
                return Err(TlsConfigError::NoCertificate { path: path.clone() }.into());
            }
            let chain =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|source| TlsConfigError::Verifier {
                        path: path.clone(),
                        source,
                    })?;
            Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Verifier {
                    accept: Accept::PinnedOrChain { pinned, chain },
                    provider,
                }))
                .with_no_client_auth())
        }

        /// The name to verify: the explicit override, else the host connected to.
        pub(crate) fn server_name(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
            let name = self.server_name.as_deref().unwrap_or(host);
            ServerName::try_from(name.to_string()).map_err(|source| {
                TlsConfigError::BadServerName {
                    name: name.to_string(),
                    source,
                }
                .into()
            })
        }
    }

    /// Which server certificates [`Verifier`] accepts.
    #[derive(Debug)]
    enum Accept {
        /// One of the CA file's own certificates (a self-signed server certificate given as itself,
        /// `CA:TRUE` or not), or a chain to the file's CAs valid for the server name (WebPKI).
        PinnedOrChain {
            pinned: Vec<CertificateDer<'static>>,
            chain: Arc<WebPkiServerVerifier>,
        },
        /// The opt-out: any certificate.
        Any,
    }

    /// The client's certificate verifier; handshake signatures are checked in every mode.
    #[derive(Debug)]
    struct Verifier {
        accept: Accept,
        provider: Arc<CryptoProvider>,
    }

    impl ServerCertVerifier for Verifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match &self.accept {
                Accept::Any => Ok(ServerCertVerified::assertion()),
                Accept::PinnedOrChain { pinned, .. }
                    if pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) =>
                {
                    Ok(ServerCertVerified::assertion())
                }
                Accept::PinnedOrChain { chain, .. } => chain.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ),
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}

//! Rule validators: the small matchers in Rust that rule data names with `validate:`.
//!
//! Each one checks a candidate secret and either rejects it or accepts it, possibly naming the
//! service its embedded signature belongs to.

use crate::checksum::{self, EntraSecretCheck, IdentifiableKind};
use crate::rules::spec::Validator;
use crate::service::Service;

/// What a validator decided about a candidate secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not this kind of credential.
    Reject,
    /// A credential; `service` is `Some` when its signature says which service it belongs to,
    /// `verified` when an embedded checksum was checked (not only the pattern and context).
    Accept {
        service: Option<Service>,
        verified: bool,
    },
}

impl Verdict {
    fn verified(service: Option<Service>) -> Self {
        Verdict::Accept {
            service,
            verified: true,
        }
    }
}

/// Runs a validator over a candidate secret.
pub fn check(validator: Validator, secret: &str) -> Verdict {
    match validator {
        Validator::EntraChecksum => match checksum::validate_entra_secret(secret) {
            EntraSecretCheck::ValidChecksum => Verdict::verified(None),
            _ => Verdict::Reject,
        },
        Validator::IdentifiableKey => checksum::validate_identifiable_key(secret)
            .and_then(|found| identifiable_service(found.kind))
            .map_or(Verdict::Reject, |service| Verdict::verified(Some(service))),
        Validator::ChecksumIfSigned => {
            if !carries_signature(secret) {
                // An unsigned legacy key: found by its pattern and context alone.
                Verdict::Accept {
                    service: None,
                    verified: false,
                }
            } else if checksum::validate_identifiable_key(secret).is_some() {
                Verdict::verified(None)
            } else {
                Verdict::Reject
            }
        }
        Validator::CaskKey => checksum::validate_cask_key(secret)
            .filter(|found| found.checksum_verified)
            .and_then(|found| cask_service(found.provider))
            .map_or(Verdict::Reject, |service| Verdict::verified(Some(service))),
    }
}

/// True when every finding of a rule with this validator had its checksum verified; false when
/// some are found by pattern and context alone (unsigned keys under `ChecksumIfSigned`).
pub fn always_verifies(validator: Validator) -> bool {
    !matches!(validator, Validator::ChecksumIfSigned)
}

/// True when `secret` has the length of an identifiable key and one of their signatures at the
/// signature's place (four characters before the six-character checksum and the padding).
fn carries_signature(secret: &str) -> bool {
    let padding = secret.len() - secret.trim_end_matches('=').len();
    IdentifiableKind::ALL.iter().any(|kind| {
        (secret.len() == kind.padded_length() || secret.len() == kind.unpadded_length())
            && secret
                .len()
                .checked_sub(padding + 10)
                .and_then(|at| secret.get(at..at + 4))
                .is_some_and(|found| found == kind.signature())
    })
}

/// The service an identifiable key belongs to, by the kind its signature names (`None`: a kind
/// outside keyless's vocabulary).
pub fn identifiable_service(kind: IdentifiableKind) -> Option<Service> {
    Some(match kind {
        IdentifiableKind::StorageAccount => Service::Storage,
        IdentifiableKind::CosmosDb => Service::Cosmos,
        IdentifiableKind::Batch => Service::Batch,
        IdentifiableKind::Apim => Service::Apim,
        IdentifiableKind::ServiceBus | IdentifiableKind::Relay => Service::Servicebus,
        IdentifiableKind::EventHubs => Service::Eventhubs,
        IdentifiableKind::IotHub => Service::Iothub,
        IdentifiableKind::CacheForRedis => Service::Redis,
        IdentifiableKind::EventGrid => Service::Eventgrid,
        IdentifiableKind::ContainerRegistry => Service::Acr,
        IdentifiableKind::Search => Service::Search,
        IdentifiableKind::Functions => Service::Functions,
        // Azure ML classic web services are outside keyless's vocabulary.
        IdentifiableKind::MlWebServiceClassic => return None,
    })
}

fn cask_service(provider: &str) -> Option<Service> {
    match provider {
        "AZAC" => Some(Service::Appconfig),
        "AZEG" => Some(Service::Eventgrid),
        "AWPS" => Some(Service::Webpubsub),
        "AZDO" => Some(Service::Devops),
        "AZMP" => Some(Service::Maps),
        "AZCS" => Some(Service::Communication),
        "msql" => Some(Service::Sql),
        tag if tag.ends_with("COG") => Some(Service::Openai),
        _ => None,
    }
}

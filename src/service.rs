//! The service vocabulary: the Azure services keyless knows ([`Service`]) and the role a file's
//! calls on a service's client need ([`InferredRole`]).
//!
//! This module sits below everything else that speaks of services: findings carry a [`Service`],
//! the remediation knowledge is indexed by it, plans and fixes group by it. It imports nothing
//! from the crate, so none of them has to import another to name a service (a test in
//! `layering_tests` holds the direction).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The Azure service a credential belongs to; the vocabulary of the JSON `service` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Azure Storage: blob, queue, table, files, Data Lake.
    Storage,
    /// Service Bus, also Relay and Notification Hubs.
    Servicebus,
    /// Event Hubs, including its Kafka endpoint.
    Eventhubs,
    /// Event Grid topics, domains and namespaces.
    Eventgrid,
    /// Cosmos DB.
    Cosmos,
    /// Azure SQL Database and SQL Managed Instance.
    Sql,
    /// Azure Database for PostgreSQL.
    Postgresql,
    /// Azure Database for MySQL.
    Mysql,
    /// Azure Cache for Redis and Azure Managed Redis.
    Redis,
    /// App Configuration.
    Appconfig,
    /// Azure SignalR Service.
    Signalr,
    /// Azure Web PubSub.
    Webpubsub,
    /// IoT Hub and the Device Provisioning Service.
    Iothub,
    /// Key Vault.
    Keyvault,
    /// Azure OpenAI and AI Services.
    Openai,
    /// Azure AI Search.
    Search,
    /// Azure Container Registry.
    Acr,
    /// Azure Batch.
    Batch,
    /// Application Insights.
    Appinsights,
    /// API Management.
    Apim,
    /// Azure Functions function and host keys.
    Functions,
    /// Azure DevOps personal access tokens.
    Devops,
    /// Entra ID app registrations and service principals.
    Entra,
    /// Azure AI services (Cognitive Services): Vision, Face, Language, Speech, Translator,
    /// Document Intelligence, Content Safety, Personalizer, LUIS, QnA Maker, Bing.
    Cognitiveservices,
    /// Azure Monitor: Log Analytics workspace shared keys (the HTTP Data Collector API).
    Monitor,
    /// Notification Hubs.
    Notificationhubs,
    /// Azure Communication Services.
    Communication,
    /// Azure Maps.
    Maps,
}

impl Service {
    /// Every service of the vocabulary, in declaration order.
    pub const ALL: [Service; 28] = [
        Service::Storage,
        Service::Servicebus,
        Service::Eventhubs,
        Service::Eventgrid,
        Service::Cosmos,
        Service::Sql,
        Service::Postgresql,
        Service::Mysql,
        Service::Redis,
        Service::Appconfig,
        Service::Signalr,
        Service::Webpubsub,
        Service::Iothub,
        Service::Keyvault,
        Service::Openai,
        Service::Search,
        Service::Acr,
        Service::Batch,
        Service::Appinsights,
        Service::Apim,
        Service::Functions,
        Service::Devops,
        Service::Entra,
        Service::Cognitiveservices,
        Service::Monitor,
        Service::Notificationhubs,
        Service::Communication,
        Service::Maps,
    ];

    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Storage => "storage",
            Service::Servicebus => "servicebus",
            Service::Eventhubs => "eventhubs",
            Service::Eventgrid => "eventgrid",
            Service::Cosmos => "cosmos",
            Service::Sql => "sql",
            Service::Postgresql => "postgresql",
            Service::Mysql => "mysql",
            Service::Redis => "redis",
            Service::Appconfig => "appconfig",
            Service::Signalr => "signalr",
            Service::Webpubsub => "webpubsub",
            Service::Iothub => "iothub",
            Service::Keyvault => "keyvault",
            Service::Openai => "openai",
            Service::Search => "search",
            Service::Acr => "acr",
            Service::Batch => "batch",
            Service::Appinsights => "appinsights",
            Service::Apim => "apim",
            Service::Functions => "functions",
            Service::Devops => "devops",
            Service::Entra => "entra",
            Service::Cognitiveservices => "cognitiveservices",
            Service::Monitor => "monitor",
            Service::Notificationhubs => "notificationhubs",
            Service::Communication => "communication",
            Service::Maps => "maps",
        }
    }

    /// The service with this name (as [`Service::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|service| service.as_str() == name)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A role inferred from the calls a file makes on a service's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredRole {
    /// Role id.
    pub role: String,
    /// The call that needs it (the first one seen).
    pub because: String,
}

/// The template resource whose body holds a finding: the workload that uses the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadResource {
    /// The host it belongs to (`hosts:` in `rules/remediation.yaml`).
    pub host: String,
    /// Its ARM or Terraform type (`azurerm_windows_function_app`, `Microsoft.Web/sites`).
    pub resource_type: String,
}

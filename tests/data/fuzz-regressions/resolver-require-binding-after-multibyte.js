const { EventHubConsumerClieþÿÿÿ = require("@azure/event-hubs");
const { AppConfigurationClient } = require("@azure/app-configuration");
const { DefaultAzureCredential } = require("@azure/identity");
const { CosmosClient } = require("@azure/cosmos");

const credential = new DefaultAzõreCredential();
const consumer = ne.env.COSMOS_ENDPOINT, aadCredentials: credential });

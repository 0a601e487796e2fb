// NlpMtl on Azure Container Apps: the `serve` worker scaled by KEDA on the inbox blob count, a manual training job
// that trains and exports a bundle onto an Azure Files share the worker reads, one user-assigned identity with
// Storage Blob Data Contributor for the queue and AcrPull on the registry it is given. Deploy:
//   az deployment group create -g RG -f deploy/main.bicep -p image=myacr.azurecr.io/nlpmtl:TAG registryName=myacr
targetScope = 'resourceGroup'

@description('Container image built from the repository Dockerfile.')
param image string

@description('Azure Container Registry the image is pulled from (its name, e.g. myacr): the identity is granted AcrPull on it. Empty for a public image.')
param registryName string = ''

@description('Resource group of the registry (default: this deployment\'s).')
param registryResourceGroup string = resourceGroup().name

param location string = resourceGroup().location

@minLength(3)
@maxLength(11)
param namePrefix string = 'nlpmtl'

@description('Queue container prefix (Queue:ContainerPrefix).')
param queuePrefix string = 'nlpmtl'

@description('Most worker replicas; KEDA scales from 0 on the inbox blob count.')
param maxReplicas int = 10

@description('Inbox blobs per replica before KEDA adds another.')
param blobsPerReplica int = 20

var storageName = toLower('${namePrefix}${uniqueString(resourceGroup().id)}')
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Keys stay enabled only for the Azure Files mount (Container Apps mounts shares with the account key).
    allowSharedKeyAccess: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for suffix in ['inbox', 'results', 'poison']: {
  parent: blobs
  name: '${queuePrefix}-${suffix}'
}]

resource files 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource modelsShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  parent: files
  name: 'models'
  properties: { shareQuota: 20 }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-worker'
  location: location
}

resource queueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, blobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource modelsStorage 'Microsoft.App/managedEnvironments/storages@2025-01-01' = {
  parent: environment
  name: 'models'
  properties: {
    azureFile: {
      accountName: storage.name
      accountKey: storage.listKeys().keys[0].value
      shareName: modelsShare.name
      accessMode: 'ReadWrite'
    }
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = if (!empty(registryName)) {
  name: registryName
  scope: resourceGroup(registryResourceGroup)
}

// The role assignment lives at the registry's scope, which may be another resource group: a module.
module registryPull 'acr-pull.bicep' = if (!empty(registryName)) {
  name: '${namePrefix}-acr-pull'
  scope: resourceGroup(registryResourceGroup)
  params: { registryName: registryName, principalId: identity.properties.principalId }
}

var registries = empty(registryName) ? [] : [{ server: registry!.properties.loginServer, identity: identity.id }]
var storageEnv = [
  { name: 'Storage__AccountUri', value: storage.properties.primaryEndpoints.blob }
  // DefaultAzureCredential picks the user-assigned identity by its client id.
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  { name: 'Queue__ContainerPrefix', value: queuePrefix }
]

resource serve 'Microsoft.App/containerApps@2025-01-01' = {
  name: '${namePrefix}-serve'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      registries: registries
    }
    template: {
      // Graceful stop: in-flight jobs finish or release their leases within HostOptions:ShutdownTimeout (< this).
      terminationGracePeriodSeconds: 60
      containers: [
        {
          name: 'serve'
          image: image
          args: ['serve']
          resources: { cpu: json('2.0'), memory: '4Gi' }
          env: concat(storageEnv, [
            // A bundle pointer (docs/operations.md): the training job publishes each new bundle by renaming it.
            { name: 'Inference__BundlePath', value: '/models/current' }
            { name: 'HostOptions__ShutdownTimeout', value: '00:00:45' }
          ])
          volumeMounts: [{ volumeName: 'models', mountPath: '/models' }]
        }
      ]
      volumes: [{ name: 'models', storageType: 'AzureFile', storageName: modelsStorage.name }]
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'inbox-blobs'
            custom: {
              type: 'azure-blob'
              metadata: {
                accountName: storage.name
                blobContainerName: '${queuePrefix}-inbox'
                blobCount: string(blobsPerReplica)
              }
              // KEDA reads the blob count with the same identity (no connection string anywhere).
              identity: identity.id
            }
          }
        ]
      }
    }
  }
  dependsOn: [queueAccess, containers, registryPull]
}

resource train 'Microsoft.App/jobs@2025-01-01' = {
  name: '${namePrefix}-train'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 14400
      replicaRetryLimit: 0
      registries: registries
    }
    template: {
      containers: [
        {
          name: 'train'
          image: image
          // Train on the shipped demo config into a new run folder, export its best checkpoint (parity-checked: a
          // failed check publishes nothing) into a new bundle folder, then point /models/current at it with one
          // rename. Workers that start later read the new bundle; running ones keep the old folder.
          command: ['/bin/sh', '-c']
          args: ['set -e; id=$(date -u +%Y%m%dT%H%M%SZ); dotnet /app/nlpmtl.dll train --config /app/configs/demo.json --out /models/runs/$id; dotnet /app/nlpmtl.dll export --checkpoint /models/runs/$id --out /models/bundles/$id --publish /models/current']
          resources: { cpu: json('4.0'), memory: '8Gi' }
          env: storageEnv
          volumeMounts: [{ volumeName: 'models', mountPath: '/models' }]
        }
      ]
      volumes: [{ name: 'models', storageType: 'AzureFile', storageName: modelsStorage.name }]
    }
  }
  dependsOn: [registryPull]
}

output storageAccount string = storage.name
output inbox string = '${queuePrefix}-inbox'
output workerIdentityClientId string = identity.properties.clientId

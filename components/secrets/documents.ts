/**
 * Pure builders for the secrets layer: chart values for External Secrets and
 * 1Password Connect, and the `onepassword` ClusterSecretStore for either mode.
 */
import type { OnePasswordSettings } from "../config";
import { type ObjectMeta, type PinnedChart, waitForReady } from "../lib/kubernetes";
import { versions } from "../lib/versions";

export const externalSecretsNamespace = "external-secrets";
export const connectNamespace = "onepassword-connect";
export const clusterSecretStoreName = "onepassword";
/** Holds 1password-credentials.json for the Connect server (chart 2.3.0+ mounts it as a file: 1Password/connect-helm-charts#196). */
export const connectCredentialsSecret = { name: "op-credentials", key: "1password-credentials.json" } as const;
/** The token ESO presents to Connect, or the service-account token in SDK mode. */
export const onePasswordTokenSecret = { name: "onepassword-token", key: "token" } as const;

export const externalSecretsChart: PinnedChart = {
  chart: "external-secrets",
  repository: "https://charts.external-secrets.io",
  version: versions.externalSecretsChart,
};

export const connectChart: PinnedChart = {
  chart: "connect",
  repository: "https://1password.github.io/connect-helm-charts",
  version: versions.onePasswordConnectChart,
};

export interface ExternalSecretsFeatures {
  /**
   * Process PushSecrets (writes from the cluster into a provider). Only a feature that writes, such as
   * a disaster-recovery backup with its own narrowly scoped store, turns this on.
   */
  pushSecrets: boolean;
}

/**
 * ESO installs its own CRDs; only `external-secrets.io/v1` is served from 0.17 on (external-secrets/external-secrets#4662).
 *
 * Hardened against the chart's defaults (deploy/charts/external-secrets/values.yaml and
 * templates/rbac.yaml, external-secrets v2.9.0): PushSecret and ClusterPushSecret
 * processing off unless a feature writes (`processPushSecret`,
 * `processClusterPushSecret`; the chart refuses ClusterPushSecret without PushSecret,
 * templates/_helpers.tpl), and its ClusterRoles no longer aggregated into the built-in
 * view/edit/admin roles (`rbac.aggregateTo*`), so a namespace `edit` binding does not
 * grant ExternalSecret rights.
 */
export function externalSecretsValues(features: ExternalSecretsFeatures = { pushSecrets: false }): Record<string, unknown> {
  return {
    installCRDs: true,
    processPushSecret: features.pushSecrets,
    processClusterPushSecret: false,
    rbac: { create: true, aggregateToView: false, aggregateToEdit: false, aggregateToAdmin: false },
    webhook: { create: true },
    certController: { create: true },
    // The PodMonitor in gitops/monitoring scrapes ESO for its alerts. The chart's own ServiceMonitor stays
    // off: installed before the Prometheus Operator CRDs, it would be skipped on the first install and then
    // appear on a later upgrade, scraping every series a second time under another job label.
    serviceMonitor: { enabled: false },
  };
}

/** The Connect server only; credentials come from a pre-created Secret, never from values, which Pulumi keeps in state (pulumi/pulumi-kubernetes#1353). */
export function connectValues(): Record<string, unknown> {
  return {
    connect: {
      create: true,
      credentialsName: connectCredentialsSecret.name,
      credentialsKey: connectCredentialsSecret.key,
      serviceType: "ClusterIP",
    },
    // ESO is the consumer of 1Password items; the Connect operator would be a second one.
    operator: { create: false },
  };
}

/** Port the Connect API container listens on (chart value connect.api.httpPort). */
export const connectApiPort = 8080;

/** In-cluster URL of the Connect API (chart service `onepassword-connect`, port 8080). */
export const connectHost = `http://onepassword-connect.${connectNamespace}.svc.cluster.local:${connectApiPort}`;

/** Selector labels of the ESO controller pods of release `external-secrets` (chart templates/_helpers.tpl, v2.9.0). */
export const externalSecretsControllerLabels = {
  "app.kubernetes.io/name": "external-secrets",
  "app.kubernetes.io/instance": "external-secrets",
} as const;

export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ObjectMeta;
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: "Ingress"[];
    ingress: {
      from: { namespaceSelector: { matchLabels: Record<string, string> }; podSelector: { matchLabels: Record<string, string> } }[];
      ports: { protocol: "TCP"; port: number }[];
    }[];
  };
}

/**
 * Only the ESO controller reaches Connect: every pod of the Connect namespace
 * accepts the API port from the controller pods and nothing else. Kubelet
 * probes from the node stay allowed (NetworkPolicy never blocks a pod's own node).
 */
export function connectNetworkPolicy(): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "connect-from-external-secrets", namespace: connectNamespace },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": externalSecretsNamespace } },
              podSelector: { matchLabels: { ...externalSecretsControllerLabels } },
            },
          ],
          ports: [{ protocol: "TCP", port: connectApiPort }],
        },
      ],
    },
  };
}

export interface ClusterSecretStore {
  apiVersion: "external-secrets.io/v1";
  kind: "ClusterSecretStore";
  metadata: ObjectMeta;
  spec: { provider: Record<string, unknown>; conditions: StoreCondition[] };
}

/** A ClusterSecretStore condition (eso-clustersecretstore.crd.yaml, spec.conditions[]). */
export interface StoreCondition {
  namespaceSelector?: { matchLabels: Record<string, string> };
  namespaces?: string[];
}

/**
 * The namespaces that may use the store. ESO admits a namespace when any
 * condition's selector or name matches it, and admits every namespace when
 * there is no condition (shouldProcessSecret in
 * pkg/controllers/secretstore/client_manager.go, external-secrets v2.9.0).
 */
export function storeConditions(allowed: OnePasswordSettings["allowedNamespaces"]): StoreCondition[] {
  const conditions: StoreCondition[] = [];
  if (allowed.matchLabels !== undefined && Object.keys(allowed.matchLabels).length > 0) {
    conditions.push({ namespaceSelector: { matchLabels: allowed.matchLabels } });
  }
  if (allowed.names !== undefined && allowed.names.length > 0) conditions.push({ namespaces: allowed.names });
  if (conditions.length === 0) throw new Error("the onepassword store needs at least one namespace condition");
  return conditions;
}

/** Vault name to priority, 1 first, in the order the config lists them. */
export function vaultPriorities(vaults: readonly string[]): Record<string, number> {
  return Object.fromEntries(vaults.map((vault, index) => [vault, index + 1]));
}

export function clusterSecretStore(onePassword: OnePasswordSettings): ClusterSecretStore {
  // A cluster-scoped store must name the token Secret's namespace, or ESO crash-loops (external-secrets/external-secrets#2572).
  const tokenRef = { ...onePasswordTokenSecret, namespace: externalSecretsNamespace };
  let provider: Record<string, unknown>;
  switch (onePassword.mode) {
    case "connect":
      provider = {
        onepassword: { connectHost, vaults: vaultPriorities(onePassword.vaults), auth: { secretRef: { connectTokenSecretRef: tokenRef } } },
      };
      break;
    case "sdk":
      // Caching keeps ESO inside 1Password's low service-account rate limits (external-secrets/external-secrets#5303).
      provider = {
        onepasswordSDK: { vault: onePassword.vault, auth: { serviceAccountSecretRef: tokenRef }, cache: { ttl: "5m", maxSize: 100 } },
      };
      break;
    default: {
      const exhaustive: never = onePassword;
      throw new Error(`unhandled 1Password mode ${JSON.stringify(exhaustive)}`);
    }
  }
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: clusterSecretStoreName, annotations: waitForReady(300) },
    spec: { provider, conditions: storeConditions(onePassword.allowedNamespaces) },
  };
}

/** The disaster-recovery backup's own store, token Secret and the Secret holding the encrypted Talos bundle. */
export const backupStoreName = "onepassword-backup";
export const backupTokenSecret = { name: "onepassword-backup-token", key: "token" } as const;
export const talosBackupSecret = { name: "talos-secrets-backup", key: "talos-secrets.age" } as const;

/** A namespaced store (eso-secretstore.crd.yaml, v1). */
export interface SecretStore {
  apiVersion: "external-secrets.io/v1";
  kind: "SecretStore";
  metadata: ObjectMeta;
  spec: { provider: Record<string, unknown> };
}

/**
 * The backup's store: namespaced (so only PushSecrets of its own namespace use it), holding only the
 * backup vault, with its own Connect token. The onepassword provider writes a new item into the vault
 * of priority 1 (createItem in providers/v1/onepassword/onepassword.go, external-secrets v2.9.0).
 */
export function backupSecretStore(namespace: string, vault: string): SecretStore {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: { name: backupStoreName, namespace, annotations: waitForReady(300) },
    spec: {
      provider: {
        onepassword: { connectHost, vaults: vaultPriorities([vault]), auth: { secretRef: { connectTokenSecretRef: backupTokenSecret } } },
      },
    },
  };
}

export interface PushSecret {
  apiVersion: "external-secrets.io/v1alpha1";
  kind: "PushSecret";
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

/**
 * Pushes one key of one Secret to the backup store. A PushSecret reads only Secrets of its own
 * namespace (spec.selector.secret.name, apis/externalsecrets/v1alpha1/pushsecret_types.go, v2.9.0);
 * the item is titled `remoteKey` and the value lands in its `password` field (PushSecret in
 * providers/v1/onepassword/onepassword.go, v2.9.0). deletionPolicy None: removing the feature keeps the copy.
 */
export function backupPushSecret(
  name: string,
  namespace: string,
  secret: { readonly name: string; readonly key: string },
  remoteKey: string,
): PushSecret {
  return {
    apiVersion: "external-secrets.io/v1alpha1",
    kind: "PushSecret",
    metadata: { name, namespace },
    spec: {
      refreshInterval: "1h",
      updatePolicy: "Replace",
      deletionPolicy: "None",
      secretStoreRefs: [{ name: backupStoreName, kind: "SecretStore" }],
      selector: { secret: { name: secret.name } },
      data: [{ match: { secretKey: secret.key, remoteRef: { remoteKey } } }],
    },
  };
}

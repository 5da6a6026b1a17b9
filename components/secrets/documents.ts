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
/** Holds 1password-credentials.json for the Connect server (chart 2.3.0+ mounts it as a file, C1). */
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

/** ESO installs its own CRDs; only `external-secrets.io/v1` is served from 0.17 on (E1). */
export function externalSecretsValues(): Record<string, unknown> {
  return {
    installCRDs: true,
    webhook: { create: true },
    certController: { create: true },
    // Feeds the ESO alerts in gitops/monitoring once the Prometheus Operator is there; skipped until then.
    serviceMonitor: { enabled: true, renderMode: "skipIfMissing" },
  };
}

/** The Connect server only; credentials come from a pre-created Secret, never from values (K6). */
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

/** In-cluster URL of the Connect API (chart service `onepassword-connect`, port 8080). */
export const connectHost = `http://onepassword-connect.${connectNamespace}.svc.cluster.local:8080`;

export interface ClusterSecretStore {
  apiVersion: "external-secrets.io/v1";
  kind: "ClusterSecretStore";
  metadata: ObjectMeta;
  spec: { provider: Record<string, unknown> };
}

/** Vault name to priority, 1 first, in the order the config lists them. */
export function vaultPriorities(vaults: readonly string[]): Record<string, number> {
  return Object.fromEntries(vaults.map((vault, index) => [vault, index + 1]));
}

export function clusterSecretStore(onePassword: OnePasswordSettings): ClusterSecretStore {
  // A cluster-scoped store must name the token Secret's namespace, or ESO crash-loops (E3).
  const tokenRef = { ...onePasswordTokenSecret, namespace: externalSecretsNamespace };
  let provider: Record<string, unknown>;
  switch (onePassword.mode) {
    case "connect":
      provider = {
        onepassword: { connectHost, vaults: vaultPriorities(onePassword.vaults), auth: { secretRef: { connectTokenSecretRef: tokenRef } } },
      };
      break;
    case "sdk":
      // Caching keeps ESO inside 1Password's low service-account rate limits (E2).
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
    spec: { provider },
  };
}

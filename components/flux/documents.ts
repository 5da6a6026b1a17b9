/**
 * Pure builders for the Flux layer: flux-operator values, the FluxInstance and
 * the patch that makes its sync Kustomization decrypt SOPS with the age key.
 */
import type { Settings } from "../config";
import { type ObjectMeta, type PinnedChart, waitForReady } from "../lib/kubernetes";
import { versions } from "../lib/versions";
import { toYamlDocuments } from "../lib/yaml";

export const fluxNamespace = "flux-system";
/** The operator only reconciles a FluxInstance of this name in its own namespace (F1). */
export const fluxInstanceName = "flux";
export const sopsAgeSecretName = "sops-age";
/** kustomize-controller only loads Secret keys that end in `.agekey` (F4). */
export const sopsAgeSecretKey = "age.agekey";
export const gitCredentialsSecretName = "flux-git-credentials";

export const fluxOperatorChart: PinnedChart = {
  chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator",
  version: versions.fluxOperatorChart,
};

/** Values for the flux-operator chart (validated against its values.schema.json in tests). */
export function fluxOperatorValues(): Record<string, unknown> {
  return {
    installCRDs: true,
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "1Gi" } },
    // Stated here rather than inherited, so a chart upgrade cannot loosen it silently.
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}

/** The JSON6902 patch that gives the root Kustomization `spec.decryption` (F3). */
export function sopsDecryptionPatch(): { target: { group: string; kind: string }; patch: string } {
  return {
    target: { group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization" },
    patch: toYamlDocuments([
      [{ op: "add", path: "/spec/decryption", value: { provider: "sops", secretRef: { name: sopsAgeSecretName } } }],
    ]),
  };
}

export interface FluxInstance {
  apiVersion: "fluxcd.controlplane.io/v1";
  kind: "FluxInstance";
  metadata: ObjectMeta;
  spec: {
    distribution: { version: string; registry: string };
    components: string[];
    cluster: { type: "kubernetes"; networkPolicy: boolean; domain: string };
    sync: { kind: "GitRepository"; url: string; ref: string; path: string; pullSecret?: string };
    kustomize: { patches: ReturnType<typeof sopsDecryptionPatch>[] };
  };
}

export function fluxInstance(flux: Settings["flux"], withPullSecret: boolean): FluxInstance {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: { name: fluxInstanceName, namespace: fluxNamespace, annotations: waitForReady(900) },
    spec: {
      distribution: { version: `${versions.fluxMinor}.x`, registry: "ghcr.io/fluxcd" },
      components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
      cluster: { type: "kubernetes", networkPolicy: true, domain: "cluster.local" },
      sync: {
        kind: "GitRepository",
        url: flux.url,
        ref: `refs/heads/${flux.branch}`,
        path: flux.path,
        ...(withPullSecret ? { pullSecret: gitCredentialsSecretName } : {}),
      },
      kustomize: { patches: [sopsDecryptionPatch()] },
    },
  };
}

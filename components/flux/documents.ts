/**
 * Pure builders for the Flux layer: flux-operator values, the FluxInstance and
 * the patch that makes its sync Kustomization decrypt SOPS with the age key.
 */
import type { Settings } from "../config";
import { type ObjectMeta, type PinnedChart, waitForReady } from "../lib/kubernetes";
import { versions } from "../lib/versions";
import { toYamlDocuments } from "../lib/yaml";

export const fluxNamespace = "flux-system";
/** The operator only reconciles a FluxInstance of this name in its own namespace (controlplaneio-fluxcd/flux-operator#266, #267). */
export const fluxInstanceName = "flux";
export const sopsAgeSecretName = "sops-age";
/** kustomize-controller only loads Secret keys that end in `.agekey` (fluxcd/kustomize-controller internal/decryptor/decryptor.go, ImportKeys, DecryptionAgeExt, v1.9.4). */
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

/** The JSON6902 patch that gives the root Kustomization `spec.decryption` (controlplaneio-fluxcd/flux-operator#92). */
export function sopsDecryptionPatch(): { target: { group: string; kind: string }; patch: string } {
  return {
    target: { group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization" },
    patch: toYamlDocuments([
      [{ op: "add", path: "/spec/decryption", value: { provider: "sops", secretRef: { name: sopsAgeSecretName } } }],
    ]),
  };
}

/**
 * What the source Secret holds, by transport: `username`/`password` for HTTPS, `identity`/`known_hosts`
 * for SSH. Those are the keys source-controller reads (fluxcd/pkg git/options.go, NewAuthOptions); the
 * operator passes `sync.pullSecret` on as the GitRepository's `secretRef` (controlplaneio-fluxcd/flux-operator
 * internal/builder/templates.go, v0.58.1).
 */
export type GitCredentials<T> = { kind: "token"; token: T } | { kind: "ssh"; identity: T; knownHosts: string };

export function gitCredentialsData<T>(credentials: GitCredentials<T>): Record<string, T | string> {
  switch (credentials.kind) {
    case "token":
      return { username: "git", password: credentials.token };
    case "ssh":
      return { identity: credentials.identity, known_hosts: credentials.knownHosts };
    default: {
      const exhaustive: never = credentials;
      throw new Error(`unhandled Git credentials ${JSON.stringify(exhaustive)}`);
    }
  }
}

/**
 * How long Pulumi waits for the FluxInstance to report Ready. With `spec.wait: false` that is the operator
 * pulling the distribution, building it and applying it server-side; nothing in the user's repository.
 */
export const fluxInstanceTimeoutSeconds = 300;

export interface FluxInstance {
  apiVersion: "fluxcd.controlplane.io/v1";
  kind: "FluxInstance";
  metadata: ObjectMeta;
  spec: {
    distribution: { version: string; registry: string };
    components: string[];
    cluster: { type: "kubernetes"; networkPolicy: boolean; domain: string };
    wait: boolean;
    sync: { kind: "GitRepository"; url: string; ref: string; path: string; pullSecret?: string };
    kustomize: { patches: ReturnType<typeof sopsDecryptionPatch>[] };
  };
}

/**
 * Where the sync state can be read, since `pulumi up` no longer waits for it: the operator's FluxReport
 * carries it in `spec.sync` (`ready`, `status`, `source`, `path`; api/v1/fluxreport_types.go, v0.58.1),
 * and the root Kustomization is named after the FluxInstance namespace (internal/controller/
 * fluxinstance_controller.go: `syncName := obj.GetNamespace()`).
 */
export interface FluxSyncReport {
  url: string;
  ref: string;
  path: string;
  kustomization: string;
  check: string;
}

export function fluxSyncReport(flux: Settings["flux"]): FluxSyncReport {
  const sync = fluxInstance(flux, false).spec.sync;
  return {
    url: sync.url,
    ref: sync.ref,
    path: sync.path,
    kustomization: `${fluxNamespace}/${fluxNamespace}`,
    check: `kubectl -n ${fluxNamespace} get fluxreport ${fluxInstanceName} -o jsonpath='{.spec.sync}'`,
  };
}

export function fluxInstance(flux: Settings["flux"], withPullSecret: boolean): FluxInstance {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: { name: fluxInstanceName, namespace: fluxNamespace, annotations: waitForReady(fluxInstanceTimeoutSeconds) },
    spec: {
      distribution: { version: versions.flux, registry: "ghcr.io/fluxcd" },
      components: ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"],
      cluster: { type: "kubernetes", networkPolicy: true, domain: "cluster.local" },
      // `wait` defaults to true (api/v1/fluxinstance_types.go, GetWait), and then the operator health-checks
      // every object it applied, the sync GitRepository and Kustomization included, before it reports Ready
      // (internal/controller/fluxinstance_controller.go, apply: WaitForSetWithContext; flux-operator v0.58.1).
      // Ready would then mean "the user's repository synced", and an unpushed branch or one broken
      // kustomization would hold `pulumi up` (and ESO after it) for the whole timeout. Off, Ready means the
      // distribution was applied; the sync state is reported, not awaited (FluxReport `spec.sync`, docs/secrets.md).
      wait: false,
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

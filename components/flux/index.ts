/**
 * Layer 3: Flux. The operator, the `sops-age` Secret, and a FluxInstance that
 * syncs the user's repository and decrypts SOPS files with that key.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Settings } from "../config";
import { restrictedNamespace } from "../lib/kubernetes";
import {
  fluxInstance,
  fluxNamespace,
  fluxOperatorChart,
  fluxOperatorValues,
  type FluxSyncReport,
  fluxSyncReport,
  type GitCredentials,
  gitCredentialsData,
  gitCredentialsSecretName,
  sopsAgeSecretKey,
  sopsAgeSecretName,
} from "./documents";

export interface FluxArgs {
  flux: Settings["flux"];
  provider: k8s.Provider;
  sopsAgeKey: pulumi.Input<string>;
  /** Credentials for a private repository: an HTTPS token or an SSH deploy key with the host keys. */
  gitCredentials?: GitCredentials<pulumi.Input<string>>;
}

export class Flux extends pulumi.ComponentResource {
  public readonly instance: k8s.apiextensions.CustomResource;
  public readonly namespace: pulumi.Output<string>;
  /** What Flux syncs and where to read whether it did: `pulumi up` does not wait for the user's repository. */
  public readonly sync: pulumi.Output<FluxSyncReport>;
  /** Where the `sops-age` identity lives, for a later layer that backs it up. */
  public readonly sopsAgeSecret = { namespace: fluxNamespace, name: sopsAgeSecretName, key: sopsAgeSecretKey } as const;

  constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:flux:Flux", name, {}, opts);
    // Deleting the FluxInstance uninstalls Flux and its CRDs (controlplaneio-fluxcd/flux-operator#416, #477): a forced replace fails instead.
    const kept = { parent: this, provider: args.provider, retainOnDelete: true };

    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, restrictedNamespace(fluxNamespace), kept);
    const inNamespace = { parent: this, provider: args.provider, dependsOn: [namespace] };

    const sopsAge = new k8s.core.v1.Secret(
      `${name}-sops-age`,
      {
        metadata: { name: sopsAgeSecretName, namespace: fluxNamespace },
        type: "Opaque",
        stringData: { [sopsAgeSecretKey]: pulumi.secret(args.sopsAgeKey) },
      },
      inNamespace,
    );
    const gitCredentials =
      args.gitCredentials === undefined
        ? undefined
        : new k8s.core.v1.Secret(
            `${name}-git-credentials`,
            {
              metadata: { name: gitCredentialsSecretName, namespace: fluxNamespace },
              type: "Opaque",
              stringData: pulumi.secret(gitCredentialsData(args.gitCredentials)),
            },
            inNamespace,
          );

    const operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        name: "flux-operator",
        namespace: fluxNamespace,
        chart: fluxOperatorChart.chart,
        version: fluxOperatorChart.version,
        values: fluxOperatorValues(),
        createNamespace: false,
        skipAwait: false,
        timeout: 600,
      },
      { ...kept, dependsOn: [namespace] },
    );

    // The key must exist before the first sync, or kustomize-controller fails to decrypt (fluxcd/kustomize-controller#1465).
    this.instance = new k8s.apiextensions.CustomResource(`${name}-instance`, fluxInstance(args.flux, gitCredentials !== undefined), {
      ...kept,
      dependsOn: [operator, sopsAge, ...(gitCredentials ? [gitCredentials] : [])],
    });
    this.namespace = namespace.metadata.name;
    this.sync = pulumi.output(fluxSyncReport(args.flux));
    this.registerOutputs({ namespace: this.namespace, sync: this.sync });
  }
}

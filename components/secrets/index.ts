/**
 * Layer 4: External Secrets Operator, then (in Connect mode) the 1Password
 * Connect server, then the `onepassword` ClusterSecretStore that joins them.
 * Nothing here feeds an earlier layer: bootstrap secrets come from the stack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { OnePasswordCredentials, OnePasswordSettings } from "../config";
import { type PinnedChart, restrictedNamespace } from "../lib/kubernetes";
import {
  backupPushSecret,
  backupSecretStore,
  backupTokenSecret,
  clusterSecretStore,
  connectChart,
  connectCredentialsSecret,
  connectNamespace,
  connectNetworkPolicy,
  connectValues,
  externalSecretsChart,
  externalSecretsNamespace,
  externalSecretsValues,
  onePasswordTokenSecret,
  talosBackupSecret,
} from "./documents";

export interface ExternalSecretsArgs {
  onePassword: OnePasswordSettings;
  credentials: OnePasswordCredentials;
  provider: k8s.Provider;
  /**
   * The disaster-recovery backup into 1Password (Connect mode only). The only feature that writes, so the
   * only one that turns on ESO's PushSecret processing (off by default).
   */
  backup?: OnePasswordBackup;
}

export interface OnePasswordBackup {
  /** The vault the backup store holds, its only vault. */
  vault: string;
  /** Connect token with write access to that vault only. */
  token: pulumi.Output<string>;
  /** The `sops-age` Secret: the store, its token and the PushSecrets live in its namespace, the only one a PushSecret reads. */
  sopsAgeSecret: { readonly namespace: string; readonly name: string; readonly key: string };
  /** The age-encrypted Talos secrets bundle (ciphertext; the plaintext never enters the cluster). */
  talosSecretsBackup: pulumi.Output<string>;
}

export class ExternalSecrets extends pulumi.ComponentResource {
  public readonly operator: k8s.helm.v3.Release;
  public readonly connect: k8s.helm.v3.Release | undefined;
  public readonly store: k8s.apiextensions.CustomResource;

  constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:secrets:ExternalSecrets", name, {}, opts);
    const { provider } = args;

    const release = (
      id: string,
      chart: PinnedChart,
      namespace: k8s.core.v1.Namespace,
      values: Record<string, unknown>,
      dependsOn: pulumi.Resource[],
    ) =>
      new k8s.helm.v3.Release(
        `${name}-${id}`,
        {
          name: id,
          chart: chart.chart,
          version: chart.version,
          repositoryOpts: { repo: chart.repository },
          namespace: namespace.metadata.name,
          values,
          createNamespace: false,
          // Helm waits for the Deployments, so the ESO webhook serves before any store is sent (external-secrets/external-secrets#1221).
          skipAwait: false,
          timeout: 600,
        },
        { parent: this, provider, dependsOn: [namespace, ...dependsOn] },
      );
    const secret = (id: string, namespace: k8s.core.v1.Namespace, args: k8s.types.input.core.v1.Secret) =>
      new k8s.core.v1.Secret(`${name}-${id}`, args, { parent: this, provider, dependsOn: [namespace] });

    // Children do not inherit a component's dependsOn; the roots of this layer's graph take it, so the
    // whole layer waits for the previous one.
    const roots = { parent: this, provider, ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }) };
    const esoNamespace = new k8s.core.v1.Namespace(`${name}-namespace`, restrictedNamespace(externalSecretsNamespace), roots);
    this.operator = release(
      "external-secrets",
      externalSecretsChart,
      esoNamespace,
      externalSecretsValues({ pushSecrets: args.backup !== undefined }),
      [],
    );

    const credentials = args.credentials;
    const token = secret("token", esoNamespace, {
      metadata: { name: onePasswordTokenSecret.name, namespace: externalSecretsNamespace },
      type: "Opaque",
      stringData: {
        [onePasswordTokenSecret.key]: pulumi.secret(
          credentials.mode === "connect" ? credentials.connectToken : credentials.serviceAccountToken,
        ),
      },
    });

    const storeDependsOn: pulumi.Resource[] = [this.operator, token];
    if (credentials.mode === "connect") {
      const namespace = new k8s.core.v1.Namespace(`${name}-connect-namespace`, restrictedNamespace(connectNamespace), roots);
      // Before the server starts, so no pod can reach it while it is unguarded.
      const policy = new k8s.networking.v1.NetworkPolicy(`${name}-connect-policy`, connectNetworkPolicy(), {
        parent: this,
        provider,
        dependsOn: [namespace],
      });
      // `data` takes base64, so the file encoded once is stored as the raw JSON the server reads (1Password/connect-helm-charts#196).
      const credentialsFile = secret("connect-credentials", namespace, {
        metadata: { name: connectCredentialsSecret.name, namespace: connectNamespace },
        type: "Opaque",
        data: { [connectCredentialsSecret.key]: pulumi.secret(credentials.credentialsBase64) },
      });
      this.connect = release("connect", connectChart, namespace, connectValues(), [this.operator, credentialsFile, policy]);
      storeDependsOn.push(this.connect);
    }

    this.store = new k8s.apiextensions.CustomResource(`${name}-store`, clusterSecretStore(args.onePassword), {
      parent: this,
      provider,
      dependsOn: storeDependsOn,
    });
    if (args.backup !== undefined) this.backupToOnePassword(name, args.backup, provider);
    this.registerOutputs({});
  }

  /**
   * After the store: a namespaced store for the backup vault only, and one PushSecret per backed-up
   * Secret. Nothing in an earlier layer depends on these.
   */
  private backupToOnePassword(name: string, backup: OnePasswordBackup, provider: k8s.Provider): void {
    const { namespace } = backup.sopsAgeSecret;
    const after = { parent: this, provider, dependsOn: [this.store] };
    const token = new k8s.core.v1.Secret(
      `${name}-backup-token`,
      {
        metadata: { name: backupTokenSecret.name, namespace },
        type: "Opaque",
        stringData: { [backupTokenSecret.key]: pulumi.secret(backup.token) },
      },
      after,
    );
    const bundle = new k8s.core.v1.Secret(
      `${name}-talos-backup`,
      {
        metadata: { name: talosBackupSecret.name, namespace },
        type: "Opaque",
        stringData: { [talosBackupSecret.key]: backup.talosSecretsBackup },
      },
      after,
    );
    const store = new k8s.apiextensions.CustomResource(`${name}-backup-store`, backupSecretStore(namespace, backup.vault), {
      ...after,
      dependsOn: [this.store, token],
    });
    const pushes: [string, { readonly name: string; readonly key: string }, k8s.core.v1.Secret | undefined][] = [
      ["sops-age", backup.sopsAgeSecret, undefined],
      ["talos-secrets", talosBackupSecret, bundle],
    ];
    for (const [id, secret, dependency] of pushes) {
      new k8s.apiextensions.CustomResource(`${name}-backup-${id}`, backupPushSecret(`backup-${id}`, namespace, secret, `homelab-${id}`), {
        ...after,
        dependsOn: dependency === undefined ? [store] : [store, dependency],
      });
    }
  }
}

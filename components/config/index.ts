/**
 * The program's one entry for configuration: reads the `homelab` namespace,
 * validates it (every problem at once), runs the preflight checks that need
 * I/O, and hands out secrets only as Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";

import { resolveProjectPath } from "./paths";
import { placeholderProblems } from "./placeholders";
import { prepareRestore, recoveryIdentityVariable, type Restore, RestoreProblem } from "./restore";
import type { SecretKey, SecretValues } from "./schema";
import { ageRecipientOf, undecryptableSopsFiles } from "./sops";
import { ConfigError, namespace, type RawConfig, validateConfig, type ValidConfig } from "./validate";

export type { OnePasswordSettings, Settings } from "./schema";
export type { ClusterNode, ConfigProblem, Derived, RawConfig, ValidConfig } from "./validate";
export { ConfigError, namespace, stackFile, validateConfig } from "./validate";

export type SecretOutputs = {
  [K in SecretKey]: undefined extends SecretValues[K] ? pulumi.Output<string> | undefined : pulumi.Output<string>;
};

/** The 1Password secrets of the selected mode: exactly one of the two shapes. */
export type OnePasswordCredentials =
  | { mode: "connect"; credentialsBase64: pulumi.Output<string>; connectToken: pulumi.Output<string> }
  | { mode: "sdk"; serviceAccountToken: pulumi.Output<string> };

/** How Flux authenticates to a private repository, by URL scheme; undefined for a public one. */
export type FluxGitCredentials =
  { kind: "token"; token: pulumi.Output<string> } | { kind: "ssh"; identity: pulumi.Output<string>; knownHosts: string } | undefined;

export interface HomelabConfig {
  settings: ValidConfig["settings"];
  derived: ValidConfig["derived"];
  /** Every secret from the stack config, wrapped as a Pulumi secret the moment it is read. */
  secrets: SecretOutputs;
  onePasswordCredentials: OnePasswordCredentials;
  fluxGitCredentials: FluxGitCredentials;
  /** Public age recipient of the stack's SOPS identity (not secret: it goes into .sops.yaml). */
  ageRecipient: string;
  /** Set with `homelab:backup.restoreFrom`: the machine secrets to adopt instead of generating new ones. */
  restore?: Restore;
}

function wrapSecrets(values: SecretValues): SecretOutputs {
  const wrap = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));
  return {
    proxmoxApiToken: pulumi.secret(values.proxmoxApiToken),
    sopsAgeKey: pulumi.secret(values.sopsAgeKey),
    fluxGitToken: wrap(values.fluxGitToken),
    fluxSshKey: wrap(values.fluxSshKey),
    onePasswordCredentials: wrap(values.onePasswordCredentials),
    onePasswordConnectToken: wrap(values.onePasswordConnectToken),
    onePasswordBackupToken: wrap(values.onePasswordBackupToken),
    onePasswordServiceAccountToken: wrap(values.onePasswordServiceAccountToken),
  };
}

function onePasswordCredentials(config: ValidConfig): OnePasswordCredentials {
  const { secrets } = config;
  const mode = config.settings.onePassword.mode;
  // validateConfig has already required exactly the secrets of the selected mode.
  const need = (value: string | undefined) => {
    if (value === undefined) throw new Error(`validated config lacks a 1Password secret for mode ${mode}`);
    return pulumi.secret(value);
  };
  switch (mode) {
    case "connect":
      return { mode, credentialsBase64: need(secrets.onePasswordCredentials), connectToken: need(secrets.onePasswordConnectToken) };
    case "sdk":
      return { mode, serviceAccountToken: need(secrets.onePasswordServiceAccountToken) };
    default: {
      const exhaustive: never = mode;
      throw new Error(`unhandled 1Password mode ${String(exhaustive)}`);
    }
  }
}

function fluxGitCredentials(config: ValidConfig): FluxGitCredentials {
  const { fluxGitToken, fluxSshKey } = config.secrets;
  const { knownHosts } = config.settings.flux;
  // validateConfig has already paired the key with known_hosts and each with the matching URL scheme.
  if (fluxSshKey !== undefined && knownHosts !== undefined) return { kind: "ssh", identity: pulumi.secret(fluxSshKey), knownHosts };
  return fluxGitToken === undefined ? undefined : { kind: "token", token: pulumi.secret(fluxGitToken) };
}

async function preflight(config: ValidConfig, projectRoot: string): Promise<string> {
  let recipient: string;
  try {
    recipient = await ageRecipientOf(config.secrets.sopsAgeKey);
  } catch (error) {
    throw new ConfigError([
      { key: `${namespace}:sopsAgeKey`, message: `is not a usable age identity (${String(error)}); generate one with \`age-keygen\`` },
    ]);
  }
  const checkout = config.settings.flux.localCheckout;
  if (checkout !== undefined) {
    const dir = resolveProjectPath(checkout, projectRoot);
    let problems: string[];
    try {
      problems = await undecryptableSopsFiles(dir, config.secrets.sopsAgeKey);
    } catch (error) {
      problems = [`cannot read ${dir}: ${String(error)}; point it at a local checkout of the GitOps repository`];
    }
    if (problems.length > 0) {
      throw new ConfigError(problems.map((message) => ({ key: `${namespace}:flux.localCheckout`, message })));
    }
  }
  return recipient;
}

/**
 * Whether the engine holds a key encrypted. The SDK exports this at run time
 * but marks it internal, so its types omit it.
 */
function isStoredSecret(key: string): boolean {
  const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };
  if (runtime.isConfigSecret === undefined) throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret");
  return runtime.isConfigSecret(key);
}

/** Reads and checks the stack config; throws a ConfigError before any resource exists. */
export async function loadConfig(raw: RawConfig = pulumi.runtime.allConfig()): Promise<HomelabConfig> {
  try {
    return await load(raw);
  } catch (error) {
    throw error instanceof ConfigError ? error.inFile(`Pulumi.${pulumi.getStack()}.yaml`) : error;
  }
}

async function load(raw: RawConfig): Promise<HomelabConfig> {
  const config = validateConfig(raw, isStoredSecret);
  const { proxmox, cluster, flux } = config.settings;
  for (const { key, message } of placeholderProblems({
    proxmoxEndpoint: proxmox.endpoint,
    clusterEndpoint: cluster.endpoint,
    fluxUrl: flux.url,
  })) {
    void pulumi.log.warn(`${key}: ${message}`);
  }
  const ageRecipient = await preflight(config, pulumi.runtime.getRootDirectory());
  if (config.settings.backup === undefined) {
    void pulumi.log.warn(
      `${namespace}:backup is not set, so the Talos machine secrets exist only in the Pulumi state and a lost state means a cluster that cannot be restored; set backup.recipients (docs/disaster-recovery.md)`,
    );
  }
  const restoreFrom = config.settings.backup?.restoreFrom;
  let restore: Restore | undefined;
  if (restoreFrom !== undefined) {
    try {
      restore = await prepareRestore(
        restoreFrom,
        pulumi.runtime.getRootDirectory(),
        process.env[recoveryIdentityVariable],
        config.settings.backup?.clusterIdentity,
      );
    } catch (error) {
      const key = error instanceof RestoreProblem ? error.key : "restoreFrom";
      throw new ConfigError([{ key: `${namespace}:backup.${key}`, message: error instanceof Error ? error.message : String(error) }]);
    }
  }
  return {
    settings: config.settings,
    derived: config.derived,
    secrets: wrapSecrets(config.secrets),
    onePasswordCredentials: onePasswordCredentials(config),
    fluxGitCredentials: fluxGitCredentials(config),
    ageRecipient,
    ...(restore ? { restore } : {}),
  };
}

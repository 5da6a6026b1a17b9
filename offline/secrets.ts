/** Every secret value a recorded run handled, for leak checks and redaction. */
import { type MachineSecrets, secretsBundle } from "../components/lib/talos-bundle";
import type { ProgramRun } from "./harness";

const talosSecretsType = "talos:machine/secrets:Secrets";
const kubeconfigType = "talos:cluster/kubeconfig:Kubeconfig";

/**
 * The machine-secrets fields the provider marks Sensitive (siderolabs/terraform-provider-talos
 * pkg/talos/talos_machine_secrets_resource.go, v0.11.0): keys, the cluster secret and the tokens.
 * Certificates and the cluster id are public (the CA certificate is also the talosconfig's `ca`).
 */
const sensitiveFields = new Set(["key", "secret", "bootstrapToken", "secretboxEncryptionSecret", "aescbcEncryptionSecret", "token"]);

function sensitiveLeaves(value: unknown, field = ""): string[] {
  if (typeof value === "string") return sensitiveFields.has(field) ? [value] : [];
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => sensitiveLeaves(v, k));
  return [];
}

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(leaves);
  return [];
}

/**
 * The stack's secrets (and the decoded 1Password credentials file), the
 * provider-generated machine secrets (and their secrets bundle) and client key, the kubeconfig and the
 * talosconfig; strings shorter than 12 characters are left out as too common.
 */
export function knownSecrets(run: ProgramRun, stackSecrets: Record<string, string | undefined>): string[] {
  const talosSecrets = run.ofType(talosSecretsType);
  const credentials = stackSecrets["onePasswordCredentials"];
  return [
    ...Object.values(stackSecrets).filter((v): v is string => v !== undefined),
    ...(credentials ? [Buffer.from(credentials, "base64").toString("utf8")] : []),
    ...talosSecrets.flatMap((s) => sensitiveLeaves(s.state["machineSecrets"])),
    // The plaintext secrets bundle the backup encrypts.
    ...talosSecrets.flatMap((s) => (s.state["machineSecrets"] ? [secretsBundle(s.state["machineSecrets"] as MachineSecrets)] : [])),
    ...talosSecrets.flatMap((s) => leaves((s.state["clientConfiguration"] as { clientKey?: string } | undefined)?.clientKey)),
    ...run.ofType(kubeconfigType).map((k) => String(k.state["kubeconfigRaw"])),
    ...(run.outputs["talosconfig"]?.known ? [String(run.outputs["talosconfig"].value)] : []),
  ].filter((s) => s.length >= 12);
}

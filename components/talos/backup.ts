/** The encrypted backup of the machine secrets: a secrets bundle, age-encrypted to offline recipients. */
import { deterministicAgeEncrypt } from "../lib/age";
import { type MachineSecrets, secretsBundle } from "../lib/talos-bundle";

/**
 * Armored age ciphertext of the `talosctl gen secrets` bundle. The same
 * secrets and recipients always give the same text, so the stack output it
 * feeds changes only when one of them does (components/lib/age.ts says how).
 */
export function encryptedSecretsBackup(secrets: MachineSecrets, recipients: readonly string[]): string {
  return deterministicAgeEncrypt(secretsBundle(secrets), recipients);
}

/**
 * The secrets bundle format against upstream's own file: siderolabs/talos
 * pkg/machinery/config/generate/secrets/testdata/secrets.yaml (v1.13.9), the
 * file `talosctl gen secrets` writes and the Talos provider imports.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { machineSecretsFromBundle, secretsBundle } from "../../components/lib/talos-bundle";

const upstream = readFileSync(join(__dirname, "..", "fixtures", "upstream", "talos", "secrets.yaml"), "utf8");

describe("Talos secrets bundle", () => {
  it("reads upstream's bundle into the provider's machineSecrets fields", () => {
    const secrets = machineSecretsFromBundle(upstream);
    expect(secrets.cluster.id).toBe("cgvhCbucls-WqkESDTRqykFgb4hROI4cBpgB0YJLLtM=");
    expect(secrets.secrets.bootstrapToken).toBe("2psnp2.lry8e9gycdix3bpa");
    expect(secrets.trustdinfo.token).toBe("oamejv.9tk1nhuwnlc2nghf");
    // Certificates stay base64 of PEM, as the provider stores them (bytesToBase64 in pkg/talos/util.go).
    expect(Buffer.from(secrets.certs.os.cert, "base64").toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(secrets.certs.k8sServiceaccount.key, "base64").toString()).toMatch(/^-----BEGIN EC PRIVATE/);
    expect(secrets.secrets).not.toHaveProperty("aescbcEncryptionSecret");
  });

  it("writes the bundle byte for byte as talosctl does", () => {
    expect(secretsBundle(machineSecretsFromBundle(upstream))).toBe(upstream);
  });

  it("keeps the pre-1.3 AES-CBC secret when a bundle has one", () => {
    const legacy = upstream.replace("secrets:\n", "secrets:\n    aescbcencryptionsecret: legacy-key\n");
    const secrets = machineSecretsFromBundle(legacy);
    expect(secrets.secrets.aescbcEncryptionSecret).toBe("legacy-key");
    expect(secretsBundle(secrets)).toBe(
      upstream.replace("    secretboxencryptionsecret", "    aescbcencryptionsecret: legacy-key\n    secretboxencryptionsecret"),
    );
  });

  it("names the missing field of a truncated bundle", () => {
    expect(() => machineSecretsFromBundle(upstream.replace(/ {4}k8sserviceaccount:\n.*\n/, ""))).toThrow(
      "the secrets bundle lacks certs.k8sserviceaccount.key",
    );
    expect(() => machineSecretsFromBundle("just text")).toThrow("not a YAML mapping");
  });
});

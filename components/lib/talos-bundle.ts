/**
 * The Talos secrets bundle: the file `talosctl gen secrets` writes and
 * `talosctl gen config --with-secrets` and the Talos provider's import read.
 *
 * Layout: `secrets.Bundle` in siderolabs/talos
 * pkg/machinery/config/generate/secrets/secrets.go (v1.13.9), marshalled by
 * go.yaml.in/yaml/v4, which lower-cases field names (`trustdinfo`,
 * `k8sserviceaccount`, `secretboxencryptionsecret`) and indents by four; each
 * certificate is `{crt, key}`, base64 of PEM. The provider's `machineSecrets`
 * holds the same values (`cert`/`key`, base64 of PEM): `secretsBundleTomachineSecrets`
 * and `machineSecretsToSecretsBundle` in siderolabs/terraform-provider-talos
 * pkg/talos/util.go (v0.11.0) map one onto the other field by field.
 */
import { createHash } from "node:crypto";

import type * as talos from "@pulumiverse/talos";
import { parse, stringify } from "yaml";

export type MachineSecrets = talos.types.output.machine.MachineSecrets;

interface PemPair {
  crt: string;
  key: string;
}

/** The bundle as Go marshals it: field order of the structs, omitempty honoured. */
interface Bundle {
  cluster: { id: string; secret: string };
  secrets: { bootstraptoken: string; aescbcencryptionsecret?: string; secretboxencryptionsecret?: string };
  trustdinfo: { token: string };
  certs: { etcd: PemPair; k8s: PemPair; k8saggregator: PemPair; k8sserviceaccount: { key: string }; os: PemPair };
}

const pair = (p: { cert: string; key: string }): PemPair => ({ crt: p.cert, key: p.key });

/** The machine secrets as a secrets bundle file (YAML). */
export function secretsBundle(s: MachineSecrets): string {
  const bundle: Bundle = {
    cluster: { id: s.cluster.id, secret: s.cluster.secret },
    secrets: {
      bootstraptoken: s.secrets.bootstrapToken,
      ...(s.secrets.aescbcEncryptionSecret ? { aescbcencryptionsecret: s.secrets.aescbcEncryptionSecret } : {}),
      ...(s.secrets.secretboxEncryptionSecret ? { secretboxencryptionsecret: s.secrets.secretboxEncryptionSecret } : {}),
    },
    trustdinfo: { token: s.trustdinfo.token },
    certs: {
      etcd: pair(s.certs.etcd),
      k8s: pair(s.certs.k8s),
      k8saggregator: pair(s.certs.k8sAggregator),
      k8sserviceaccount: { key: s.certs.k8sServiceaccount.key },
      os: pair(s.certs.os),
    },
  };
  return stringify(bundle, { indent: 4, lineWidth: 0 });
}

function field(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`the secrets bundle lacks ${path}`);
  return value;
}

/** Parses a secrets bundle file into machine secrets; throws naming the first missing field. */
export function machineSecretsFromBundle(text: string): MachineSecrets {
  const raw = parse(text) as unknown;
  if (typeof raw !== "object" || raw === null) throw new Error("the secrets bundle is not a YAML mapping");
  const at = (path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], raw);
  const get = (path: string) => field(at(path), path);
  const certPair = (name: string) => ({ cert: get(`certs.${name}.crt`), key: get(`certs.${name}.key`) });
  const aescbc = at("secrets.aescbcencryptionsecret");
  return {
    cluster: { id: get("cluster.id"), secret: get("cluster.secret") },
    secrets: {
      bootstrapToken: get("secrets.bootstraptoken"),
      secretboxEncryptionSecret: get("secrets.secretboxencryptionsecret"),
      ...(typeof aescbc === "string" && aescbc !== "" ? { aescbcEncryptionSecret: aescbc } : {}),
    },
    trustdinfo: { token: get("trustdinfo.token") },
    certs: {
      etcd: certPair("etcd"),
      k8s: certPair("k8s"),
      k8sAggregator: certPair("k8saggregator"),
      k8sServiceaccount: { key: get("certs.k8sserviceaccount.key") },
      os: certPair("os"),
    },
  };
}

/**
 * What identifies a cluster's machine secrets: the SHA-256 of their canonical
 * secrets bundle (`secretsBundle`), so every secret in it counts: the Talos,
 * Kubernetes, aggregator and etcd CAs with their keys, the service-account
 * key, the secretbox key, the cluster id and secret, the tokens. Another bundle
 * cannot have it. It reveals nothing usable: each of those values is random
 * and at least 128 bits, so the digest only confirms a bundle one already has.
 */
export function secretsIdentity(s: MachineSecrets): string {
  return `sha256:${createHash("sha256").update(secretsBundle(s)).digest("hex")}`;
}

/**
 * Every document the program generates, as files: Talos patches per node,
 * Helm values per release, custom resources and Kubernetes objects. Secrets
 * are redacted: Secret data wholesale, and any known secret value anywhere.
 */
import { parseAllDocuments, stringify } from "yaml";

import type { ProgramRun, Registration } from "../../offline/harness";
import { buildMachineConfig } from "../../tools/talos-machinery";

export const redacted = "<redacted>";

const machineConfigurationInvoke = "talos:machine/getConfiguration:getConfiguration";

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return secrets.reduce((text, secret) => text.split(secret).join(redacted), value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  }
  return value;
}

function kubernetesObject(r: Registration): Record<string, unknown> {
  const [, group = "", kind = ""] = /^kubernetes:(.+):(\w+)$/.exec(r.type) ?? [];
  const apiVersion = group.replace(/^core\//, "");
  const { apiVersion: _a, kind: _k, ...rest } = r.inputs;
  const object: Record<string, unknown> = { apiVersion, kind, ...rest };
  for (const field of ["data", "stringData"]) {
    const data = object[field] as Record<string, unknown> | undefined;
    if (data) object[field] = Object.fromEntries(Object.keys(data).map((k) => [k, redacted]));
  }
  return object;
}

function nodeNameOf(patches: string[]): string {
  for (const patch of patches) {
    for (const doc of parseAllDocuments(patch)) {
      const value = doc.toJS() as { kind?: string; hostname?: string } | null;
      if (value?.kind === "HostnameConfig" && value.hostname) return value.hostname;
    }
  }
  return "unnamed";
}

/** Relative path to file content, for everything the run generated. */
export function generatedDocuments(run: ProgramRun, secrets: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const safe = (value: unknown) => redactValue(value, secrets);

  for (const call of run.invokes.filter((i) => i.token === machineConfigurationInvoke)) {
    const patches = (call.args["configPatches"] as string[] | undefined) ?? [];
    const node = nodeNameOf(patches);
    patches.forEach((patch, index) => {
      const name = /^# (\S+)/.exec(patch)?.[1] ?? `patch-${index + 1}`;
      files.set(`talos/${node}/${name}.yaml`, String(safe(patch)));
    });
  }

  for (const release of run.ofType("kubernetes:helm.sh/v3:Release")) {
    const { chart, version, repositoryOpts, namespace, values } = release.inputs;
    const header = `# chart ${String(chart)} ${String(version)}${repositoryOpts ? ` from ${String((repositoryOpts as { repo?: string }).repo)}` : ""}, namespace ${String(namespace)}\n`;
    files.set(`helm/${String(release.inputs["name"])}.values.yaml`, header + stringify(safe(values ?? {})));
  }

  for (const r of run.registrations.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:helm.sh/v3:Release")) {
    const object = kubernetesObject(r);
    const metadata = object["metadata"] as { name?: string; namespace?: string };
    const file = [String(object["kind"]).toLowerCase(), metadata.namespace, metadata.name].filter(Boolean).join("-");
    files.set(`manifests/${file}.yaml`, stringify(safe(object)));
  }
  return files;
}

/** Fields of a Talos machine configuration that hold key material or tokens (v1alpha1 machine/cluster ca.key, token, secret, …). */
const talosSecretFields = new Set(["key", "token", "secret", "privateKey", "secretboxEncryptionSecret", "aescbcEncryptionSecret"]);

function redactTalosSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactTalosSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, talosSecretFields.has(k) && v !== "" ? redacted : redactTalosSecrets(v)]),
    );
  }
  return value;
}

export interface FinalConfigs {
  /** `talos/<node>/machine-config.yaml` → the configuration, every key and token redacted. */
  files: Map<string, string>;
  /** `<node>: <machinery's message>` for each configuration machinery refuses. */
  refused: string[];
}

/**
 * Each node's final machine configuration as Talos machinery builds and validates it
 * (tools/talos-config: the provider's generator, the program's patches, the node's validation),
 * or undefined when the tool is not built (a machine without Go; `npm run tools` builds it). The
 * run's machine secrets are the mock's stand-ins (machinery takes them as they are); every key and
 * token in the result is redacted, with any known secret value.
 */
export function finalMachineConfigs(run: ProgramRun, secrets: readonly string[], tool: string | undefined): FinalConfigs | undefined {
  if (tool === undefined) return undefined;
  const files = new Map<string, string>();
  const refused: string[] = [];
  for (const call of run.invokes.filter((i) => i.token === machineConfigurationInvoke)) {
    const node = nodeNameOf((call.args["configPatches"] as string[] | undefined) ?? []);
    const { config, error } = buildMachineConfig(tool, call.args);
    if (config === undefined) {
      refused.push(`${node}: ${(error ?? "no output").split("\n").join(" ")}`);
      continue;
    }
    const documents = parseAllDocuments(config).map((d) => stringify(redactValue(redactTalosSecrets(d.toJS()), secrets)));
    files.set(`talos/${node}/machine-config.yaml`, documents.join("---\n"));
  }
  return { files, refused };
}

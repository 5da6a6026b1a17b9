/**
 * Every node's machine configuration built and validated by Talos's own code: tools/talos-config
 * (siderolabs/talos pkg/machinery at the version the pinned provider vendors) takes the inputs
 * the program passes to talos:machine/getConfiguration, as the offline recorder saw them,
 * generates the configuration as the provider's talos_machine_configuration data source does,
 * applies the program's patches with machinery's config patcher, and validates the result as a
 * node does when it is applied (metal mode, strict). Run for the single-node stack file and every config
 * of the Talos corpus, on every node and every Talos minor the program supports.
 *
 * The mock's machine secrets are stand-ins (random bytes for most certificates), so the cluster
 * gets one secrets bundle made by machinery itself, as the provider's talos_machine_secrets
 * resource makes it (secrets.NewBundle; siderolabs/terraform-provider-talos
 * pkg/talos/talos_machine_secrets_resource.go, v0.11.0), shared by every node as in the program
 * (made once: machinery's RSA service-account key takes seconds).
 */

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { supportedTalosMinors, talosDefaultKubernetes } from "../../components/lib/talos-support";
import { versions } from "../../components/lib/versions";
import { connectSecrets, generateSecrets, stackConfig } from "../../offline/fixtures";
import { runProgram } from "../../offline/harness";
import { readStackConfig } from "../../scripts/plan/stack-config";
import { toolPath } from "../../tools/registry";
import { buildMachineConfig, generateMachineSecrets, type MachineSecrets } from "../../tools/talos-machinery";
import { invokes } from "../support/program";
import { writeStackFile } from "../support/stack-file";
import { corpusConfigs } from "../support/talos-corpus";

type Doc = Record<string, unknown>;
type Config = { config: Record<string, string>; secretKeys: string[] };

const configs: Record<string, () => Promise<Config>> = {
  "the single-node stack file": () => readStackConfig(writeStackFile({ encryptedSecrets: false }), { fillMissingSecrets: true }),
  ...Object.fromEntries(
    Object.entries(corpusConfigs).map(([name, settings]) => [
      name,
      async () => stackConfig(settings(), connectSecrets(await generateSecrets())),
    ]),
  ),
};

/** The stack config with the cluster on a Talos minor's release and its default Kubernetes. */
function onMinor({ config, secretKeys }: Config, minor: string): Config {
  const release = talosDefaultKubernetes[minor];
  if (release === undefined) throw new Error(`no release of Talos ${minor} in talos-support.ts`);
  const cluster = JSON.parse(config["homelab:cluster"] ?? "{}") as Doc;
  const onRelease = { ...cluster, talosVersion: release.tag, kubernetesVersion: release.kubernetes };
  return { config: { ...config, "homelab:cluster": JSON.stringify(onRelease) }, secretKeys };
}

interface Built {
  patches: Doc[];
  /** Machinery's message when it refused the configuration; empty when it accepted it. */
  error: string;
  documents: Doc[];
}

function buildWithMachinery(args: Record<string, unknown>, machineSecrets: MachineSecrets): Omit<Built, "patches"> {
  const { config, error } = buildMachineConfig(toolPath("talos-config"), { ...args, machineSecrets });
  return { error: error ?? "", documents: parseAllDocuments(config ?? "").map((d) => d.toJS() as Doc) };
}

const kindOf = (doc: Doc) => (typeof doc["kind"] === "string" ? doc["kind"] : "v1alpha1");
const named = (docs: Doc[], kind: string, name?: string) =>
  docs.filter((d) => kindOf(d) === kind && (name === undefined || d["name"] === name));

/** `whole` has every key and value of `part` (lists: every element of `part` is in `whole`'s list). */
function contains(whole: unknown, part: unknown): boolean {
  if (Array.isArray(part)) return Array.isArray(whole) && part.every((p) => whole.some((w) => contains(w, p)));
  if (typeof part === "object" && part !== null) {
    return typeof whole === "object" && whole !== null && Object.entries(part).every(([k, v]) => contains((whole as Doc)[k], v));
  }
  return whole === part;
}

const secrets = generateMachineSecrets(toolPath("talos-config"), versions.talos);

describe.each(Object.keys(configs))("%s", (configName) => {
  describe.each(supportedTalosMinors)("on Talos %s", async (minor) => {
    const base = await (configs[configName] ?? (() => Promise.reject(new Error(configName))))();
    const run = await runProgram(onMinor(base, minor));
    const calls = run.invokes.filter((invoke) => invoke.token === invokes.machineConfiguration);
    const built: Built[] = calls.map((invoke) => {
      const patches = ((invoke.args["configPatches"] ?? []) as string[]).flatMap((patch) =>
        parseAllDocuments(patch).map((d) => d.toJS() as Doc),
      );
      return { patches, ...buildWithMachinery(invoke.args, secrets) };
    });

    it("builds a configuration for every node", () => {
      expect(built.length).toBeGreaterThan(0);
    });

    it.each(built.map((b, index) => [index + 1, b] as const))("node %i: machinery generates and validates it (metal, strict)", (_n, b) => {
      expect(b.error).toBe("");
      expect(b.documents.length).toBeGreaterThan(1);
    });

    it.each(built.map((b, index) => [index + 1, b] as const))(
      "node %i: the final configuration carries every patch the program sent",
      (_n, b) => {
        const machine = named(b.documents, "v1alpha1")[0];
        for (const patch of b.patches) {
          const target = kindOf(patch) === "v1alpha1" ? machine : named(b.documents, kindOf(patch), patch["name"] as string | undefined)[0];
          expect({ patch, carried: contains(target, patch) }).toEqual({ patch, carried: true });
        }
      },
    );

    it.each(built.map((b, index) => [index + 1, b] as const))("node %i: what the program promises, in the final configuration", (_n, b) => {
      const machine = named(b.documents, "v1alpha1")[0] as { machine: Doc; cluster: Doc } | undefined;
      // STATE and EPHEMERAL: LUKS2, every key sealed to the TPM.
      for (const volume of ["STATE", "EPHEMERAL"]) {
        const [config] = named(b.documents, "VolumeConfig", volume) as { encryption?: { provider?: string; keys?: Doc[] } }[];
        expect(config?.encryption?.provider).toBe("luks2");
        expect(config?.encryption?.keys?.length).toBeGreaterThan(0);
        for (const key of config?.encryption?.keys ?? []) expect(key).toHaveProperty("tpm");
      }
      // Secrets at rest (the API server of each control plane): secretbox, the key the program set, not the generated bundle's.
      if (machine?.machine["type"] === "controlplane") {
        const secretbox = b.patches.map((p) => (p["cluster"] as Doc | undefined)?.["secretboxEncryptionSecret"]).find(Boolean);
        expect(secretbox).toBeTruthy();
        expect(machine.cluster["secretboxEncryptionSecret"]).toBe(secretbox);
      }
      // The host firewall: ingress blocked by default, the Talos API (apid) open to the node subnet.
      expect(named(b.documents, "NetworkDefaultActionConfig")[0]).toMatchObject({ ingress: "block" });
      expect(named(b.documents, "NetworkRuleConfig", "apid-ingress")[0]).toMatchObject({
        portSelector: { ports: [50000], protocol: "tcp" },
      });
      // Talos API access from Kubernetes (a control-plane feature), for the etcd backup only.
      if (machine?.machine["type"] === "controlplane") {
        const access = ((machine.machine["features"] as Doc | undefined)?.["kubernetesTalosAPIAccess"] ?? {}) as Doc;
        expect(access).toMatchObject({ enabled: true, allowedRoles: ["os:etcd:backup"] });
      }
      // The node labels the program sets.
      const labels = Object.assign({}, ...b.patches.map((p) => (p["machine"] as Doc | undefined)?.["nodeLabels"] ?? {})) as Doc;
      expect(machine?.machine["nodeLabels"] ?? {}).toMatchObject(labels);
    });
  });
});

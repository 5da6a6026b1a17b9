/**
 * Every Talos config document the program emits, over example configs that
 * between them switch on each setting that changes which documents exist
 * (one control plane or several behind a VIP, workers, static or DHCP
 * addressing). A new setting that adds a document belongs here too, so the
 * supported Talos range (test/talos/schema-support.test.ts) follows it.
 */
import { parseAllDocuments } from "yaml";

import { nodePatches, renderPatch } from "../../components/talos/patches";
import { multiNodeSettings, type Settings, singleNodeSettings } from "../../offline/fixtures";
import { validFixture } from "./config";

export interface EmittedDocument {
  /** `<config>/<node>/<patch>`, to say where a rejected document came from. */
  where: string;
  document: Record<string, unknown>;
}

const withNetwork = (base: Settings, patch: Record<string, unknown>): Settings => {
  const cluster = base["cluster"] as { network: object };
  return { ...base, cluster: { ...cluster, network: { ...cluster.network, ...patch } } };
};

export const corpusConfigs: Record<string, () => Settings> = {
  "single-static": singleNodeSettings,
  "ha-static-with-workers": () => multiNodeSettings(5),
  "ha-dhcp-with-workers": () => withNetwork(multiNodeSettings(5), { mode: "dhcp" }),
};

export async function emittedTalosDocuments(): Promise<EmittedDocument[]> {
  const documents: EmittedDocument[] = [];
  for (const [configName, settings] of Object.entries(corpusConfigs)) {
    const config = await validFixture(settings());
    for (const node of config.settings.nodes) {
      const patches = nodePatches({
        node,
        settings: config.settings,
        derived: config.derived,
        installerImage: `factory.talos.dev/metal-installer-secureboot/${"0".repeat(64)}:${config.settings.cluster.talosVersion}`,
        installDisk: "/dev/sda",
        secretboxEncryptionSecret: Buffer.alloc(32, 7).toString("base64"),
      });
      for (const patch of patches) {
        // Serialised and parsed back, as Talos receives it.
        for (const parsed of parseAllDocuments(renderPatch(patch))) {
          documents.push({ where: `${configName}/${node.name}/${patch.name}`, document: parsed.toJS() as Record<string, unknown> });
        }
      }
    }
  }
  return documents;
}

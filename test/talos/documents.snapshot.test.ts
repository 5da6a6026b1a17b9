/**
 * Whole documents, as a reviewer reads them: every Talos patch of the example
 * nodes and every Kubernetes document of the later layers, snapshotted with
 * stable key order. A change to any of them shows up as a diff of these files.
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { fluxInstance, fluxOperatorValues } from "../../components/flux/documents";
import { clusterSecretStore, connectValues, externalSecretsValues } from "../../components/secrets/documents";
import { nodePatches, renderPatch } from "../../components/talos/patches";
import { multiNodeSettings } from "../../offline/fixtures";
import { validFixture } from "../support/config";

const installerImage = "factory.talos.dev/metal-installer-secureboot/<schematic-id>:v1.13.9";
const secretboxEncryptionSecret = "<secretbox key from the machine secrets>";

describe("document snapshots", async () => {
  const config = await validFixture(multiNodeSettings(4));

  it.each(["talos-cp-1", "talos-worker-1"])("Talos patches of %s", async (name) => {
    const node = config.settings.nodes.find((n) => n.name === name);
    expect(node).toBeDefined();
    const patches = nodePatches({
      node: node!,
      settings: config.settings,
      derived: config.derived,
      installerImage,
      installDisk: "/dev/sda",
      secretboxEncryptionSecret,
    });
    await expect(patches.map(renderPatch).join("---\n")).toMatchFileSnapshot(`__snapshots__/${name}.patches.yaml`);
  });

  it("Flux, External Secrets and 1Password documents", async () => {
    const documents = [
      { "# flux-operator values": fluxOperatorValues() },
      fluxInstance(config.settings.flux, false),
      { "# external-secrets values": externalSecretsValues() },
      { "# connect values": connectValues() },
      clusterSecretStore(config.settings.onePassword),
      clusterSecretStore({ mode: "sdk", vault: "homelab", allowedNamespaces: config.settings.onePassword.allowedNamespaces }),
    ];
    await expect(documents.map((d) => stringify(d, { sortMapEntries: true })).join("---\n")).toMatchFileSnapshot(
      "__snapshots__/kubernetes-layers.yaml",
    );
  });
});

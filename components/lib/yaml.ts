import { stringify } from "yaml";

/** One YAML document per object, joined as a multi-document stream (Talos patches, manifests). */
export function toYamlDocuments(documents: readonly object[]): string {
  return documents.map((doc) => stringify(doc, { lineWidth: 0 })).join("---\n");
}

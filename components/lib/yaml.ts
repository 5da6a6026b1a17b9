import { stringify } from "yaml";

/**
 * One YAML document per object, joined as a multi-document stream (Talos
 * patches, manifests). Written so YAML 1.1 readers agree with YAML 1.2 ones:
 * strings such as `off`, `yes` or `0755` are quoted, never read as booleans or
 * numbers by a Go or Python parser.
 */
export function toYamlDocuments(documents: readonly object[]): string {
  return documents.map((doc) => stringify(doc, { lineWidth: 0, version: "1.1" })).join("---\n");
}

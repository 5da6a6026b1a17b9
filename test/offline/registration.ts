/** A recorded registration with defaults, for tests of what consumes recordings. */
import type { Registration } from "../../offline/harness";

export function registration(fields: Partial<Registration> & { urn: string }): Registration {
  return {
    seq: 0,
    doneSeq: 0,
    type: "test:index:Thing",
    name: fields.urn.split("::").pop() ?? fields.urn,
    parent: "",
    custom: true,
    dependencies: [],
    propertyDependencies: {},
    provider: "",
    inputs: {},
    rawInputs: {},
    secretPaths: [],
    protect: false,
    retainOnDelete: false,
    ignoreChanges: [],
    replaceWith: [],
    importId: "",
    additionalSecretOutputs: [],
    engineOptions: [],
    state: {},
    ...fields,
  };
}

/** The secrets of exactly one 1Password mode, distinct vaults, a readable credentials file. */
import type { ConfigProblem, Rule } from "../parsed";
import { base64Pattern, type SecretKey } from "../schema";

export const onePasswordModeSecrets: Rule = ({ onePassword, present, key }) => {
  const mode = onePassword?.valid.mode;
  if (mode === undefined) return [];
  const problems: ConfigProblem[] = [];
  const required = (secret: SecretKey) => {
    if (!present(secret)) {
      problems.push({
        key: key(secret),
        message: `is required with onePassword.mode "${mode}"; set it with \`pulumi config set --secret ${key(secret)} …\``,
      });
    }
  };
  const forbidden = (secret: SecretKey, other: string) => {
    if (present(secret)) {
      problems.push({
        key: key(secret),
        message: `belongs to onePassword.mode "${other}" but the mode is "${mode}"; the two modes are exclusive, so remove it with \`pulumi config rm ${key(secret)}\``,
      });
    }
  };
  switch (mode) {
    case "connect":
      required("onePasswordCredentials");
      required("onePasswordConnectToken");
      forbidden("onePasswordServiceAccountToken", "sdk");
      break;
    case "sdk":
      required("onePasswordServiceAccountToken");
      forbidden("onePasswordCredentials", "connect");
      forbidden("onePasswordConnectToken", "connect");
      break;
    default: {
      const exhaustive: never = mode;
      throw new Error(`unhandled 1Password mode ${JSON.stringify(exhaustive)}`);
    }
  }
  return problems;
};

export const distinctVaults: Rule = ({ onePassword, key }) => {
  const op = onePassword?.valid;
  if (op?.mode !== "connect" || op.vaults === undefined) return [];
  const { vaults } = op;
  const repeated = new Set(vaults.filter((vault, index) => vaults.indexOf(vault) !== index));
  return [...repeated].map((vault) => ({
    key: key("onePassword", ["vaults"]),
    message: `vault ${JSON.stringify(vault)} is listed more than once; each vault gets one priority`,
  }));
};

/** Why a base64 value is not a 1password-credentials.json file, or undefined when it is one. */
export function credentialsFileProblem(base64: string): string | undefined {
  const decoded = Buffer.from(base64, "base64").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    return base64Pattern.test(decoded.trim()) && credentialsFileProblem(decoded.trim()) === undefined
      ? "is base64 encoded twice; Connect chart 2.3.0+ takes the file encoded once (`base64 -w0 1password-credentials.json`)"
      : "decodes from base64 but is not JSON; encode the 1password-credentials.json file itself, once (`base64 -w0 1password-credentials.json`)";
  }
  const fields = ["verifier", "encCredentials", "deviceUuid"];
  const missing = typeof parsed === "object" && parsed !== null ? fields.filter((f) => !(f in parsed)) : fields;
  return missing.length > 0
    ? `decodes to JSON without ${missing.join(", ")}; it must be the 1password-credentials.json downloaded when creating the Connect server`
    : undefined;
}

export const readableCredentialsFile: Rule = ({ secrets, key }) => {
  const problem = secrets.onePasswordCredentials === undefined ? undefined : credentialsFileProblem(secrets.onePasswordCredentials);
  return problem === undefined ? [] : [{ key: key("onePasswordCredentials"), message: problem }];
};

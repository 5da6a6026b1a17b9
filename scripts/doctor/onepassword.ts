/** The 1Password secrets of the selected mode are present and well formed. */
import type { SecretKey } from "../../components/config/schema";
import { credentialsFileProblem } from "../../components/config/validate";
import { type CheckResult, fail, pass } from "./types";

const name = "1password";
const setSecret = (key: SecretKey, what: string) => `set it with \`pulumi config set --secret homelab:${key} ${what}\``;
const credentialsValue = '"$(base64 -w0 1password-credentials.json)"';

/** One ok line, or one failing line per problem. */
export function checkOnePassword(mode: "connect" | "sdk", secrets: Partial<Record<SecretKey, string>>): CheckResult[] {
  if (mode === "sdk") {
    if (!secrets.onePasswordServiceAccountToken) {
      return [
        fail(
          name,
          "mode sdk needs homelab:onePasswordServiceAccountToken, and it is not set",
          setSecret("onePasswordServiceAccountToken", "'ops_…'"),
        ),
      ];
    }
    return [pass(name, "mode sdk: the service-account token is set")];
  }
  const problems: CheckResult[] = [];
  const credentials = secrets.onePasswordCredentials;
  if (!credentials) {
    problems.push(
      fail(
        name,
        "mode connect needs homelab:onePasswordCredentials, and it is not set",
        setSecret("onePasswordCredentials", credentialsValue),
      ),
    );
  } else {
    const problem = credentialsFileProblem(credentials);
    if (problem !== undefined)
      problems.push(fail(name, `homelab:onePasswordCredentials ${problem}`, setSecret("onePasswordCredentials", credentialsValue)));
  }
  if (!secrets.onePasswordConnectToken) {
    problems.push(
      fail(
        name,
        "mode connect needs homelab:onePasswordConnectToken, and it is not set",
        setSecret("onePasswordConnectToken", "'<connect access token>'"),
      ),
    );
  }
  if (problems.length > 0) return problems;
  return [pass(name, "mode connect: the credentials decode to a 1password-credentials.json, and the Connect token is set")];
}

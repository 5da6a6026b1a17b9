/** A validated config for unit tests of the pure builders, from the same fixtures the program tests use. */
import { validateConfig, type ValidConfig } from "../../components/config";
import { connectSecrets, generateSecrets, type Settings, singleNodeSettings, stackConfig } from "../../offline/fixtures";

export async function validFixture(settings: Settings = singleNodeSettings()): Promise<ValidConfig> {
  const { config, secretKeys } = stackConfig(settings, connectSecrets(await generateSecrets()));
  return validateConfig(config, (key) => secretKeys.includes(key));
}

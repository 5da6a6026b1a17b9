/**
 * Writes SOPS files the way `sops --encrypt` with age recipients does: values
 * under data/stringData encrypted with AES-256-GCM under a random data key,
 * and that key age-encrypted (armored) once per recipient in `sops.age`.
 * Keys and files are made at test time.
 */
import { createCipheriv, randomBytes } from "node:crypto";

import { stringify } from "yaml";

function encryptValue(value: string, dataKey: Buffer): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  const data = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${cipher.getAuthTag().toString("base64")},type:str]`;
}

export async function sopsEncrypt(
  document: { data?: Record<string, string>; stringData?: Record<string, string> } & Record<string, unknown>,
  recipients: string[],
): Promise<string> {
  const age = await import("age-encryption");
  const dataKey = randomBytes(32);
  const encryptSection = (section?: Record<string, string>) =>
    section === undefined ? undefined : Object.fromEntries(Object.entries(section).map(([k, v]) => [k, encryptValue(v, dataKey)]));
  const stanzas = [];
  for (const recipient of recipients) {
    const encrypter = new age.Encrypter();
    encrypter.addRecipient(recipient);
    stanzas.push({ recipient, enc: age.armor.encode(await encrypter.encrypt(dataKey)) });
  }
  const { data, stringData, ...rest } = document;
  return stringify({
    ...rest,
    ...(data ? { data: encryptSection(data) } : {}),
    ...(stringData ? { stringData: encryptSection(stringData) } : {}),
    sops: {
      age: stanzas,
      lastmodified: new Date().toISOString(),
      mac: encryptValue(randomBytes(32).toString("hex"), dataKey),
      encrypted_regex: "^(data|stringData)$",
      version: "3.10.2",
    },
  });
}

export async function recipientOf(identity: string): Promise<string> {
  const age = await import("age-encryption");
  return age.identityToRecipient(identity);
}

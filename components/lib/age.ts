/**
 * age X25519 keys and a deterministic age encrypter, with node:crypto only.
 *
 * Format: the age v1 specification (C2SP/C2SP age.md, "Header", "Payload",
 * "The X25519 recipient type", "ASCII armor"); Bech32 as in BIP-173. Files made
 * here are decrypted by the real `age` CLI and by the `age-encryption` library
 * in test/lib/age.test.ts.
 *
 * Why deterministic: the backup of the Talos machine secrets is a stack output
 * recomputed on every `pulumi up`. age draws the file key, the payload nonce and
 * each ephemeral X25519 secret at random, so a plain encrypter would change the
 * output, and churn a diff, on every run. Here those three values are derived
 * with HMAC-SHA-256 keyed by the plaintext over the recipient list (a synthetic
 * IV, as in SIV modes): the same plaintext for the same recipients gives the
 * same file, and any change to either gives a new file key, nonce and ephemeral
 * secrets, so no key/nonce pair ever encrypts two different plaintexts. The
 * spec asks for fresh randomness per file; a byte-identical re-emission of the
 * same file is the only reuse this allows. What it reveals, that two backups
 * hold the same secrets, is exactly what "no diff" means. Only use it for
 * high-entropy plaintexts (a guessed plaintext can be confirmed).
 */
import { createCipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from "node:crypto";

const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const generators = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    generators.forEach((g, i) => {
      if ((top >>> i) & 1) checksum ^= g;
    });
  }
  return checksum >>> 0;
}

/** Bech32 strings are ASCII, so code units are characters. */
const codes = (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
const expandHrp = (hrp: string) => [...codes(hrp).map((c) => c >>> 5), 0, ...codes(hrp).map((c) => c & 31)];

function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] {
  let accumulator = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const value of data) {
    accumulator = (accumulator << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((accumulator >>> bits) & max);
    }
  }
  if (pad && bits > 0) out.push((accumulator << (to - bits)) & max);
  else if (!pad && (bits >= from || ((accumulator << (to - bits)) & max) !== 0)) throw new Error("non-zero padding");
  return out;
}

/** Bech32 (BIP-173) without the 90-character limit, as age uses it; lower case (upper-case it for identities). */
export function bech32Encode(prefix: string, data: Uint8Array): string {
  const hrp = prefix.toLowerCase();
  const words = convertBits(data, 8, 5, true);
  const checksum = polymod([...expandHrp(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksumWords = Array.from({ length: 6 }, (_, i) => (checksum >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksumWords].map((w) => charset[w]).join("")}`;
}

/** Decodes Bech32 in one case; throws on a wrong checksum, mixed case or a different HRP. */
export function bech32Decode(text: string, expectedHrp: string): Uint8Array {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new Error("mixed case");
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf("1");
  const hrp = lower.slice(0, separator);
  if (separator < 1 || hrp !== expectedHrp.toLowerCase()) throw new Error(`not a ${expectedHrp} Bech32 string`);
  const words = lower
    .slice(separator + 1)
    .split("")
    .map((c) => charset.indexOf(c));
  if (words.length < 6 || words.some((w) => w < 0)) throw new Error("invalid Bech32 characters");
  if (polymod([...expandHrp(hrp), ...words]) !== 1) throw new Error("bad Bech32 checksum");
  return Uint8Array.from(convertBits(words.slice(0, -6), 5, 8, false));
}

// DER prefixes of an X25519 key in PKCS#8 and SubjectPublicKeyInfo (RFC 8410).
const pkcs8Prefix = Buffer.from("302e020100300506032b656e04220420", "hex");
const spkiPrefix = Buffer.from("302a300506032b656e032100", "hex");

const privateKey = (secret: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([pkcs8Prefix, secret]), format: "der", type: "pkcs8" });
const publicKey = (point: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([spkiPrefix, point]), format: "der", type: "spki" });
const rawPublic = (key: KeyObject): Buffer => createPublicKey(key).export({ format: "der", type: "spki" }).subarray(spkiPrefix.length);

/** The 32-byte X25519 public key of an `age1…` recipient; throws when it is not one. */
export function parseX25519Recipient(recipient: string): Uint8Array {
  const key = bech32Decode(recipient, "age");
  if (key.length !== 32) throw new Error("an X25519 recipient holds 32 bytes");
  return key;
}

/** The `age1…` recipient of an `AGE-SECRET-KEY-1…` identity. */
export function x25519RecipientOf(identity: string): string {
  const secret = bech32Decode(identity, "AGE-SECRET-KEY-");
  if (secret.length !== 32) throw new Error("an X25519 identity holds 32 bytes");
  return bech32Encode("age", rawPublic(privateKey(secret)));
}

/** Standard base64 without padding, as the age header writes it. */
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** A stanza body wrapped at 64 columns, always ending with a line shorter than 64 (possibly empty). */
function wrapBody(body: Uint8Array): string {
  const text = b64(body);
  const lines: string[] = text.match(/.{1,64}/g) ?? [];
  if (text.length % 64 === 0) lines.push("");
  return lines.join("\n");
}

const chunkSize = 64 * 1024;

function payload(fileKey: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const key = hkdf(fileKey, nonce, "payload");
  const chunks: Buffer[] = [Buffer.from(nonce)];
  const count = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  for (let i = 0; i < count; i++) {
    const chunkNonce = Buffer.alloc(12);
    chunkNonce.writeUIntBE(i, 5, 6);
    chunkNonce[11] = i === count - 1 ? 1 : 0;
    chunks.push(seal(key, chunkNonce, plaintext.subarray(i * chunkSize, (i + 1) * chunkSize)));
  }
  return Buffer.concat(chunks);
}

/** RFC 7468 strict PEM with the label age uses. */
function armor(file: Uint8Array): string {
  const lines =
    Buffer.from(file)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return ["-----BEGIN AGE ENCRYPTED FILE-----", ...lines, "-----END AGE ENCRYPTED FILE-----", ""].join("\n");
}

/**
 * Encrypts `plaintext` to X25519 `recipients` (in the given order) as an
 * armored age file, the same bytes for the same inputs (see the module comment).
 */
export function deterministicAgeEncrypt(plaintext: string, recipients: readonly string[]): string {
  if (recipients.length === 0) throw new Error("age needs at least one recipient");
  const data = Buffer.from(plaintext, "utf8");
  const context = recipients.join("\n");
  const derive = (label: string, bytes: number) =>
    createHmac("sha256", data).update(`homelab age backup v1\n${label}\n${context}`).digest().subarray(0, bytes);

  const fileKey = derive("file key", 16);
  const stanzas = recipients.map((recipient, index) => {
    const theirs = parseX25519Recipient(recipient);
    const ephemeral = privateKey(derive(`ephemeral ${index}`, 32));
    const share = rawPublic(ephemeral);
    const shared = diffieHellman({ privateKey: ephemeral, publicKey: publicKey(theirs) });
    const wrapKey = hkdf(shared, Buffer.concat([share, theirs]), "age-encryption.org/v1/X25519");
    return `-> X25519 ${b64(share)}\n${wrapBody(seal(wrapKey, Buffer.alloc(12), fileKey))}`;
  });
  const header = `age-encryption.org/v1\n${stanzas.join("\n")}\n---`;
  const mac = createHmac("sha256", hkdf(fileKey, Buffer.alloc(0), "header"))
    .update(header)
    .digest();
  const file = Buffer.concat([Buffer.from(`${header} ${b64(mac)}\n`), payload(fileKey, derive("nonce", 16), data)]);
  return armor(file);
}

/** `npm run build:sops-guard`: writes the GitOps template's bundled sops-guard (scripts/sops-guard/bundle.ts). */
import { writeFileSync } from "node:fs";

import { buildBundle, bundlePath } from "./sops-guard/bundle";

writeFileSync(bundlePath, buildBundle(), { mode: 0o755 });
process.stdout.write(`wrote ${bundlePath}\n`);

// Local binding of @pulumiverse/talos v0.8.1: `types.input` / `types.output`, as sdk/nodejs/types/index.ts.

import * as input from "./input";
import * as output from "./output";

export { input, output };

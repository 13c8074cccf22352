// `npm run oci:push -- <registry>/<repository>:<tag> [--format wasm|docker] [--plain-http]
// [--user u --password p]`: pushes the image over the OCI distribution API. No Docker needed.
import { HelpRequested, runPush } from "./cli.js";

try {
  await runPush(process.argv.slice(2));
} catch (e) {
  if (e instanceof HelpRequested) console.log(e.message);
  else {
    console.error(`oci:push: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

// `npm run oci`: writes the Istio/OSSM images (Wasm OCI artifact and docker-compatible image) as
// OCI layout directories and tarballs under build/oci/. No Docker needed.
import { HelpRequested, runBuild } from "./cli.js";

try {
  runBuild(process.argv.slice(2));
} catch (e) {
  if (e instanceof HelpRequested) console.log(e.message);
  else {
    console.error(`oci: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
